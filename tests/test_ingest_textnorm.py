"""Fast exact normalization of long text, and the cheap checks before the date and furniture rules."""

import datetime as dt
from pathlib import Path

import pytest

from indexer.ingest import boilerplate, dates
from indexer.text.normalize import COMMON_FOLDS, COMMON_MARKS, RARE_VARIANTS_RE, fold_common, normalize_text
from indexer.text.normalize import normalize_with_digits

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize(
    "text",
    [
        "مُسَيَّرَةٌ أُطلِقَتْ",  # harakat
        "العـــراق",  # tatweel
        "أحمد إبراهيم آمال ٱلله",  # hamza and wasla forms
        "مستشفى الكبرى",  # alef maqsura
        "الأمريكية الجديدة",  # teh marbuta
        "هٰذا",  # superscript alef (rare)
        "ٱلرَّحْمَٰنِ ۖ",  # Quranic marks (rare)
        "السوداني\u200c\u200f إن",  # format and bidi marks (rare)
        "گزارش ی ک",  # Persian letters (rare)
        "ﻻ إله ﷲ",  # presentation forms (rare)
        "عام ٢٠٢٤ و۱۴۰۳",  # Arabic-Indic digits (rare)
        "CNN و BBC Arabic",  # Latin case
        "",
    ],
)
def test_normalize_text_is_normalize_with_digits(text):
    assert normalize_text(text) == normalize_with_digits(text)


def test_normalize_text_is_normalize_with_digits_on_seed_lines():
    for path in sorted(SEEDS.iterdir()):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            assert normalize_text(line) == normalize_with_digits(line), (path.name, line)


def test_every_character_normalization_changes_is_common_or_rare():
    # The fast path is exact only if each character that normalize_with_digits
    # treats differently from fold_common + lower sends the text down the slow path.
    for code in range(0x10000):
        char = chr(code)
        if normalize_with_digits(char) != fold_common(char).lower():
            assert RARE_VARIANTS_RE.search(char), hex(code)


@pytest.mark.parametrize("mark", list(COMMON_MARKS))
def test_fold_common_drops_each_mark(mark):
    assert fold_common(f"ب{mark}ب") == "بب"


@pytest.mark.parametrize(("variant", "standard"), COMMON_FOLDS)
def test_fold_common_folds_each_letter(variant, standard):
    assert fold_common(f"ب{variant}ب") == f"ب{standard}ب"


# --- Cheap checks before the regexes -----------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("١٦ أغسطس ٢٠٢٤", dt.date(2024, 8, 16)),  # Arabic-Indic digits pass the digit check
        ("16 أغسطس 20\u200c24", dt.date(2024, 8, 16)),  # the year is whole once the mark is gone
        ("نشر في أغسطس", None),  # no digit at all
        ("16 أغسطس", None),  # no year
    ],
)
def test_date_line_checks_for_digits_first(line, expected):
    found = dates.date_line(line)
    assert (found[0] if found else None) == expected


def test_explicit_date_needs_a_four_digit_year():
    assert dates.explicit_date("16 اغسطس") is None
    assert dates.explicit_date("16 اغسطس 2024")[0] == dt.date(2024, 8, 16)


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
