"""Date forms: explicit, Levantine and Maghrebi months, numeric, Hijri, relative, current month."""

import datetime as dt

import pytest

import os
from pathlib import Path

from indexer.ingest import dates
from indexer.ingest.dates import publication_date
from indexer.ingest.readers import read_file, record_from_mapping
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


@pytest.mark.parametrize(
    ("line", "umm_al_qura"),
    [
        ("10 ذو الحجة 1445 هـ", dt.date(2024, 6, 16)),  # Eid al-Adha 1445
        ("1 شوال 1444 هـ", dt.date(2023, 4, 21)),  # Eid al-Fitr 1444
        ("1 محرم 1446 هـ", dt.date(2024, 7, 7)),  # Hijri new year 1446
        ("1 رمضان 1443 هـ", dt.date(2022, 4, 2)),
    ],
)
def test_hijri_dates_follow_umm_al_qura(line, umm_al_qura):
    # The arithmetical calendar puts each of these a day later.
    assert dates.date_line(line)[0] == umm_al_qura
    assert dates.tabular_hijri_to_gregorian(*_hijri_parts(line)) == umm_al_qura + dt.timedelta(days=1)


def _hijri_parts(line):
    match = dates.HIJRI_DATE_RE.search(normalize_with_digits(line))
    return int(match["year"]), dates.HIJRI_MONTHS[match["month"]], int(match["day"])


def test_hijri_years_outside_umm_al_qura_use_the_arithmetical_calendar():
    assert 1300 not in dates.UMM_AL_QURA_YEARS
    assert dates.hijri_to_gregorian(1300, 1, 1) == dates.tabular_hijri_to_gregorian(1300, 1, 1)


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
        # Number words (pyarabic's list): units, teens, compounds with و, accusative units.
        ("منذ ستة أشهر", (dt.date(2024, 9, 1), "month")),
        ("منذ ثلاثة أيام", (dt.date(2025, 3, 12), "day")),
        ("منذ خمسة عشر يوما", (dt.date(2025, 2, 28), "day")),
        ("منذ ثلاثة وعشرين يوما", (dt.date(2025, 2, 20), "day")),
        ("منذ عشر سنوات", (dt.date(2015, 1, 1), "year")),
        ("منذ أكثر من عام", None),  # vague: no count
        ("منذ عدة أشهر", None),
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
    guess, warning = publication_date(lines[:2] + ["نص الخبر في جملة لا تاريخ فيها."], REFERENCE)
    assert (guess.date, guess.precision, guess.origin) == (dt.date(2024, 9, 1), "month", "inferred")
    assert (guess.date_basis, guess.reference) == ("relative:reference", REFERENCE)
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


# --- Dates a user can trust: the text's own evidence against the reference -------------------

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("قصفت القوات القاعدة في 16 ديسمبر 2011 بالقرب من الناصرية", [(dt.date(2011, 12, 16), "event")]),
        ("منذ منتصف تشرين الأول 2023، تصاعدت الهجمات", [(dt.date(2023, 10, 1), "event")]),
        ("طائرة مسيرة كوادكوبتر - سبوتنيك عربي, 1920, 24.05.2024", [(dt.date(2024, 5, 24), "caption")]),
        # Deadlines and plans are not past: "by September 2025", "until 2026-01-01".
        ("وستجري مغادرة مئات عناصر القوات بحلول أيلول 2025، مع مغادرة الباقين", []),
        ("تستمر المهمة حتى 1 كانون الثاني 2026 على الأقل", []),
        ("في العام 2014 بموافقة أممية", []),  # a year alone is not a date
    ],
)
def test_past_dates_of_a_line(line, expected):
    assert [(found.date, found.kind) for found in dates.past_dates(line)] == expected


def _evidence(latest, event=None):
    return dates.TextEvidence(
        dates.Evidence(latest, "caption", "") if latest else None, dates.Evidence(event, "event", "") if event else None
    )


