"""The seam between Fahras and an index engine.

``Index`` (the public API, the CLI and the web UI) plans queries and checks
parameters, then asks a ``SearchBackend`` for answers; building asks an
``IndexWriter`` to store analysed records.  ``EmbeddedBackend`` (a Whoosh
directory) is the default; another engine plugs in by implementing these two
protocols and being returned by ``open_backend`` for its kind of location.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from indexer.models import Document, FacetSearch, FacetValue, Hit, SearchResult
from indexer.records import Record
from indexer.search.plan import QueryAnalyzer, QueryPlan, SearchRequest


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


class IndexWriter(Protocol):
    """The write side of an index engine, as building uses it."""

    def add(self, records: Iterable[Record]) -> None:
        """Analyse and store records (replacing any with the same id)."""

    def delete(self, ids: Iterable[str]) -> None: ...

    def commit(self) -> None:
        """Make everything added and deleted visible to searches at once."""
