"""Date forms: explicit, Levantine and Maghrebi months, numeric, Hijri, relative, current month."""

import datetime as dt

import pytest

from indexer.ingest import dates
from indexer.ingest.readers import publication_date
from indexer.text.normalize import normalize_with_digits

REFERENCE = dt.date(2025, 3, 15)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("16 أغسطس 2024، 3:20 م", dt.date(2024, 8, 16)),
        ("نشر في: 28 يوليو, 2024: 12:21 ص", dt.date(2024, 7, 28)),
        ("3 كانون الثاني 2024", dt.date(2024, 1, 3)),
        ("6 أيلول 2024", dt.date(2024, 9, 6)),
        ("الأحد 17 تشرين الأول 2023", dt.date(2023, 10, 17)),
        ("25 كانون الأول 2023", dt.date(2023, 12, 25)),
        ("12 جانفي 2017", dt.date(2017, 1, 12)),
        ("3 فيفري 2016", dt.date(2016, 2, 3)),
        ("5 أوت 2016", dt.date(2016, 8, 5)),
        ("20 جوان 2015", dt.date(2015, 6, 20)),
        ("17 أكتوبر/ تشرين الأول 2023", dt.date(2023, 10, 17)),
        ("28/07/2024", dt.date(2024, 7, 28)),
        ("28-7-2024", dt.date(2024, 7, 28)),
        ("2024-07-28", dt.date(2024, 7, 28)),
        ("٢٨/٠٧/٢٠٢٤", dt.date(2024, 7, 28)),
        ("١٦ أغسطس ٢٠٢٤", dt.date(2024, 8, 16)),
        ("تاريخ النشر: 2024/07/28 10:00", dt.date(2024, 7, 28)),
        # Tabular Islamic calendar: 1 Ramadan 1445 is 11 March 2024.
        ("1 رمضان 1445 هـ", dt.date(2024, 3, 11)),
        ("15 رمضان 1445هـ", dt.date(2024, 3, 25)),
    ],
)
def test_whole_line_dates(line, expected):
    found = dates.date_line(line)
    assert found is not None
    assert (found[0], found[1]) == (expected, "day")


def test_hijri_conversion_is_within_two_days_of_umm_al_qura():
    # Umm al-Qura: 10 Dhu al-Hijjah 1445 (Eid al-Adha) = 16 June 2024; 1 Shawwal 1444 = 21 April 2023.
    for line, umm_al_qura in (("10 ذو الحجة 1445 هـ", dt.date(2024, 6, 16)), ("1 شوال 1444 هـ", dt.date(2023, 4, 21))):
        assert abs((dates.date_line(line)[0] - umm_al_qura).days) <= 2


def test_impossible_day_keeps_only_the_month():
    assert dates.date_line("30 فبراير 2024")[:2] == (dt.date(2024, 2, 1), "month")


def test_publication_prefix_is_reported():
    assert dates.date_line("نشر في: 28 يوليو, 2024: 12:21 ص")[2] is True
    assert dates.date_line("16 أغسطس 2024، 3:20 م")[2] is False


@pytest.mark.parametrize(
    "line",
    [
        "طائرة مسيرة كوادكوبتر - سبوتنيك عربي, 1920, 24.05.2024",  # caption of another article
        "منذ أكتوبر 2024، تصاعدت هجمات المجموعات العراقية",  # an event in a sentence
        "قوات أمريكية تمر عبر معسكر أدير قبل مغادرته في 16 ديسمبر 2011 بالقرب من الناصرية",
    ],
)
def test_dates_inside_sentences_are_not_date_lines(line):
    assert dates.date_line(line) is None


def test_month_year_line_has_month_precision():
    assert dates.date_line("أيلول 2024")[:2] == (dt.date(2024, 9, 1), "month")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("منذ 6 شهر", (dt.date(2024, 9, 1), "month")),
        ("منذ شهرين", (dt.date(2025, 1, 1), "month")),
        ("منذ ساعتين", (dt.date(2025, 3, 15), "day")),
        ("منذ 5 دقائق", (dt.date(2025, 3, 15), "day")),
        ("منذ 3 أيام", (dt.date(2025, 3, 12), "day")),
        ("منذ يومين", (dt.date(2025, 3, 13), "day")),
        ("منذ أسبوعين", (dt.date(2025, 3, 1), "month")),
        ("منذ سنة", (dt.date(2024, 1, 1), "year")),
        ("أمس", (dt.date(2025, 3, 14), "day")),
        ("أول أمس", (dt.date(2025, 3, 13), "day")),
        ("منذ ٣ أيام", (dt.date(2025, 3, 12), "day")),
    ],
)
def test_relative_dates(text, expected):
    assert dates.relative_date(normalize_with_digits(text), REFERENCE) == expected


def test_current_month_takes_the_latest_year_not_after_the_reference():
    assert dates.current_month(normalize_with_digits("وفي 6 من أيلول الحالي"), REFERENCE) == dt.date(2024, 9, 1)
    assert dates.current_month(normalize_with_digits("في 2 من آذار الجاري"), REFERENCE) == dt.date(2025, 3, 1)
    assert dates.current_month(normalize_with_digits("في 21 من آب الماضي"), REFERENCE) is None


def test_publication_date_prefers_prefixed_then_edge_lines_then_relative():
    lines = ["عنوان الخبر", "• منذ 6 شهر", "نص الخبر الذي يذكر 16 ديسمبر 2011 في جملة.", "نشر في: 28 يوليو, 2024"]
    guess, warning = publication_date(lines, REFERENCE)
    assert (guess.date, guess.precision, guess.origin) == (dt.date(2024, 7, 28), "day", "text")
    assert warning is None
    guess, warning = publication_date(lines[:3], REFERENCE)
    assert (guess.date, guess.precision, guess.origin) == (dt.date(2024, 9, 1), "month", "inferred")
    assert "منذ 6 شهر" in warning
    assert publication_date(["عنوان", "نص فيه 16 ديسمبر 2011 داخل جملة طويلة."], REFERENCE) == (None, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-02-18T21:35:43+04:00", dt.date(2018, 2, 18)),
        ("2015-07-21T02:51:32", dt.date(2015, 7, 21)),
        ("2024-07-28T10:00:00Z", dt.date(2024, 7, 28)),
        ("Sun, 18 Feb 2018 21:35:43 +0400", dt.date(2018, 2, 18)),
        ("16 أغسطس 2024", dt.date(2024, 8, 16)),
        (1721000000, dt.date(2024, 7, 14)),
        ("not a date", None),
        (None, None),
    ],
)
def test_metadata_dates(value, expected):
    assert dates.parse_metadata_date(value) == expected