def test_reference_fits_only_near_the_latest_reported_date():
    guess = (dt.date(2024, 6, 1), "month")
    assert dates.reference_fits(guess, dt.date(2024, 12, 1), _evidence(dt.date(2024, 7, 17), dt.date(2019, 1, 13)))
    # Two years after the latest reported date: a copy, not the crawl.
    assert not dates.reference_fits(guess, dt.date(2026, 12, 1), _evidence(dt.date(2024, 7, 17)))
    # Before an event the article reports: impossible.
    assert not dates.reference_fits(guess, dt.date(2024, 12, 1), _evidence(dt.date(2024, 8, 2), dt.date(2024, 8, 2)))
    # Same month as the event, known to the month: possible.
    assert dates.reference_fits(guess, dt.date(2024, 12, 1), _evidence(dt.date(2024, 6, 20), dt.date(2024, 6, 20)))
    # No evidence at all: nothing to check against.
    assert dates.reference_fits(guess, dt.date(2030, 1, 1), _evidence(None))


def test_untrusted_reference_gives_a_bound_from_the_evidence():
    lines = ["عنوان الخبر", "• منذ 6 شهر", "وقعت الهجمات في 17 تموز 2024 على القاعدة."]
    guess, warning = publication_date(lines, dt.date(2026, 12, 1), dates.REFERENCE_MTIME)
    # Counted from the earliest the page can have been read (the reported date): not before January 2024,
    # and the article is not older than the event it reports: July 2024.
    assert (guess.date, guess.precision, guess.origin) == (dt.date(2024, 7, 1), "month", "inferred")
    assert (guess.date_basis, guess.reference) == ("bound:text", dt.date(2024, 7, 17))
    assert "2026-06" in warning and "not before 2024-07" in warning and "modification date 2026-12-01" in warning
    trusted, _ = publication_date(lines, dt.date(2025, 1, 20), dates.REFERENCE_MTIME)
    assert (trusted.date, trusted.date_basis, trusted.reference) == (dt.date(2024, 7, 1), "relative:mtime", dt.date(2025, 1, 20))


def test_current_month_bound_is_its_first_occurrence_after_the_evidence():
    lines = ["عنوان", "قالت المصادر في 6 من أيلول الحالي إن الاتفاق قريب.", "بدأت الهجمات في تشرين الثاني 2023."]
    guess, _ = publication_date(lines, dt.date(2026, 12, 1), dates.REFERENCE_MTIME)
    assert (guess.date, guess.date_basis, guess.reference) == (dt.date(2024, 9, 1), "bound:text", dt.date(2023, 11, 1))


@pytest.mark.parametrize(
    ("seed", "expected"),
    [("000", (dt.date(2024, 1, 1), "month")), ("001", (dt.date(2024, 9, 1), "month"))],
)
def test_seeds_copied_today_are_not_dated_today(tmp_path, seed, expected):
    # A fresh clone: the file's modification time is now, years after the articles were written.
    (source,) = SEEDS.glob(f"{seed}_*.txt")
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    os.utime(copy)
    (record,) = read_file(copy)
    assert record.date.year == 2024 != dt.date.today().year
    assert (record.date, record.date_precision, record.date_origin) == (*expected, "inferred")
    assert record.date_basis == "bound:text"
    assert record.date_reference and record.date_reference < "2024-08"
    assert any(f"modification date {dt.date.today().isoformat()}" in warning for warning in record.warnings)


def test_relative_dates_record_their_reference():
    (source,) = SEEDS.glob("000_*.txt")
    (record,) = read_file(source, reference_date=dt.date(2024, 9, 20))
    assert (record.date, record.date_basis, record.date_reference) == (dt.date(2024, 3, 1), "relative:reference", "2024-09-20")


@pytest.mark.parametrize(
    ("article", "origin", "basis"),
    [
        ({"date": "2015-07-21T02:51:32", "date_kind": "extracted"}, "crawl", "crawl"),
        ({"date": "2015-07-21T02:51:32", "date_kind": "published"}, "metadata", "metadata"),
        ({"date": "2015-07-21T02:51:32"}, "metadata", "metadata"),
    ],
)
def test_crawl_times_are_not_publication_dates(article, origin, basis):
    record = record_from_mapping(
        {"title": "عنوان الخبر", "body": "نص الخبر في جملة كاملة.", **article}, id="x#1", path="x", content_hash="h"
    )
    assert (record.date, record.date_origin, record.date_basis) == (dt.date(2015, 7, 21), origin, basis)
