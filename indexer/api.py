"""The public Python API: ``open_index(location)`` gives an ``Index`` with ``search``, ``document`` and facets.

``Index`` reads parameters once (the query into a ``QueryPlan``, the filters
into ``Filters``), checks them, and asks its backend (``EmbeddedBackend`` for
an index directory) for the answer.  An ``Index`` can be shared by threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from indexer.config import default_index_location
from indexer.errors import QueryError
from indexer.ingest.actors import ActorSummary
from indexer.models import Document, FacetSearch, FacetValue, Hit, SearchResult
from indexer.records import ACTOR_TYPES
from indexer.opensearch.location import as_url, is_cluster_location
from indexer.search.backend import SearchBackend
from indexer.search.embedded import EmbeddedBackend
from indexer.search.engine import Ranking
from indexer.search.plan import Filters, QueryPlan, SearchRequest, parse_actor_type
from indexer.search.query import parse_query
from indexer.search.suggest import check_known_values

SORTS = ("relevance", "date", "oldest")
#: Hits per page at most (an export reads a whole result set with ``iter_hits``).
MAX_LIMIT = 1000
MAX_FACET_LIMIT = 1000


def open_backend(location: str | Path | None, ranking: Ranking) -> SearchBackend:
    """The backend for an index location (a directory, an ``opensearch+http(s)://`` URL, or
    ``$FAHRAS_INDEX``'s default)."""
    location = location or default_index_location()
    # --- OpenSearch dispatch (indexer/opensearch): imported only for a cluster location.
    if is_cluster_location(location):
        from indexer.opensearch.backend import OpenSearchBackend

        return OpenSearchBackend(as_url(location), ranking)
    return EmbeddedBackend(Path(location), ranking)


def update_index(paths=(), index_dir: str | Path | None = None, **options):
    """``indexer.build.update.update_index`` for a directory, ``update_cluster_index`` for an
    ``opensearch+http(s)://`` location (where ``processes`` does not apply)."""
    location = index_dir or default_index_location()
    if is_cluster_location(location):
        from indexer.opensearch.writer import update_cluster_index

        options.pop("processes", None)
        return update_cluster_index(paths, as_url(location), **options)
    from indexer.build.update import update_index as update_directory

    return update_directory(paths, index_dir, **options)


class Index:
    """A searchable index; open it with ``open_index``."""

    def __init__(self, index_dir: str | Path | None = None, ranking: Ranking | None = None):
        self.ranking = ranking or Ranking()
        self.backend = open_backend(index_dir, self.ranking)

    @property
    def index_dir(self) -> Path:
        return Path(self.backend.location)

    def refresh(self) -> bool:
        """Reopen when the index changed on disk; True when it did."""
        return self.backend.refresh()

    def close(self) -> None:
        self.backend.close()

    def __del__(self):
        # An index dropped without close() must not leave Whoosh's file handles open.
        backend = getattr(self, "backend", None)
        if backend is not None and getattr(backend, "is_open", False):
            backend.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def doc_count(self) -> int:
        return self.backend.doc_count

    @property
    def meta(self) -> dict[str, str]:
        """The live index's settings: stemmer, stop words, schema and analyzer versions."""
        return self.backend.meta

    def plan(self, query: str = "") -> QueryPlan:
        """The query read and analysed with this index's analysis (the backend follows a rebuild first)."""
        return self.backend.analyzer.plan(parse_query(query))

    def _filters(self, sources, actors, since, until, exclude_sources, exclude_actors, actor_type=None) -> Filters:
        """Filters read and checked: a source the index does not hold is an error naming the closest ones."""
        filters = Filters.parse(sources, actors, since, until, exclude_sources, exclude_actors, actor_type)
        if filters.sources or filters.exclude_sources:
            check_known_values("source", filters.sources + filters.exclude_sources,
                               [value.value for value in self.backend.sources()])
        return filters

    def _request(self, query, filters: Filters, sort="relevance", page=1, limit=10, facet_limit=10,
                 ranking=None, facets=True, budget_ms=None) -> SearchRequest:
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}", code="bad_sort")
        return SearchRequest(
            plan=self.plan(query),
            filters=filters,
            sort=sort,
            page=_positive(page, "page"),
            limit=min(_positive(limit, "limit"), MAX_LIMIT),
            facet_limit=min(max(0, int(facet_limit)), MAX_FACET_LIMIT),
            ranking=ranking,
            facets=facets,
            budget_ms=None if budget_ms is None else max(0.0, float(budget_ms)),
        )

    def search(
        self,
        query: str = "",
        sources=(),
        actors=(),
        since=None,
        until=None,
        sort: str = "relevance",
        page: int = 1,
        limit: int = 10,
        facet_limit: int = 10,
        ranking: Ranking | None = None,
        facets: bool = True,
        exclude_sources=(),
        exclude_actors=(),
        budget_ms: float | None = None,
        actor_type: str | None = None,
    ) -> SearchResult:
        """Hits of one page, facets over the whole filtered result, and notes on how the query was read.

        ``sources``/``actors``: several values of one facet combine with OR,
        different facets with AND; ``exclude_sources``/``exclude_actors`` drop
        documents with any of those values.  ``since``/``until``: ISO dates or
        ``datetime.date``, inclusive.  ``sort``: ``relevance``, ``date``
        (newest first) or ``oldest``.  An empty query lists everything, newest
        first.  ``ranking`` overrides the index's ranking knobs;
        ``facets=False`` skips counting them (``SearchResult.facets`` is then
        empty).  ``budget_ms``: past this many milliseconds the slow steps
        (phrase checks, positions) stop and a ``time_budget`` notice says the
        result may miss matches (the web page sets one; None: no limit).
        ``actor_type`` (``person``, ``organisation`` or ``place``) restricts the actor facet to actors
        of that type, counting the documents that name them as that type; it does not filter the
        documents (``actors`` does).  Actor facet values carry their ``type`` either way.
        """
        filters = self._filters(sources, actors, since, until, exclude_sources, exclude_actors, actor_type)
        return self.backend.search(self._request(query, filters, sort, page, limit, facet_limit, ranking, facets,
                                                 budget_ms))

    def iter_hits(self, query: str = "", *, sources=(), actors=(), exclude_sources=(), exclude_actors=(),
                  since=None, until=None, sort: str = "relevance", ranking: Ranking | None = None,
                  actor_type: str | None = None) -> Iterator[Hit]:
        """Every hit of a search, in order, without snippets (``Hit.snippet`` is ""): for exports.
        ``actor_type`` is checked and changes nothing (it restricts a facet, and exports have none)."""
        filters = self._filters(sources, actors, since, until, exclude_sources, exclude_actors, actor_type)
        return self.backend.iter_hits(self._request(query, filters, sort, ranking=ranking, facets=False))

    def facet_values(self, name: str, contains: str = "", *, query: str = "", sources=(), actors=(),
                     exclude_sources=(), exclude_actors=(), since=None, until=None, limit: int = 50,
                     actor_type: str | None = None) -> FacetSearch:
        """Values of facet ``name`` (``source``, ``actor``, ``date``) whose text contains ``contains`` after
        Arabic normalization, counted over the search's result set as its facet counts them (for
        ``actor`` with ``actor_type``: only actors of that type, as ``search`` lists them)."""
        filters = self._filters(sources, actors, since, until, exclude_sources, exclude_actors, actor_type)
        request = self._request(query, filters, facets=False)
        return self.backend.facet_values(name, contains or "", request, min(_positive(limit, "limit"), MAX_FACET_LIMIT))

    def document(self, id: str, query: str = "") -> Document:
        """One record, its body HTML-escaped with every match of ``query`` marked."""
        return self.backend.document(id, self.plan(query))

    def actors(self, limit: int | None = None) -> list[FacetValue]:
        """Every actor with how many documents name it, most frequent first."""
        return self.backend.actors(limit)

    def actor_summaries(self, limit: int | None = None, actor_type: str | None = None) -> list[ActorSummary]:
        """Every actor with its document count, its type and the spellings merged into it, most frequent
        first; with ``actor_type`` (``person``, ``organisation``, ``place``) only actors of that type."""
        wanted = parse_actor_type(actor_type)
        if wanted is None:
            return self.backend.actor_summaries(limit)
        return [summary for summary in self.backend.actor_summaries(None) if summary.type == wanted][:limit]

    def sources(self) -> list[FacetValue]:
        """Every source with its document count, most frequent first."""
        return self.backend.sources()


def _positive(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number, not {value!r}", code="bad_number") from None
    if number < 1:
        raise QueryError(f"{name} must be 1 or more, not {number}", code="bad_number")
    return number


def open_index(index_dir: str | Path | None = None, ranking: Ranking | None = None) -> Index:
    """Open the index in ``index_dir`` (default: ``default_index_dir()``)."""
    return Index(index_dir, ranking=ranking)


__all__ = ["Index", "Ranking", "open_index", "update_index", "SORTS", "ACTOR_TYPES"]
