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
* Hijri dates (with هـ) are converted with the Umm al-Qura calendar
  (``hijridate``, years 1343-1500 AH); outside its range, with the arithmetical
  (tabular) Islamic calendar, which can differ from it by a day or two;
* a relative form counts from a reference date (the file's modification time,
  today, or one the caller gives), which for a copied or cloned file is the
  day of the copy.  So the text is checked first (``latest_past_dates``): the
  page was read after the latest date it reports as past (explicit dates in
  sentences, and dated captions of linked articles), and the article is not
  older than the latest event it reports (captions are weaker: a linked
  article can be newer).  A reference more than ``MAX_EVIDENCE_GAP`` after
  that evidence, or a relative date before such an event, is not trusted: the
  date becomes a lower bound, the relative form counted from the evidence
  (``basis = "bound:text"``), never a confident wrong month.  ``DateGuess.basis`` and ``reference`` say what a date was
  inferred from and against which reference date.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
from dataclasses import dataclass

from hijridate import Hijri
from pyarabic.number_const import NUMBER_WORDS as PYARABIC_NUMBER_WORDS

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
    "day": (["يوم", "يوما", "أيام"], ["يومين", "يومان"]),
    "week": (["أسبوع", "أسبوعا", "أسابيع"], ["أسبوعين", "أسبوعان"]),
    "month": (["شهر", "شهرا", "أشهر", "شهور"], ["شهرين", "شهران"]),
    "year": (["سنة", "سنوات", "سنين", "عام", "عاما", "أعوام"], ["سنتين", "عامين", "سنتان", "عامان"]),
}
UNIT_OF_WORD: dict[str, tuple[str, int | None]] = {}
for _unit, (_plain, _dual) in _UNIT_WORDS.items():
    for _word in _plain:
        UNIT_OF_WORD[normalize_with_digits(_word)] = (_unit, None)
    for _word in _dual:
        UNIT_OF_WORD[normalize_with_digits(_word)] = (_unit, 2)

