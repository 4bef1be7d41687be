"""The seam between Fahras and an index engine.

``Index`` (the public API, the CLI and the web UI) plans queries and checks
parameters, then asks a ``SearchBackend`` for answers.  ``EmbeddedBackend``
(a Whoosh directory) is the default; ``OpenSearchBackend`` answers for an
``opensearch+http(s)://`` location, chosen by ``api.open_backend``.  Writing
is chosen the same way by ``api.update_index``: the embedded build's worker
processes write segments themselves, so the two writers share ingestion and
change detection (``indexer.build.tasks``), not a per-record interface.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator, Mapping
from typing import Protocol, runtime_checkable

from indexer.models import Document, FacetSearch, FacetValue, Hit, SearchResult
from indexer.search.plan import QueryAnalyzer, QueryPlan, SearchRequest


def search_result(request: SearchRequest, *, total: int, hits: list[Hit], facets: dict, started: float,
                  sort: str, notices: list) -> SearchResult:
    """The answer to ``request``: what every backend returns from ``search`` (``started``: ``time.perf_counter()``)."""
    return SearchResult(query=request.plan.text, total=total, page=request.page, per_page=request.limit, hits=hits,
                        facets=facets, took_ms=(time.perf_counter() - started) * 1000, sort=sort, notices=notices)


def model_from(model, values: Mapping, **computed):
    """A ``Hit`` or ``Document`` from a stored record's fields: every field of ``model`` that ``computed`` does not
    give is copied from ``values`` by name (dates as ISO strings), so a field added to ``Record`` and to the model
    reaches the API of every backend without another line."""
    fields = dict(computed)
    for item in dataclasses.fields(model):
        if item.name in fields:
            continue
        if item.name in values:
            value = values[item.name]
            fields[item.name] = value.isoformat() if isinstance(value, dt.date) else value
        elif item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
            fields[item.name] = None  # a store that leaves empty values out
    return model(**fields)


@runtime_checkable
class SearchBackend(Protocol):
    """The read side of an index engine."""

    #: Analysis settings of the live index, for planning queries.
    analyzer: QueryAnalyzer
    #: The live index's settings (stemmer, stopwords, versions) as strings.
    meta: dict[str, str]

    @property
    def location(self) -> str: ...

    @property
    def doc_count(self) -> int: ...

    def refresh(self) -> bool:
        """Follow updates and rebuilds; True when the index changed."""

    def close(self) -> None: ...

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of hits, facets over the whole filtered result, notices."""

    def iter_hits(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of the result set in sort order, without snippets."""

    def document(self, id: str, plan: QueryPlan) -> Document:
        """One document, every match of ``plan`` marked."""

    def facet_values(self, name: str, contains: str, request: SearchRequest, limit: int) -> FacetSearch:
        """Values of a facet containing ``contains``, counted over the request's result set."""

    def actors(self, limit: int | None = None) -> list[FacetValue]: ...

    def sources(self) -> list[FacetValue]: ...
