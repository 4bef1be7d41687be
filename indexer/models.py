"""Plain dataclasses returned by the Python API, the CLI and the web UI.

``SearchResult.to_dict()`` is a public contract (``fahras search --json`` and
``/api/search``): keys may be added, never renamed or reshaped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Hit:
    id: str
    path: str
    title: str
    source: str | None
    #: ISO date (``2024-07-28``) or None when unknown.
    date: str | None
    actors: list[str]
    score: float
    #: HTML-escaped text with the matches wrapped in ``<mark>``.
    snippet: str
    date_precision: str | None = None
    date_origin: str | None = None
    url: str | None = None
    #: The title HTML-escaped with the matches in ``<mark>`` (the title as written when nothing matched).
    title_html: str = ""
    #: What an inferred date came from and the day it was counted from (``Record.date_basis``/``date_reference``).
    date_basis: str | None = None
    date_reference: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class FacetValue:
    #: The filter value: what ``source=``, ``actor=`` or a date bucket (``2024-07``, ``2024``, ``unknown``) selects.
    value: str
    count: int
    selected: bool = False
    #: For date buckets: the first day in the bucket and the first day after it (None for ``unknown``).
    #: The web layer reads these instead of parsing ``value``.
    start: dt.date | None = None
    end: dt.date | None = None
    #: What to show for the value when it differs from it (e.g. an outlet's Arabic name).
    label: str | None = None
    #: For actors: ``person``, ``organisation`` or ``place`` (the type asked for, else the one most documents
    #: give the actor); None when no record says.
    type: str | None = None

    def to_dict(self) -> dict:
        data = {"value": self.value, "count": self.count, "selected": self.selected}
        if self.label is not None:
            data["label"] = self.label
        if self.type is not None:
            data["type"] = self.type
        if self.start is not None:
            data["start"], data["end"] = self.start.isoformat(), self.end.isoformat() if self.end else None
        return data


@dataclass
class Facet:
    name: str
    values: list[FacetValue]
    #: How many distinct values the facet has over the result set (before top-N).
    total_values: int = 0
    #: For the date facet: "month" or "year" buckets.
    interval: str | None = None


@dataclass(frozen=True)
class Notice:
    """A note on how a query was read or answered: a stable ``code`` for programs and translations,
    an English ``message`` and the ``params`` a translation fills in."""

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "params": dict(self.params)}


@dataclass
class FacetSearch:
    """Values of one facet that contain a text, counted over the current result set."""

    facet: str
    values: list[FacetValue]
    #: How many values matched ``contains`` (before the limit).
    total: int

    def to_dict(self) -> dict:
        return {"facet": self.facet, "values": [v.to_dict() for v in self.values], "total": self.total}


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, Facet]
    took_ms: float = 0.0
    sort: str = "relevance"
    #: How the query was read or answered, with stable codes.
    notices: list[Notice] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """The notices' English messages (the ``notes`` of the JSON)."""
        return [notice.message for notice in self.notices]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [v.to_dict() for v in facet.values] for name, facet in self.facets.items()},
            "facet_totals": {name: facet.total_values for name, facet in self.facets.items()},
            "date_interval": self.facets["date"].interval if "date" in self.facets else None,
            "pages": self.pages,
            "per_page": self.per_page,
            "sort": self.sort,
            "took_ms": round(self.took_ms, 2),
            "notes": self.notes,
            "notices": [notice.to_dict() for notice in self.notices],
        }


@dataclass
class Document:
    id: str
    path: str
    title: str
    body: str
    source: str | None
    date: str | None
    date_precision: str | None
    date_origin: str | None
    url: str | None
    actors: list[str]
    #: The whole body HTML-escaped, every match of the query in ``<mark>``.
    body_html: str
    #: How many matches ``body_html`` marks.
    match_count: int = 0
    original: str | None = None
    author: str | None = None
    date_basis: str | None = None
    date_reference: str | None = None
    #: The actors with their type and mentions: ``{"name", "type", "mentions"}``.
    entities: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