#: Number words below a hundred (pyarabic's list, normalized), for "منذ ستة أشهر", "منذ خمسة عشر يوما".
NUMBER_WORD_VALUES = {
    normalize_with_digits(word): value for word, value in PYARABIC_NUMBER_WORDS.items() if 0 < value < 100
}
_NUMBER_WORD = f"(?:و?(?:{_alternation(NUMBER_WORD_VALUES)}))"
RELATIVE_RE = re.compile(
    rf"{_NOT_AFTER_WORD}منذ\s+(?:(?P<count>\d+)\s+|(?P<words>{_NUMBER_WORD}(?:\s+{_NUMBER_WORD})*)\s+)?"
    rf"(?P<unit>{_alternation(UNIT_OF_WORD)}){_NOT_BEFORE_WORD}"
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


#: What a date was inferred from (``Record.date_basis``).
BASIS_METADATA = "metadata"  # a date field of the JSON or HTML
BASIS_CRAWL = "crawl"  # a metadata date that the source marks as the crawl time
BASIS_TEXT = "text"  # a whole-line date in the text
BASIS_BOUND = "bound:text"  # not before the latest date the text reports (the reference was not trusted)
#: A relative form counted from a reference: "relative:mtime", "relative:today", "relative:reference".
RELATIVE_BASIS = "relative:{}"
REFERENCE_MTIME, REFERENCE_TODAY, REFERENCE_GIVEN = "mtime", "today", "reference"


@dataclass(frozen=True)
class DateGuess:
    date: dt.date
    precision: str  # day, month or year
    origin: str  # metadata, crawl, text or inferred
    #: What the date was inferred from (``BASIS_*``, ``RELATIVE_BASIS``); the origin when not given.
    basis: str | None = None
    #: The date a relative form was counted from, or the evidence a bound comes from.
    reference: dt.date | None = None

    @property
    def date_basis(self) -> str:
        return self.basis or self.origin


def mtime_reference_note(modified: dt.date) -> str:
    return f"reference date: file modified {modified.isoformat()}"


TODAY_REFERENCE_NOTE = "reference date: today"


def reference_kind(note: str | None) -> str:
    """``REFERENCE_MTIME``, ``REFERENCE_TODAY`` or ``REFERENCE_GIVEN`` for a reader's reference note."""
    if note == TODAY_REFERENCE_NOTE:
        return REFERENCE_TODAY
    if note and note.startswith(mtime_reference_note(dt.date.min)[: -len(dt.date.min.isoformat())]):
        return REFERENCE_MTIME
    return REFERENCE_GIVEN


#: The years ``hijridate``'s Umm al-Qura tables cover.
UMM_AL_QURA_YEARS = range(1343, 1501)


def hijri_to_gregorian(year: int, month: int, day: int) -> dt.date | None:
    """A Hijri date in the Umm al-Qura calendar (Saudi Arabia's official one), None if it does not exist.

    Outside the years the tables cover, the arithmetical calendar.
    """
    if year not in UMM_AL_QURA_YEARS:
        return tabular_hijri_to_gregorian(year, month, day)
    try:
        return dt.date(*Hijri(year, month, day).to_gregorian().datetuple())
    except (ValueError, OverflowError):
        return None


def tabular_hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
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
    normalized = normalize_with_digits(line)
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
        if match["count"]:
            count = int(match["count"])
        elif match["words"]:
            count = number_from_words(match["words"])
        else:
            count = dual_count or 1
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


def number_from_words(normalized: str) -> int:
    """"خمسه عشر" -> 15, "ثلاثه وعشرين" -> 23: the sum of the number words (normalized)."""
    return sum(NUMBER_WORD_VALUES[word.removeprefix("و") if word not in NUMBER_WORD_VALUES else word]
               for word in normalized.split())


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


# --- Evidence in the text, and the choice of a publication date ------------------------

#: Relative dates ("منذ 6 شهر") are looked for this far from the top.
DATE_HEADER_LINES = 12
DATE_FOOTER_LINES = 8
#: A reference date this long after the latest date the text reports is not the page's (a copy, not the crawl).
MAX_EVIDENCE_GAP = dt.timedelta(days=366)
#: Words before a date that make it a deadline or a plan, not something that happened ("بحلول أيلول 2025").
FUTURE_MARKER_RE = re.compile(r"(?:^|\s)(?:بحلول|حتي|اقصاه|موعد)\s+(?:\S+\s+)?$")
#: How much text before a date is read for a future marker.
FUTURE_MARKER_WINDOW = 24
#: A dated caption: the date ends the line ("طائرة مسيرة - سبوتنيك عربي, 1920, 24.05.2024").
CAPTION_END_RE = re.compile(r"^[\W_]*$")
#: A label line ("• منذ 6 شهر") has at most this many words, digits included (as furniture labels do).
MAX_LABEL_WORDS = 6
LABEL_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Evidence:
    """A date the text reports as past: an event in a sentence, or a dated caption (weaker)."""

    date: dt.date
    kind: str  # event or caption
    line: str


def past_dates(line: str) -> list[Evidence]:
    """Explicit dates in one line that it reports as past (deadlines and plans left out)."""
    normalized = normalize_with_digits(line)
    if YEAR_DIGITS_RE.search(normalized) is None:
        return []
    found: list[Evidence] = []
    taken: list[tuple[int, int]] = []
    for regex in (*EXPLICIT_DATE_RES, MONTH_YEAR_RE):
        for match in regex.finditer(normalized):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue  # a month-year inside a full date already read
            taken.append(match.span())
            if regex is MONTH_YEAR_RE:
                date = dt.date(int(match["year"]), GREGORIAN_MONTHS[re.sub(r"\s+", " ", match["month"])], 1)
            else:
                date = _from_match(regex, match)
            if date is None:
                continue
            before = normalized[max(0, match.start() - FUTURE_MARKER_WINDOW) : match.start()]
            if FUTURE_MARKER_RE.search(before):
                continue
            kind = "caption" if CAPTION_END_RE.match(normalized[match.end() :]) and regex is not MONTH_YEAR_RE else "event"
            found.append(Evidence(date, kind, line.strip()))
    return found


@dataclass(frozen=True)
class TextEvidence:
    """The latest past dates a text reports: of any kind, and of events in sentences."""

    latest: Evidence | None
    latest_event: Evidence | None


def latest_past_dates(lines: list[str]) -> TextEvidence:
    """What the text says about its own age.

    Every past date bounds the reference date (the page was read after it);
    only event dates bound the article itself, because a dated caption can be
    of a newer article linked beside it.
    """
    evidence = [found for line in lines for found in past_dates(line)]
    events = [found for found in evidence if found.kind == "event"]
    latest = max(evidence, key=lambda found: found.date) if evidence else None
    return TextEvidence(latest, max(events, key=lambda found: found.date) if events else None)


def _month_index(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


def not_before(guess: tuple[dt.date, str], bound: dt.date) -> bool:
    """Whether a date known to ``precision`` can be on or after ``bound``."""
    date, precision = guess
    if precision == "year":
        return date.year >= bound.year
    if precision == "month":
        return _month_index(date) >= _month_index(bound)
    return date >= bound


def reference_fits(guess: tuple[dt.date, str], reference: dt.date, evidence: TextEvidence) -> bool:
    """Whether a relative date counted from ``reference`` can be the article's.

    The reference may not be far after the latest date the text reports (a
    file copied years later), and the date may not be before an event the
    article reports.
    """
    if evidence.latest is not None and reference - evidence.latest.date > MAX_EVIDENCE_GAP:
        return False
    return evidence.latest_event is None or not_before(guess, evidence.latest_event.date)


def publication_date(
    lines: list[str], reference: dt.date, reference_of: str = REFERENCE_GIVEN
) -> tuple[DateGuess | None, str | None]:
    """The publication date of a text document and a warning when it is guessed.

    In order: a date with a publication prefix anywhere ("نشر في: ..."), a
    whole-line date near the top or the bottom, a relative date line near the
    top ("• منذ 6 شهر"), a "current month" in the text ("أيلول الحالي").
    Dates inside sentences are event dates and never count as the publication
    date; they bound it from below (``latest_past_dates``).  A relative date is
    counted from ``reference`` (``reference_of`` says what that is: the file's
    modification time, today, or a date the caller gave) when it agrees with
    that bound, else from the bound itself, as a lower bound.
    """
    non_empty = [line for line in lines if line.strip()]
    found = [result for result in map(date_line, non_empty) if result]
    prefixed = [result for result in found if result[2]]
    if prefixed:
        return DateGuess(prefixed[0][0], prefixed[0][1], "text", BASIS_TEXT), None
    for line in non_empty[:DATE_HEADER_LINES] + non_empty[-DATE_FOOTER_LINES:]:
        result = date_line(line)
        if result:
            return DateGuess(result[0], result[1], "text", BASIS_TEXT), None
    for line in non_empty[:DATE_HEADER_LINES]:
        if len(LABEL_WORD_RE.findall(line)) <= MAX_LABEL_WORDS:
            normalized = normalize_with_digits(line)
            relative = relative_date(normalized, reference)
            if relative:
                # The earliest the page can have been read is the latest date it reports.
                return _checked(relative, reference, reference_of, non_empty, f"date inferred from {line.strip()!r}",
                                lambda earliest: relative_date(normalized, earliest))
    for line in non_empty:
        normalized = normalize_with_digits(line)
        month = current_month(normalized, reference)
        if month:
            # The month named "current" is the month the page was read in: not before the evidence.
            return _checked((month, "month"), reference, reference_of, non_empty,
                            "date inferred from a 'current month' mention",
                            lambda earliest: (current_month_after(normalized, earliest), "month"))
    return None, None


def current_month_after(normalized: str, bound: dt.date) -> dt.date:
    """The first month named "current" in ``normalized`` that is not before ``bound``'s month."""
    month = current_month(normalized, bound)
    if _month_index(month) < _month_index(bound):
        month = month.replace(year=month.year + 1)
    return month


def _checked(guess, reference, reference_of, lines, reason, counted_from) -> tuple[DateGuess, str]:
    """``guess`` if its reference fits the text's evidence, else the earliest date it can be, as a bound."""
    evidence = latest_past_dates(lines)
    date, precision = guess
    if reference_fits(guess, reference, evidence):
        return DateGuess(date, precision, "inferred", RELATIVE_BASIS.format(reference_of), reference), reason
    earliest = evidence.latest or evidence.latest_event
    bound_date, bound_precision = counted_from(earliest.date)
    if evidence.latest_event is not None and not not_before((bound_date, bound_precision), evidence.latest_event.date):
        event = evidence.latest_event.date
        bound_date, bound_precision = dt.date(event.year, event.month, 1), "month"
    counted = {REFERENCE_MTIME: "the file's modification date", REFERENCE_TODAY: "today"}.get(reference_of, "the reference date")
    warning = (
        f"{reason} would give {date:%Y-%m} counted from {counted} {reference.isoformat()}, which does not fit "
        f"the latest date the text reports ({earliest.date.isoformat()}, {earliest.kind}: {earliest.line[:60]!r}); "
        f"date shown as not before {bound_date:%Y-%m}"
    )
    return DateGuess(bound_date, bound_precision, "inferred", BASIS_BOUND, earliest.date), warning
