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
from indexer.models import Facet, FacetSearch, FacetValue
from indexer.records import ACTOR_TYPES
from indexer.search.plan import Filters
from indexer.text.normalize import normalize_with_digits

#: A date facet spanning more months than this counts per year.
MAX_MONTH_BUCKETS = 36
#: The date facet's value for records without a date (listed last).
UNKNOWN_DATE = "unknown"
FACET_NAMES = ("source", "actor", "date")


def _source_mask(table: DocTable, sources) -> np.ndarray | None:
    if not sources:
        return None
    wanted = [table.source_index[s] for s in sources if s in table.source_index]
    return np.isin(table.source_ord, np.asarray(wanted, dtype=np.int32))


def _actor_mask(table: DocTable, actors) -> np.ndarray | None:
    if not actors:
        return None
    wanted = [table.actor_index[a] for a in actors if a in table.actor_index]
    mask = np.zeros(table.size, dtype=bool)
    mask[table.actor_doc[np.isin(table.actor_values, np.asarray(wanted, dtype=np.int32))]] = True
    return mask


def _date_mask(table: DocTable, since: dt.date | None, until: dt.date | None) -> np.ndarray | None:
    if since is None and until is None:
        return None
    mask = table.day >= 0
    if since is not None:
        mask &= table.day >= since.toordinal()
    if until is not None:
        mask &= table.day <= until.toordinal()
    return mask


def combine(base: np.ndarray, masks) -> np.ndarray:
    result = base
    for mask in masks:
        if mask is not None:
            result = result & mask
    return result


class FilterMasks:
    """One generation's masks for one ``Filters`` value, computed once for matching and every facet."""

    def __init__(self, table: DocTable, filters: Filters):
        self.filters = filters
        self.live = table.live
        #: Each facet's own selection (None: not restricted).
        self.by_facet = {
            "source": _source_mask(table, filters.sources),
            "actor": _actor_mask(table, filters.actors),
            "date": _date_mask(table, filters.since, filters.until),
        }
        excluded = [m for m in (_source_mask(table, filters.exclude_sources),
                                _actor_mask(table, filters.exclude_actors)) if m is not None]
        #: Documents an exclusion removes everywhere, from the hits and from every facet's counts.
        self.excluded = np.logical_or.reduce(excluded) if excluded else None
        self.allowed = self.restrict(table.live)

    def restrict(self, mask: np.ndarray, ignoring: str | None = None) -> np.ndarray:
        """``mask`` under every filter except facet ``ignoring``'s own selection."""
        result = combine(mask, [m for name, m in self.by_facet.items() if name != ignoring])
        return result & ~self.excluded if self.excluded is not None else result


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


def actor_counts(table: DocTable, mask: np.ndarray, actor_type: str | None = None) -> np.ndarray:
    """Documents of ``mask`` naming each actor; with ``actor_type``, naming it as that type."""
    pairs = mask[table.actor_doc]
    if actor_type is not None:
        pairs &= table.actor_pairs_of_type[ACTOR_TYPES.index(actor_type)]
    return np.bincount(table.actor_values[pairs], minlength=len(table.actor_names))


def dominant_type(type_counts) -> str | None:
    """The type most documents give an actor (ties: ``ACTOR_TYPES`` order), None when none says."""
    best = max(range(len(ACTOR_TYPES)), key=lambda kind: (type_counts[kind], -kind))
    return ACTOR_TYPES[best] if type_counts[best] else None


def add_actor_types(table: DocTable, values: list[FacetValue], actor_type: str | None) -> list[FacetValue]:
    """Each actor value's type: the one asked for where the value was counted under it, else its own."""
    for value in values:
        index = table.actor_index.get(value.value)
        if actor_type is not None and value.count:
            value.type = actor_type
        elif index is not None:
            value.type = dominant_type(table.actor_type_counts[index])
    return values


def actor_facet(table: DocTable, mask: np.ndarray, limit: int, selected, actor_type: str | None = None) -> Facet:
    counts = actor_counts(table, mask, actor_type)
    values, total = _top(table.actor_names, table.actor_rank, counts, limit, list(selected))
    return Facet("actor", add_actor_types(table, values, actor_type), total)


def _month_number(day: np.ndarray) -> np.ndarray:
    """Months since year 0 for day ordinals (vectorised through numpy datetime64)."""
    dates = (day - dt.date(1970, 1, 1).toordinal()).astype("datetime64[D]")
    return dates.astype("datetime64[M]").astype(np.int64)


def _month_value(year: int, month: int, count: int) -> FacetValue:
    start = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1)
    return FacetValue(f"{year:04d}-{month:02d}", count, start=start, end=end)


def _year_value(year: int, count: int) -> FacetValue:
    return FacetValue(f"{year:04d}", count, start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1))


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
            values = [_year_value(1970 + base + i, int(c)) for i, c in enumerate(counts) if c]
        else:
            counts = np.bincount(months - first)
            values = [_month_value(1970 + (first + i) // 12, (first + i) % 12 + 1, int(c))
                      for i, c in enumerate(counts) if c]
    if unknown:
        values.append(FacetValue(UNKNOWN_DATE, int(unknown)))
    return Facet("date", values, len(values), interval=interval)


def count_facets(table: DocTable, matched: np.ndarray, masks: FilterMasks, limit: int):
    """The filtered result mask and the three facets (each ignoring its own selection)."""
    selected = masks.filters.selected
    facets = {
        "source": source_facet(table, masks.restrict(matched, "source"), limit, selected["source"]),
        "actor": actor_facet(table, masks.restrict(matched, "actor"), limit, selected["actor"],
                             masks.filters.actor_type),
        "date": date_facet(table, masks.restrict(matched, "date")),
    }
    return masks.restrict(matched), facets


def _normalized_names(table: DocTable, name: str) -> list[str]:
    """A facet's values normalized for ``contains`` matching, computed once per generation."""
    cache = table.normalized_names
    if name not in cache:
        names = table.source_names if name == "source" else table.actor_names
        cache[name] = [normalize_with_digits(value) for value in names]
    return cache[name]


def search_values(table: DocTable, name: str, matched: np.ndarray, masks: FilterMasks, contains: str,
                  limit: int) -> FacetSearch:
    """Every value of facet ``name`` whose text contains ``contains`` (after Arabic normalization), with its
    count over the result set as the facet itself counts it (ignoring its own selection)."""
    if name == "date":
        facet = date_facet(table, masks.restrict(matched, "date"))
        wanted = contains.strip()
        values = [v for v in facet.values if wanted in v.value]
        return FacetSearch(name, values[:limit], len(values))
    if name not in ("source", "actor"):
        raise QueryError(f"no facet named {name!r}: use one of {', '.join(FACET_NAMES)}", code="unknown_facet")
    scope = masks.restrict(matched, name)
    if name == "source":
        ordinals = table.source_ord[scope]
        counts = np.bincount(ordinals[ordinals >= 0], minlength=len(table.source_names))
        names, rank = table.source_names, table.source_rank
    else:
        counts = actor_counts(table, scope, masks.filters.actor_type)
        names, rank = table.actor_names, table.actor_rank
    wanted = normalize_with_digits(contains.strip())
    selected = set(masks.filters.selected[name])
    if wanted:
        keep = np.fromiter((wanted in form for form in _normalized_names(table, name)), dtype=bool, count=len(names))
        counts = np.where(keep, counts, 0)
    order = ranked(counts, rank)
    values = [FacetValue(names[i], int(counts[i]), names[i] in selected) for i in order[:limit]]
    if name == "actor":
        add_actor_types(table, values, masks.filters.actor_type)
    return FacetSearch(name, values, len(order))
