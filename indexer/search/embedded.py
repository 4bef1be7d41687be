"""The embedded backend: a Whoosh index directory with its SQLite side store, searched with numpy.

An ``EmbeddedBackend`` keeps the live generation's Whoosh reader, its
per-document arrays (``engine.DocTable``) and a postings cache in memory, and
notices a newer generation (an incremental update or a rebuild) at the next
call.  Searches run concurrently: each takes a searcher (its own Whoosh
reader and SQLite connection, which cannot be shared) from a small pool, and
all share the generation's arrays and postings cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from indexer.errors import DocumentNotFound, IndexNotFound
from indexer.ingest.actors import ActorSummary, summarize_actors
from indexer.models import Document, FacetSearch, FacetValue, Hit, Notice, SearchResult
from indexer.search.backend import model_from, search_result
from indexer.search.engine import FOREGROUND, Deadline, DocTable, Evaluator, Ranking, StoredTexts
from indexer.search.facets import FilterMasks, count_facets, ranked, search_values
from indexer.search.highlight import MatchTerms, highlight_all, snippet
from indexer.search.plan import QueryAnalyzer, QueryPlan, SearchRequest
from indexer.storage.generations import check_generation, current_generation, open_store_for_search
from indexer.storage.postings import Postings, PostingsCache
from indexer.storage.store import Store
from indexer.text import analysis

#: Hits read from the side store per batch when exporting a whole result set.
EXPORT_BATCH = 500


#: Searches that run at once on one index; more wait for a free searcher.
MAX_SEARCHERS = 4


class _Searcher:
    """One thread's handles on a generation: Whoosh readers and SQLite connections are not shared."""

    def __init__(self, generation: "_Generation", reader, store: Store):
        self.generation = generation
        self.table = generation.table
        self.reader = reader
        self.store = store
        self.postings = Postings(reader, generation.cache)
        self.texts = StoredTexts(generation.table, store)

    def close(self) -> None:
        self.reader.close()
        self.store.close()


class _Generation:
    """A generation opened for searching: its arrays (shared, read-only) and a pool of searchers."""

    def __init__(self, index_dir: Path):
        path = current_generation(index_dir)
        if path is None:
            raise IndexNotFound(
                f"no index in {index_dir}: build one with `fahras index --index {index_dir} [PATH...]`"
            )
        store = open_store_for_search(path)
        try:
            self.meta = check_generation(store, index_dir)
            self.ix = whoosh_index.open_dir(str(path))
            reader = self.ix.reader()
            self.table = DocTable(reader, store)
        except BaseException:
            store.close()
            raise
        self.path = path
        self.whoosh_generation = reader.generation()
        self.cache = PostingsCache()
        self.analyzer = QueryAnalyzer(self.meta.get("stemmer", analysis.DEFAULT_STEMMER),
                                      self.meta.get("stopwords", "1") == "1")
        self._free = [_Searcher(self, reader, store)]
        self._count = 1
        self._busy = 0
        self._retired = False
        self._condition = threading.Condition()

    def is_current(self, index_dir: Path) -> bool:
        return current_generation(index_dir) == self.path and self.ix.latest_generation() == self.whoosh_generation

    @contextmanager
    def searcher(self) -> Iterator[_Searcher]:
        with self._condition:
            while not self._free and self._count >= MAX_SEARCHERS:
                self._condition.wait()
            if self._free:
                searcher = self._free.pop()
            else:
                self._count += 1
                searcher = None
            self._busy += 1
        if searcher is None:
            try:
                searcher = _Searcher(self, self.ix.reader(), open_store_for_search(self.path))
            except BaseException:
                with self._condition:
                    self._count -= 1
                    self._busy -= 1
                    self._condition.notify()
                raise
        try:
            yield searcher
        finally:
            with self._condition:
                self._busy -= 1
                if self._retired:
                    searcher.close()
                else:
                    self._free.append(searcher)
                self._condition.notify()

    def retire(self) -> None:
        """Close the idle searchers now and the busy ones as they finish (open files stay valid on POSIX)."""
        with self._condition:
            self._retired = True
            idle, self._free = self._free, []
        for searcher in idle:
            searcher.close()


