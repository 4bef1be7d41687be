"""The cheap checks before the furniture rules (normalization itself: ``test_normalize.py``; dates: ``test_ingest_dates.py``)."""

import pytest

from indexer.ingest import boilerplate


def test_marker_groups_cover_every_furniture_marker_once():
    grouped = [marker for markers in boilerplate.FURNITURE_MARKER_GROUPS.values() for marker in markers]
    assert sorted(grouped) == sorted(boilerplate.FURNITURE_MARKERS)
    for prefix, markers in boilerplate.FURNITURE_MARKER_GROUPS.items():
        assert all(marker.startswith(prefix) for marker in markers)


@pytest.mark.parametrize("marker", boilerplate.FURNITURE_MARKERS)
def test_each_furniture_marker_needs_cleaning(marker):
    assert boilerplate.needs_cleaning(f"قال الوزير إن الوضع هادئ.\n{marker} المزيد")


@pytest.mark.parametrize("body", ["قال الوزير إن الوضع هادئ.\nوتابع الحديث عن ذات الموضوع.", "تابعت الوزارة"])
def test_clean_bodies_need_no_cleaning(body):
    assert not boilerplate.needs_cleaning(body)
