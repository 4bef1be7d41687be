"""Pure presentation helpers: Arabic date labels, histogram buckets and bars, pagination,
bidi controls kept out of displayed text.

Nothing here touches Flask or the index, so every rule is testable alone.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

#: Levantine/Iraqi month names, the ones most Arabic news outlets print.
ARABIC_MONTHS = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)

APPROXIMATE_MARK = "≈"
#: Above this many buckets a gap-filled histogram becomes unreadable; the
#: buckets are then drawn as the index gave them.
MAX_FILLED_BARS = 120
#: Bar heights are CSS classes ``bar-0`` .. ``bar-20`` (inline styles are
#: forbidden by the Content-Security-Policy).
BAR_LEVELS = 20
#: 5 articles beside 5,000 still make a bar one can see and click (15 % of the height).
MIN_BAR_LEVEL = 3
#: Pages shown either side of the current one in the pager.
PAGER_RADIUS = 2

ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def month_label(year: int, month: int) -> str:
    return f"{ARABIC_MONTHS[month - 1]} {year}"


def date_label(iso_date: str | None, precision: str | None = "day") -> str:
    """``2024-09-15`` -> ``15 أيلول 2024``; month or year precision drops the day (or month)."""
    if not iso_date:
        return ""
    match = ISO_DAY.match(iso_date)
    if not match:
        return iso_date
    year, month, day = (int(part) for part in match.groups())
    if precision == "year":
        return str(year)
    if precision == "month":
        return month_label(year, month)
    return f"{day} {month_label(year, month)}"


#: What a date was taken from (``Record.date_basis``), as the tooltip says it.
DATE_BASES = {
    "metadata": "مأخوذ من بيانات المقالة الوصفية",
    "crawl": "وقت جمع المقالة كما في بياناتها الوصفية",
    "text": "مأخوذ من سطر التاريخ في النص",
    "relative:mtime": "تعبير نسبي في النص (مثل «منذ 6 أشهر») محسوب من تاريخ تعديل الملف",
    "relative:today": "تعبير نسبي في النص (مثل «منذ 6 أشهر») محسوب من يوم الفهرسة",
    "relative:reference": "تعبير نسبي في النص (مثل «منذ 6 أشهر») محسوب من التاريخ المرجعي المعطى للفهرسة",
    "bound:text": "تقدير: ليس قبل آخر تاريخ يذكره النص، لأن المرجع لا يتفق معه",
}
#: Date origins that are not the publication date as the article states it.
GUESSED_ORIGINS = ("inferred", "crawl")


def is_approximate(precision: str | None, origin: str | None) -> bool:
    """A date guessed from context, a crawl time, or one known only to the month deserves a visible mark."""
    return origin in GUESSED_ORIGINS or (precision is not None and precision != "day")


def approximate_reason(
    precision: str | None, origin: str | None, basis: str | None = None, reference: str | None = None
) -> str:
    """The tooltip of a marked date: why it is approximate, what it was inferred from, against which day."""
    reasons = []
    if origin == "inferred":
        reasons.append("تاريخ مستنتج من سياق النص وليس مذكورًا صراحة")
    elif origin == "crawl":
        reasons.append("تاريخ جمع المقالة من موقعها، لا تاريخ نشرها")
    if precision == "month":
        reasons.append("الشهر معروف دون اليوم")
    elif precision == "year":
        reasons.append("السنة معروفة دون الشهر واليوم")
    if reasons and basis in DATE_BASES:
        reasons.append(DATE_BASES[basis])
    if reasons and reference:
        shown = date_label(reference) if ISO_DAY.match(reference) else reference
        reasons.append(f"{'الدليل' if basis == 'bound:text' else 'المرجع'}: {shown}")
    return "؛ ".join(reasons)


@dataclass(frozen=True)
class Bucket:
    """A date-facet bucket: its first day, the first day after it, and its count."""

    start: dt.date
    end: dt.date
    count: int

    @property
    def first_day(self) -> dt.date:
        return self.start

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def next_start(day: dt.date, interval: str) -> dt.date:
    """The first day of the bucket after the one starting on ``day``."""
    if interval == "year":
        return dt.date(day.year + 1, 1, 1)
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def bucket_label(bucket: Bucket, interval: str | None) -> str:
    return str(bucket.start.year) if interval == "year" else month_label(bucket.start.year, bucket.start.month)


def fill_buckets(buckets: list[Bucket], interval: str) -> list[Bucket]:
    """Buckets in time order, with the empty months (or years) between them as zeros."""
    ordered = sorted(buckets, key=lambda bucket: bucket.start)
    if not ordered:
        return []
    by_start = {bucket.start: bucket for bucket in ordered}
    filled, current = [], ordered[0].start
    while current <= ordered[-1].start and len(filled) <= MAX_FILLED_BARS:
        following = next_start(current, interval)
        filled.append(by_start.get(current, Bucket(current, following, 0)))
        current = following
    if len(filled) > MAX_FILLED_BARS:
        return ordered
    return filled


def bar_level(count: int, largest: int) -> int:
    """Height class of a bar; a non-empty bucket is never lower than ``MIN_BAR_LEVEL``."""
    if count <= 0 or largest <= 0:
        return 0
    return max(MIN_BAR_LEVEL, math.ceil(BAR_LEVELS * count / largest))


def pager_pages(page: int, pages: int) -> list[int | None]:
    """Page numbers around ``page`` plus the first and last; ``None`` marks a gap."""
    shown = {1, pages, *range(max(1, page - PAGER_RADIUS), min(pages, page + PAGER_RADIUS) + 1)}
    result: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            result.append(None)
        result.append(number)
        previous = number
    return result


# --- bidirectional controls ----------------------------------------------------------

#: Embeddings and overrides (UAX #9, section 2.1-2.2).  An unterminated RIGHT-TO-LEFT OVERRIDE
#: in a title draws every character after it reversed, so ``invoice<U+202E>fdp.exe`` shows as
#: ``invoiceexe.pdf``: a title, source or actor can pose as another one.
LEFT_TO_RIGHT_EMBEDDING = "\u202a"
RIGHT_TO_LEFT_EMBEDDING = "\u202b"
POP_DIRECTIONAL_FORMATTING = "\u202c"
LEFT_TO_RIGHT_OVERRIDE = "\u202d"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
#: Isolates (UAX #9, section 2.4).  A stray POP DIRECTIONAL ISOLATE in a value closes the isolate the
#: page's own sentences put around it (``webui.messages.isolated``), and an unclosed one swallows the text after it.
LEFT_TO_RIGHT_ISOLATE = "\u2066"
RIGHT_TO_LEFT_ISOLATE = "\u2067"
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
#: Marks (UAX #9, section 2.6) only give a neighbouring neutral character a direction.  Arabic text
#: uses them legitimately (around numbers and Latin words), so they are kept in titles and text,
#: and removed only from short labels and attribute text, where they serve no purpose but to tip
#: ``dir="auto"`` (or a tooltip, which has no isolation) to the wrong direction.
LEFT_TO_RIGHT_MARK = "\u200e"
RIGHT_TO_LEFT_MARK = "\u200f"
ARABIC_LETTER_MARK = "\u061c"

BIDI_CONTROLS = (
    LEFT_TO_RIGHT_EMBEDDING,
    RIGHT_TO_LEFT_EMBEDDING,
    POP_DIRECTIONAL_FORMATTING,
    LEFT_TO_RIGHT_OVERRIDE,
    RIGHT_TO_LEFT_OVERRIDE,
    LEFT_TO_RIGHT_ISOLATE,
    RIGHT_TO_LEFT_ISOLATE,
    FIRST_STRONG_ISOLATE,
    POP_DIRECTIONAL_ISOLATE,
)
BIDI_MARKS = (LEFT_TO_RIGHT_MARK, RIGHT_TO_LEFT_MARK, ARABIC_LETTER_MARK)

BIDI_CONTROL_PATTERN = re.compile("[" + "".join(BIDI_CONTROLS) + "]")
BIDI_CONTROL_OR_MARK_PATTERN = re.compile("[" + "".join(BIDI_CONTROLS + BIDI_MARKS) + "]")


def strip_bidi_controls(text: str | None, *, marks: bool = False) -> str:
    """``text`` without embedding, override and isolate controls (and, with ``marks``, without the
    LRM/RLM/ALM marks): what a page shows of a stored title, label or highlighted text.

    Safe on escaped HTML too (``title_html``, snippets): the controls are never part of a tag or
    an entity, so removing them cannot make markup.  ``None`` is ``""``.
    """
    if not text:
        return ""
    pattern = BIDI_CONTROL_OR_MARK_PATTERN if marks else BIDI_CONTROL_PATTERN
    return pattern.sub("", text)
