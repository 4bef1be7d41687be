"""Publication dates: metadata values, explicit Arabic date forms, relative forms.

Every function here works on text that went through ``normalize_with_digits``
(alef forms folded, teh marbuta to heh, alef maqsura to yeh, Arabic-Indic
digits to ASCII), so one month spelling covers its hamza and digit variants.

Conventions (documented for the index and the facets):

* a date known to the month is stored as the first day of that month, one known
  to the year as 1 January, with ``date_precision`` saying which;
* relative forms ("منذ 6 شهر", "منذ ساعتين", "أمس") are resolved against a
  reference date and get ``date_origin = "inferred"``; their precision is the
  unit's: minutes, hours and days give a day, weeks and months a month, years a
  year (six months ago is not a known day);
* "في 6 من أيلول الحالي" ("the current September") means the article was
  written in that September: month precision, year from the reference date,
  ``inferred``;
* Hijri dates (with هـ) are converted with the arithmetical (tabular) Islamic
  calendar, which can differ from Umm al-Qura or a sighting by a day or two.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
from dataclasses import dataclass

from indexer.text.normalize import normalize_text
from indexer.text.normalize import normalize_with_digits

# --- Month names, normalized ---------------------------------------------------

# Each spelling is given as written; keys are normalized when the regexes are built.
GREGORIAN_MONTH_NAMES = {
    1: ["يناير", "كانون الثاني", "جانفي", "جانفيي", "يناير"],
    2: ["فبراير", "شباط", "فيفري", "فبراير"],
    3: ["مارس", "آذار", "اذار"],
    4: ["أبريل", "إبريل", "ابريل", "نيسان", "أفريل", "افريل"],
    5: ["مايو", "أيار", "ايار", "ماي"],
    6: ["يونيو", "يونيه", "حزيران", "جوان"],
    7: ["يوليو", "يوليه", "تموز", "جويلية", "جويليه", "يوليوز"],
    8: ["أغسطس", "اغسطس", "آب", "أوت", "اوت", "غشت"],
    9: ["سبتمبر", "أيلول", "ايلول", "شتنبر"],
    10: ["أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول"],
    11: ["نوفمبر", "تشرين الثاني", "نونبر"],
    12: ["ديسمبر", "كانون الأول", "كانون الاول", "دجنبر"],
}
HIJRI_MONTH_NAMES = {
    1: ["محرم"],
    2: ["صفر"],
    3: ["ربيع الأول", "ربيع الاول"],
    4: ["ربيع الآخر", "ربيع الثاني"],
    5: ["جمادى الأولى", "جمادى الأول"],
    6: ["جمادى الآخرة", "جمادى الثانية", "جمادى الآخر"],
    7: ["رجب"],
    8: ["شعبان"],
    9: ["رمضان"],
    10: ["شوال"],
    11: ["ذو القعدة", "ذي القعدة"],
    12: ["ذو الحجة", "ذي الحجة"],
}


def _month_lookup(names: dict[int, list[str]]) -> dict[str, int]:
    return {normalize_with_digits(name): month for month, spellings in names.items() for name in spellings}


GREGORIAN_MONTHS = _month_lookup(GREGORIAN_MONTH_NAMES)
HIJRI_MONTHS = _month_lookup(HIJRI_MONTH_NAMES)


def _alternation(keys) -> str:
    # Longest first so that "كانون الثاني" wins over a shorter prefix.
    return "|".join(re.escape(key).replace(r"\ ", r"\s+") for key in sorted(keys, key=len, reverse=True))


_MONTH = f"(?:{_alternation(GREGORIAN_MONTHS)})"
_HIJRI_MONTH = f"(?:{_alternation(HIJRI_MONTHS)})"
# Arabic letters around a match would mean the month is part of a longer word (ماي in مايكل).
_NOT_AFTER_WORD = r"(?<![\w])"
_NOT_BEFORE_WORD = r"(?![\w])"

HIJRI_DATE_RE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?:من\s+)?(?P<month>{_HIJRI_MONTH})\s*[,،]?\s*(?P<year>1[34]\d\d)\s*ه"
)
# "16 اغسطس 2024", "28 يوليو, 2024", "17 اكتوبر/ تشرين الاول 2023", "6 من ايلول 2024".
DAY_MONTH_YEAR_RE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?:من\s+)?{_NOT_AFTER_WORD}(?P<month>{_MONTH})"
    rf"(?:\s*/\s*{_MONTH})?{_NOT_BEFORE_WORD}\s*[,،]?\s*(?P<year>(?:19|20)\d\d)(?!\d)"
)
# "يوليو 28, 2024" (the English order some sites use).
MONTH_DAY_YEAR_RE = re.compile(
    rf"{_NOT_AFTER_WORD}(?P<month>{_MONTH}){_NOT_BEFORE_WORD}\s+(?P<day>\d{{1,2}})\s*[,،]\s*(?P<year>(?:19|20)\d\d)(?!\d)"
)
ISO_DATE_RE = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)")
# Day first, as Arabic sites write numeric dates: 28/07/2024, 24.05.2024, 28-7-2024.
NUMERIC_DATE_RE = re.compile(r"(?<!\d)(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>(?:19|20)\d\d)(?!\d)")
MONTH_YEAR_RE = re.compile(
    rf"{_NOT_AFTER_WORD}(?P<month>{_MONTH})(?:\s*/\s*{_MONTH})?{_NOT_BEFORE_WORD}\s*[,،]?\s*(?P<year>(?:19|20)\d\d)(?!\d)"
)

# --- Relative forms ------------------------------------------------------------

# unit -> (timedelta kwargs per unit, precision)
_RELATIVE_UNITS = {
    "minute": ({"minutes": 1}, "day"),
    "hour": ({"hours": 1}, "day"),
    "day": ({"days": 1}, "day"),
    "week": ({"weeks": 1}, "month"),
    "month": (None, "month"),
    "year": (None, "year"),
}
_UNIT_WORDS = {
    "minute": (["دقيقة", "دقائق", "دقيقه"], ["دقيقتين", "دقيقتان"]),
    "hour": (["ساعة", "ساعات"], ["ساعتين", "ساعتان"]),
    "day": (["يوم", "أيام"], ["يومين", "يومان"]),
    "week": (["أسبوع", "أسابيع"], ["أسبوعين", "أسبوعان"]),
    "month": (["شهر", "أشهر", "شهور"], ["شهرين", "شهران"]),
    "year": (["سنة", "سنوات", "سنين", "عام", "أعوام"], ["سنتين", "عامين", "سنتان", "عامان"]),
}
UNIT_OF_WORD: dict[str, tuple[str, int | None]] = {}
for _unit, (_plain, _dual) in _UNIT_WORDS.items():
    for _word in _plain:
        UNIT_OF_WORD[normalize_with_digits(_word)] = (_unit, None)
    for _word in _dual:
        UNIT_OF_WORD[normalize_with_digits(_word)] = (_unit, 2)

RELATIVE_RE = re.compile(
    rf"{_NOT_AFTER_WORD}منذ\s+(?:(?P<count>\d+)\s+)?(?P<unit>{_alternation(UNIT_OF_WORD)}){_NOT_BEFORE_WORD}"
)
YESTERDAY_RE = re.compile(rf"{_NOT_AFTER_WORD}(?P<before>اول\s+)?امس(?P<after>\s+الاول)?{_NOT_BEFORE_WORD}")
TODAY_RE = re.compile(rf"{_NOT_AFTER_WORD}(?:اليوم|الان){_NOT_BEFORE_WORD}")
# "6 من ايلول الحالي", "الشهر الجاري" needs a month name to be useful.
CURRENT_MONTH_RE = re.compile(rf"{_NOT_AFTER_WORD}(?P<month>{_MONTH})\s+(?:الحالي|الجاري){_NOT_BEFORE_WORD}")

# --- Whole-line dates ------------------------------------------------------------

PUBLICATION_PREFIX_RE = re.compile(
    r"^\W*(?:تاريخ\s+النشر|نشر\s+في|نشر\s+بتاريخ|تم\s+النشر|نشر|اخر\s+تحديث|تاريخ\s+التحديث|published(?:\s+on)?|updated)\s*[:：]?",
    re.IGNORECASE,
)
TIME_RE = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?\s*(?:[صم](?![\w])|am|pm|gmt|utc)?", re.IGNORECASE)
WEEKDAY_RE = re.compile(r"(?<![\w])(?:ال)?(?:سبت|احد|اثنين|ثلاثاء|اربعاء|خميس|جمعه)(?![\w])")
#: A line is a date line when this many words at most remain once the date, the
#: time, the weekday and a publication prefix are taken out.
MAX_WORDS_BESIDE_DATE = 1
WORD_RE = re.compile(r"[^\W\d_]+")

EXPLICIT_DATE_RES = (HIJRI_DATE_RE, DAY_MONTH_YEAR_RE, MONTH_DAY_YEAR_RE, ISO_DATE_RE, NUMERIC_DATE_RE)
# Every explicit date has a four-digit year, and a date line at least a digit:
# testing for them first spares the month-name regexes most lines.
YEAR_DIGITS_RE = re.compile(r"\d{4}")
DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class DateGuess:
    date: dt.date
    precision: str  # day, month or year
    origin: str  # metadata, text or inferred


def hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """Arithmetical Islamic calendar to Gregorian (may differ from Umm al-Qura by a day or two)."""
    julian_day = (
        day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + (3 + 11 * year) // 30 + 1948439.5 - 1
    )
    # Julian day 1721425.5 is 1 January of year 1 (ordinal 1).
    return dt.date.fromordinal(int(julian_day - 1721425.5) + 1)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _from_match(regex: re.Pattern, match: re.Match) -> dt.date | None:
    year, day = int(match["year"]), int(match["day"])
    if regex is HIJRI_DATE_RE:
        month = HIJRI_MONTHS[re.sub(r"\s+", " ", match["month"])]
        if not 1 <= day <= 30:
            return None
        return hijri_to_gregorian(year, month, day)
    month_text = match["month"]
    month = int(month_text) if month_text.isdigit() else GREGORIAN_MONTHS[re.sub(r"\s+", " ", month_text)]
    return _safe_date(year, month, day)


def explicit_date(normalized: str) -> tuple[dt.date, str, re.Match] | None:
    """The first explicit date in normalized text: ``(date, precision, match)``."""
    if YEAR_DIGITS_RE.search(normalized) is None:
        return None
    best = None
    for regex in EXPLICIT_DATE_RES:
        for match in regex.finditer(normalized):
            if best is not None and match.start() >= best[2].start():
                break
            found = _from_match(regex, match)
            if found is not None:
                best = (found, "day", match)
                break
    if best is None:
        match = MONTH_YEAR_RE.search(normalized)
        if match:
            month = GREGORIAN_MONTHS[re.sub(r"\s+", " ", match["month"])]
            best = (dt.date(int(match["year"]), month, 1), "month", match)
    return best


def date_line(line: str) -> tuple[dt.date, str, bool] | None:
    """``(date, precision, has_publication_prefix)`` when the whole line is a date
    ("16 أغسطس 2024، 3:20 م", "نشر في: 28 يوليو, 2024: 12:21 ص"), else None.

    Dates inside sentences are event dates, not publication dates, so they do
    not count; neither do caption lines that carry other words.
    """
    if DIGIT_RE.search(line) is None:  # normalization only folds digits, it never makes one
        return None
    normalized = normalize_text(line)
    prefix = PUBLICATION_PREFIX_RE.match(normalized)
    rest = normalized[prefix.end() :] if prefix else normalized
    found = explicit_date(rest)
    if found is None:
        return None
    date, precision, match = found
    remainder = rest[: match.start()] + " " + rest[match.end() :]
    remainder = WEEKDAY_RE.sub(" ", TIME_RE.sub(" ", remainder))
    if len(WORD_RE.findall(remainder)) > MAX_WORDS_BESIDE_DATE:
        return None
    return date, precision, prefix is not None


def shift_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + date.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def relative_date(normalized: str, reference: dt.date) -> tuple[dt.date, str] | None:
    """Resolve "منذ 6 شهر", "منذ ساعتين", "أمس", "أول أمس", "اليوم" against ``reference``."""
    match = RELATIVE_RE.search(normalized)
    if match:
        unit, dual_count = UNIT_OF_WORD[re.sub(r"\s+", " ", match["unit"])]
        count = int(match["count"]) if match["count"] else (dual_count or 1)
        step, precision = _RELATIVE_UNITS[unit]
        if unit == "month":
            return shift_months(reference, count), precision
        if unit == "year":
            return dt.date(reference.year - count, 1, 1), precision
        moment = dt.datetime.combine(reference, dt.time(12)) - count * dt.timedelta(**step)
        found = moment.date()
        return (found, precision) if precision == "day" else (found.replace(day=1), precision)
    match = YESTERDAY_RE.search(normalized)
    if match:
        days = 2 if (match["before"] or match["after"]) else 1
        return reference - dt.timedelta(days=days), "day"
    if TODAY_RE.search(normalized):
        return reference, "day"
    return None


def current_month(normalized: str, reference: dt.date) -> dt.date | None:
    """"في 6 من أيلول الحالي": the first day of that month in the latest year not after ``reference``."""
    match = CURRENT_MONTH_RE.search(normalized)
    if match is None:
        return None
    month = GREGORIAN_MONTHS[re.sub(r"\s+", " ", match["month"])]
    year = reference.year if month <= reference.month else reference.year - 1
    return dt.date(year, month, 1)


def parse_metadata_date(value) -> dt.date | None:
    """A date given in metadata: ISO 8601, RFC 2822, or any explicit Arabic/numeric form."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        # Unix timestamps in seconds (or milliseconds, as JavaScript writes them).
        seconds = value / 1000 if value > 1e11 else value
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    found = explicit_date(normalize_with_digits(text))
    return found[0] if found else None
