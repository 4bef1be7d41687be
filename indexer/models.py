"""Plain dataclasses returned by the Python API, the CLI and the web UI.

``SearchResult.to_dict()`` is a public contract (``fahras search --json`` and
``/api/search``): keys may be added, never renamed or reshaped.
"""

from __future__ import annotations

import dataclasses
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

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Facet:
    name: str
    values: list[FacetValue]
    #: How many distinct values the facet has over the result set (before top-N).
    total_values: int = 0
    #: For the date facet: "month" or "year" buckets.
    interval: str | None = None


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
    #: How the query was read, for display ("all words", "best match", a message...).
    notes: list[str] = field(default_factory=list)

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

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
