"""The embedded backend: a Whoosh index directory with its SQLite side store, searched with numpy.

An ``EmbeddedBackend`` keeps the live generation's Whoosh reader, its
per-document arrays (``engine.DocTable``) and a postings cache in memory, and
notices a newer generation (an incremental update or a rebuild) at the next
call.  Calls are serialized by a lock: Whoosh readers share file handles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from indexer.errors import DocumentNotFound, IndexNotFound
from indexer.ingest.actors import ActorSummary, summarize_actors
from indexer.models import Document, FacetSearch, FacetValue, Hit, Notice, SearchResult
from indexer.search.engine import DocTable, Evaluator, Ranking, StoredTexts
from indexer.search.facets import FilterMasks, count_facets, ranked, search_values
from indexer.search.highlight import MatchTerms, highlight_all, snippet
from indexer.search.plan import QueryAnalyzer, QueryPlan, SearchRequest
from indexer.storage.generations import check_generation, current_generation
from indexer.storage.postings import Postings
from indexer.storage.store import Store
from indexer.text import analysis

#: Hits read from the side store per batch when exporting a whole result set.
EXPORT_BATCH = 500


class EmbeddedBackend:
    """The Whoosh index in ``index_dir``."""

    def __init__(self, index_dir: Path, ranking: Ranking):
        self.index_dir = Path(index_dir)
        self.ranking = ranking
        self.lock = threading.RLock()
        self._generation: Path | None = None
        self._whoosh_generation = None
        self._open()

    @property
    def location(self) -> str:
        return str(self.index_dir)

    # --- opening and refreshing

    def _open(self) -> None:
        generation = current_generation(self.index_dir)
        if generation is None:
            raise IndexNotFound(
                f"no index in {self.index_dir}: build one with `fahras index --index {self.index_dir} [PATH...]`"
            )
        store = Store(generation, readonly=True)
        try:
            meta = check_generation(store, self.index_dir)
            ix = whoosh_index.open_dir(str(generation))
            reader = ix.reader()
            table = DocTable(reader, store)
        except BaseException:
            store.close()
            raise
        self._close_current()
        self._generation, self._ix, self._reader, self._store = generation, ix, reader, store
        self._whoosh_generation = reader.generation()
        self.meta = meta
        self.table = table
        self.postings = Postings(reader)
        self.texts = StoredTexts(table, store)
        self.analyzer = QueryAnalyzer(meta.get("stemmer", analysis.DEFAULT_STEMMER), meta.get("stopwords", "1") == "1")

    def _close_current(self) -> None:
        if self._generation is not None:
            self._reader.close()
            self._store.close()

    def refresh(self) -> bool:
        """Reopen when the index changed on disk; True when it did."""
        with self.lock:
            generation = current_generation(self.index_dir)
            if generation == self._generation and self._ix.latest_generation() == self._whoosh_generation:
                return False
            self._open()
            return True

    def close(self) -> None:
        with self.lock:
            self._close_current()
            self._generation = None

    @property
    def is_open(self) -> bool:
        return self._generation is not None

    @property
    def doc_count(self) -> int:
        return self.table.live_count

    # --- searching

    def _match(self, request: SearchRequest, masks: FilterMasks, notices: list[Notice]):
        """The query's matches (before filters) and scores."""
        table = self.table
        if request.plan.is_empty:
            return table.live, np.zeros(table.size, dtype=np.float32)
        evaluator = Evaluator(table, self.postings, self.texts, request.ranking or self.ranking, masks.allowed)
        match = evaluator.conjunction(request.plan.top_level, plain=True)
        notices.extend(evaluator.notices)
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
        with self.lock:
            self.refresh()
            masks = FilterMasks(self.table, request.filters)
            matched, scores = self._match(request, masks, notices)
            if request.facets:
                result_mask, facets = count_facets(self.table, matched, masks, request.facet_limit)
            else:
                result_mask, facets = masks.restrict(matched), {}
            docnums = self._order(result_mask, scores, sort, request.page * request.limit)
            docnums = docnums[(request.page - 1) * request.limit:]
            hits = self._hits(docnums, scores, request.plan.match_terms)
            total = int(result_mask.sum())
        return SearchResult(
            query=request.plan.text,
            total=total,
            page=request.page,
            per_page=request.limit,
            hits=hits,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            sort=sort,
            notices=notices,
        )

    def iter_hits(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of the request's result set in its sort order, without snippets."""
        sort = "date" if request.plan.is_empty and request.sort == "relevance" else request.sort
        with self.lock:
            self.refresh()
            masks = FilterMasks(self.table, request.filters)
            matched, scores = self._match(request, masks, [])
            docnums = self._order(masks.restrict(matched), scores, sort, None)
            table, store = self.table, self._store
        for start in range(0, len(docnums), EXPORT_BATCH):
            with self.lock:
                if table is not self.table:  # the index changed under a long export: stop at what was read
                    return
                batch = docnums[start: start + EXPORT_BATCH]
                yield from self._hits(batch, scores, None, store)

    def _order(self, mask: np.ndarray, scores: np.ndarray, sort: str, wanted: int | None) -> list[int]:
        """Document numbers of ``mask`` in ``sort`` order (only the first ``wanted`` when given)."""
        candidates = np.flatnonzero(mask)
        if sort in ("date", "oldest"):
            days = self.table.day[candidates]
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

    def _hits(self, docnums: list[int], scores: np.ndarray, terms: MatchTerms | None, store=None) -> list[Hit]:
        """Hits for ``docnums``; with ``terms`` None no snippet is made (exports)."""
        store = store or self._store
        ids = [self.table.ids[d] for d in docnums]
        summaries = store.summaries(ids) if ids else {}
        bodies = store.bodies(ids) if ids and terms is not None else {}
        hits = []
        for docnum, id_ in zip(docnums, ids):
            summary = summaries.get(id_)
            if summary is None:  # the side store lags a crashed run: the next index run repairs it
                continue
            date = summary.pop("date")
            hits.append(
                Hit(
                    id=id_,
                    score=round(float(scores[docnum]), 4),
                    snippet=snippet(bodies.get(id_, ""), terms) if terms is not None else "",
                    date=date.isoformat() if date else None,
                    **summary,
                )
            )
        return hits

    # --- documents and facet values

    def document(self, id: str, plan: QueryPlan) -> Document:
        with self.lock:
            self.refresh()
            record = self._store.record(id) if id in self.table.docnum_of else None
        if record is None:
            raise DocumentNotFound(f"no document with id {id!r} in this index", code="document_not_found",
                                   params={"id": id})
        body_html, count = highlight_all(record.body, plan.match_terms)
        return Document(
            id=record.id,
            path=record.path,
            title=record.title,
            body=record.body,
            source=record.source,
            date=record.date.isoformat() if record.date else None,
            date_precision=record.date_precision,
            date_origin=record.date_origin,
            url=record.url,
            actors=record.actors,
            body_html=body_html,
            match_count=count,
            original=record.original,
            author=record.author,
        )

    def facet_values(self, name: str, contains: str, request: SearchRequest, limit: int) -> FacetSearch:
        with self.lock:
            self.refresh()
            masks = FilterMasks(self.table, request.filters)
            matched, _scores = self._match(request, masks, [])
            return search_values(self.table, name, matched, masks, contains, limit)

    def actors(self, limit: int | None = None) -> list[FacetValue]:
        with self.lock:
            self.refresh()
            table = self.table
            counts = np.bincount(table.actor_values[table.live[table.actor_doc]], minlength=len(table.actor_names))
            return [FacetValue(table.actor_names[i], int(counts[i])) for i in ranked(counts, table.actor_rank)[:limit]]

    def actor_summaries(self, limit: int | None = None) -> list[ActorSummary]:
        with self.lock:
            self.refresh()
            return summarize_actors(self._store.actor_mentions())[:limit]

    def sources(self) -> list[FacetValue]:
        with self.lock:
            self.refresh()
            table = self.table
            ordinals = table.source_ord[table.live]
            counts = np.bincount(ordinals[ordinals >= 0], minlength=len(table.source_names))
            return [FacetValue(table.source_names[i], int(counts[i])) for i in ranked(counts, table.source_rank)]
