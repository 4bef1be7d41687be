"""Pure presentation helpers: Arabic date labels, histogram bars, pagination.

Nothing here touches Flask or the index, so every rule is testable alone.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

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
#: Pages shown either side of the current one in the pager.
PAGER_RADIUS = 2

MONTH_BUCKET = re.compile(r"^(\d{4})-(\d{2})$")
YEAR_BUCKET = re.compile(r"^(\d{4})$")
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


def is_approximate(precision: str | None, origin: str | None) -> bool:
    """A date guessed from context or known only to the month deserves a visible mark."""
    return origin == "inferred" or (precision is not None and precision != "day")


def approximate_reason(precision: str | None, origin: str | None) -> str:
    reasons = []
    if origin == "inferred":
        reasons.append("تاريخ مستنتج من سياق النص وليس مذكورًا صراحة")
    if precision == "month":
        reasons.append("الشهر معروف دون اليوم")
    elif precision == "year":
        reasons.append("السنة معروفة دون الشهر واليوم")
    return "؛ ".join(reasons)


def bucket_range(value: str) -> tuple[dt.date, dt.date, str] | None:
    """First day, last day and Arabic label of a date-facet bucket (``2024-07`` or ``2024``)."""
    if match := MONTH_BUCKET.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            return None
        last_day = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1), dt.date(year, month, last_day), month_label(year, month)
    if match := YEAR_BUCKET.match(value):
        year = int(match[1])
        return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
    return None


def _next_bucket(value: str) -> str:
    if match := MONTH_BUCKET.match(value):
        year, month = int(match[1]), int(match[2])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return f"{year:04d}-{month:02d}"
    return f"{int(value) + 1:04d}"


def fill_buckets(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Buckets in time order, with the empty months (or years) between them as zeros."""
    ordered = sorted(counts)
    if not ordered:
        return []
    filled, current = [], ordered[0]
    while current <= ordered[-1] and len(filled) <= MAX_FILLED_BARS:
        filled.append((current, counts.get(current, 0)))
        current = _next_bucket(current)
    if len(filled) > MAX_FILLED_BARS:
        return [(value, counts[value]) for value in ordered]
    return filled


def bar_level(count: int, largest: int) -> int:
    """Height class of a bar; any non-empty bucket stays visible."""
    if count <= 0 or largest <= 0:
        return 0
    return max(1, math.ceil(BAR_LEVELS * count / largest))


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