class EmbeddedBackend:
    """The Whoosh index in ``index_dir``; searches run concurrently, each with its own searcher."""

    def __init__(self, index_dir: Path, ranking: Ranking):
        self.index_dir = Path(index_dir)
        self.ranking = ranking
        self.lock = threading.RLock()
        self._generation: _Generation | None = _Generation(self.index_dir)

    @property
    def location(self) -> str:
        return str(self.index_dir)

    # --- opening and refreshing

    def refresh(self) -> bool:
        """Reopen when the index changed on disk; True when it did."""
        with self.lock:
            if self._generation is not None and self._generation.is_current(self.index_dir):
                return False
            fresh = _Generation(self.index_dir)
            old, self._generation = self._generation, fresh
        if old is not None:
            old.retire()
        return True

    def close(self) -> None:
        with self.lock:
            old, self._generation = self._generation, None
        if old is not None:
            old.retire()

    @property
    def is_open(self) -> bool:
        return self._generation is not None

    def _current(self) -> _Generation:
        self.refresh()
        generation = self._generation
        if generation is None:
            raise IndexNotFound(f"the index in {self.index_dir} was closed")
        return generation

    @contextmanager
    def _searcher(self) -> Iterator[_Searcher]:
        with self._current().searcher() as searcher:
            yield searcher

    @property
    def meta(self) -> dict[str, str]:
        return self._current().meta

    @property
    def analyzer(self) -> QueryAnalyzer:
        return self._current().analyzer

    @property
    def table(self) -> DocTable:
        return self._current().table

    @property
    def doc_count(self) -> int:
        return self._current().table.live_count

    # --- searching

    def _match(self, searcher: _Searcher, request: SearchRequest, masks: FilterMasks, notices: list[Notice]):
        """The query's matches (before filters) and scores."""
        table = searcher.table
        if request.plan.is_empty:
            return table.live, np.zeros(table.size, dtype=np.float32)
        deadline = Deadline(request.budget_ms)
        evaluator = Evaluator(table, searcher.postings, searcher.texts, request.ranking or self.ranking,
                              masks.allowed, deadline)
        match = evaluator.conjunction(request.plan.top_level, plain=True)
        notices.extend(evaluator.notices)
        if deadline.hit:
            notices.append(deadline.notice())
        if match is None:
            notices.append(Notice("stop_words_only", "the query has only very common words (stop words); "
                                                     "put = before a word to search it as written, e.g. =في"))
            return np.zeros(table.size, dtype=bool), np.zeros(table.size, dtype=np.float32)
        return match.mask & table.live, match.scores

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        notices = list(request.plan.notices)
        sort = request.sort
        if request.plan.is_empty and sort == "relevance":
            sort = "date"
        with self._searcher() as searcher, FOREGROUND.running():
            table = searcher.table
            masks = FilterMasks(table, request.filters)
            matched, scores = self._match(searcher, request, masks, notices)
            if request.facets:
                result_mask, facets = count_facets(table, matched, masks, request.facet_limit)
            else:
                result_mask, facets = masks.restrict(matched), {}
            docnums = _order(table, result_mask, scores, sort, request.page * request.limit)
            docnums = docnums[(request.page - 1) * request.limit:]
            hits = _hits(searcher, docnums, scores, request.plan.match_terms)
            total = int(result_mask.sum())
        return search_result(request, total=total, hits=hits, facets=facets, started=started, sort=sort,
                             notices=notices)

    def iter_hits(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of the request's result set in its sort order, without snippets.

        The searcher is held between batches: a rebuild meanwhile does not
        change what the export reads (the old generation's files stay open).
        """
        sort = "date" if request.plan.is_empty and request.sort == "relevance" else request.sort
        with self._searcher() as searcher:
            masks = FilterMasks(searcher.table, request.filters)
            matched, scores = self._match(searcher, request, masks, [])
            docnums = _order(searcher.table, masks.restrict(matched), scores, sort, None)
            for start in range(0, len(docnums), EXPORT_BATCH):
                yield from _hits(searcher, docnums[start: start + EXPORT_BATCH], scores, None)

    # --- documents and facet values

    def document(self, id: str, plan: QueryPlan) -> Document:
        with self._searcher() as searcher:
            record = searcher.store.record(id) if id in searcher.table.docnum_of else None
        if record is None:
            raise DocumentNotFound(f"no document with id {id!r} in this index", code="document_not_found",
                                   params={"id": id})
        body_html, count = highlight_all(record.body, plan.match_terms)
        return model_from(Document, vars(record), body_html=body_html, match_count=count)

    def facet_values(self, name: str, contains: str, request: SearchRequest, limit: int) -> FacetSearch:
        with self._searcher() as searcher:
            masks = FilterMasks(searcher.table, request.filters)
            matched, _scores = self._match(searcher, request, masks, [])
            return search_values(searcher.table, name, matched, masks, contains, limit)

    def actors(self, limit: int | None = None) -> list[FacetValue]:
        table = self.table
        counts = np.bincount(table.actor_values[table.live[table.actor_doc]], minlength=len(table.actor_names))
        return [FacetValue(table.actor_names[i], int(counts[i])) for i in ranked(counts, table.actor_rank)[:limit]]

    def actor_summaries(self, limit: int | None = None) -> list[ActorSummary]:
        with self._searcher() as searcher:
            return summarize_actors(searcher.store.actor_mentions())[:limit]

    def sources(self) -> list[FacetValue]:
        table = self.table
        ordinals = table.source_ord[table.live]
        counts = np.bincount(ordinals[ordinals >= 0], minlength=len(table.source_names))
        return [FacetValue(table.source_names[i], int(counts[i])) for i in ranked(counts, table.source_rank)]


def _order(table: DocTable, mask: np.ndarray, scores: np.ndarray, sort: str, wanted: int | None) -> list[int]:
    """Document numbers of ``mask`` in ``sort`` order (only the first ``wanted`` when given)."""
    candidates = np.flatnonzero(mask)
    if sort in ("date", "oldest"):
        days = table.day[candidates]
        if sort == "date":
            order = np.lexsort((candidates, -scores[candidates], -days))
        else:  # oldest first; documents without a date (day -1) last
            order = np.lexsort((candidates, -scores[candidates], np.where(days < 0, np.iinfo(np.int32).max, days)))
    else:
        candidate_scores = scores[candidates]
        if wanted is not None and len(candidates) > wanted:
            top = np.argpartition(-candidate_scores, wanted - 1)[:wanted]
            candidates, candidate_scores = candidates[top], candidate_scores[top]
        order = np.lexsort((candidates, -candidate_scores))
    ordered = candidates[order]
    return (ordered if wanted is None else ordered[:wanted]).tolist()


def _hits(searcher: _Searcher, docnums: list[int], scores: np.ndarray, terms: MatchTerms | None) -> list[Hit]:
    """Hits for ``docnums``; with ``terms`` None no snippet is made (exports)."""
    records = searcher.store.records([searcher.table.ids[d] for d in docnums])
    by_id = {record.id: record for record in records}
    hits = []
    for docnum in docnums:
        record = by_id.get(searcher.table.ids[docnum])
        if record is None:  # the side store lags a crashed run: the next index run repairs it
            continue
        hits.append(model_from(
            Hit, vars(record),
            score=round(float(scores[docnum]), 4),
            snippet=snippet(record.body, terms) if terms is not None else "",
            title_html=highlight_all(record.title or "", terms)[0] if terms is not None else "",
        ))
    return hits
