"""Facet filters and counts from per-document arrays (multi-select).

Each facet selection is a mask.  The result set is the query's matches and
every mask; a facet's own counts use every mask *except its own*, so a user
who picked one source still sees how many hits the other sources would add
(the "multi-select" facets of Aleph and Datashare).  The date facet's own
selection is the ``since``/``until`` range.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from indexer.search.engine import DocTable
from indexer.errors import QueryError
from indexer.models import Facet, FacetValue

#: A date facet spanning more months than this counts per year.
MAX_MONTH_BUCKETS = 36
#: The date facet's value for records without a date (listed last).
UNKNOWN_DATE = "unknown"
FACET_NAMES = ("source", "actor", "date")


def source_mask(table: DocTable, sources) -> np.ndarray | None:
    if not sources:
        return None
    wanted = [table.source_index[s] for s in sources if s in table.source_index]
    return np.isin(table.source_ord, np.asarray(wanted, dtype=np.int32))


def actor_mask(table: DocTable, actors) -> np.ndarray | None:
    if not actors:
        return None
    wanted = [table.actor_index[a] for a in actors if a in table.actor_index]
    mask = np.zeros(table.size, dtype=bool)
    mask[table.actor_doc[np.isin(table.actor_values, np.asarray(wanted, dtype=np.int32))]] = True
    return mask


def parse_day(value, name: str) -> int | None:
    """A ``since``/``until`` value (date or ISO string) as a day number."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date().toordinal()
    if isinstance(value, dt.date):
        return value.toordinal()
    try:
        return dt.date.fromisoformat(str(value).strip()).toordinal()
    except ValueError:
        raise QueryError(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None


def date_mask(table: DocTable, since, until) -> np.ndarray | None:
    first, last = parse_day(since, "since"), parse_day(until, "until")
    if first is None and last is None:
        return None
    mask = table.day >= 0
    if first is not None:
        mask &= table.day >= first
    if last is not None:
        mask &= table.day <= last
    return mask


def combine(base: np.ndarray, masks) -> np.ndarray:
    result = base
    for mask in masks:
        if mask is not None:
            result = result & mask
    return result


def ranked(counts: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Indices of the nonzero counts, largest first, ties in ``rank`` order."""
    nonzero = np.flatnonzero(counts)
    return nonzero[np.lexsort((rank[nonzero], -counts[nonzero]))]


def _top(names, rank, counts: np.ndarray, limit: int, selected) -> tuple[list[FacetValue], int]:
    order = ranked(counts, rank)
    values = [FacetValue(names[i], int(counts[i]), names[i] in selected) for i in order[:limit]]
    shown = {v.value for v in values}
    # A selected value stays visible (with its count, maybe 0) so it can be unticked.
    for name in selected:
        if name not in shown:
            index = names.index(name) if name in names else -1
            values.append(FacetValue(name, int(counts[index]) if index >= 0 else 0, True))
    return values, len(order)


def source_facet(table: DocTable, mask: np.ndarray, limit: int, selected) -> Facet:
    ordinals = table.source_ord[mask]
    counts = np.bincount(ordinals[ordinals >= 0], minlength=len(table.source_names))
    values, total = _top(table.source_names, table.source_rank, counts, limit, list(selected))
    return Facet("source", values, total)


def actor_facet(table: DocTable, mask: np.ndarray, limit: int, selected) -> Facet:
    values_of_docs = table.actor_values[mask[table.actor_doc]]
    counts = np.bincount(values_of_docs, minlength=len(table.actor_names))
    values, total = _top(table.actor_names, table.actor_rank, counts, limit, list(selected))
    return Facet("actor", values, total)


def _month_number(day: np.ndarray) -> np.ndarray:
    """Months since year 0 for day ordinals (vectorised through numpy datetime64)."""
    dates = (day - dt.date(1970, 1, 1).toordinal()).astype("datetime64[D]")
    return dates.astype("datetime64[M]").astype(np.int64)


def date_facet(table: DocTable, mask: np.ndarray) -> Facet:
    days = table.day[mask]
    known = days[days >= 0]
    unknown = len(days) - len(known)
    values: list[FacetValue] = []
    interval = "month"
    if len(known):
        months = _month_number(known)
        first, last = int(months.min()), int(months.max())
        if last - first + 1 > MAX_MONTH_BUCKETS:
            interval = "year"
            years = months // 12
            counts = np.bincount(years - years.min())
            base = int(years.min())
            values = [FacetValue(str(1970 + base + i), int(c)) for i, c in enumerate(counts) if c]
        else:
            counts = np.bincount(months - first)
            values = [
                FacetValue(f"{1970 + (first + i) // 12:04d}-{(first + i) % 12 + 1:02d}", int(c))
                for i, c in enumerate(counts)
                if c
            ]
    if unknown:
        values.append(FacetValue(UNKNOWN_DATE, int(unknown)))
    return Facet("date", values, len(values), interval=interval)


def count_facets(table: DocTable, matched: np.ndarray, sources, actors, since, until, limit: int):
    """The filtered result mask and the three facets (each ignoring its own selection)."""
    masks = {
        "source": source_mask(table, sources),
        "actor": actor_mask(table, actors),
        "date": date_mask(table, since, until),
    }
    result = combine(matched, masks.values())

    def without(name):
        return combine(matched, [m for key, m in masks.items() if key != name])

    facets = {
        "source": source_facet(table, without("source"), limit, sources),
        "actor": actor_facet(table, without("actor"), limit, actors),
        "date": date_facet(table, without("date")),
    }
    return result, facets


def filter_mask(table: DocTable, sources, actors, since, until) -> np.ndarray:
    return combine(table.live, [source_mask(table, sources), actor_mask(table, actors),
                                date_mask(table, since, until)])
