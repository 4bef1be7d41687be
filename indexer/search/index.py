"""Searching an index: ``open_index(dir)`` gives an ``Index`` with ``search``, ``document`` and ``actors``.

An ``Index`` keeps the live generation's Whoosh reader, its per-document
arrays (``engine.DocTable``) and a postings cache in memory, and notices a
newer generation (an incremental update or a rebuild) at the next call.
Calls are serialized by a lock: Whoosh readers share file handles.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from indexer.text import analysis as analysis_module
from indexer.search.engine import DocTable, Evaluator, Postings, Ranking
from indexer.errors import DocumentNotFound, IndexNotFound, QueryError
from indexer.search.facets import count_facets, filter_mask, ranked
from indexer.search.highlight import MatchTerms, highlight_all, snippet
from indexer.config import default_index_dir
from indexer.storage.generations import check_generation, current_generation
from indexer.models import Document, FacetValue, Hit, SearchResult
from indexer.search.query import And, Word, parse_query, positive_leaves
from indexer.text.stopwords import ARABIC_STOPWORDS
from indexer.ingest.actors import ActorSummary, summarize_actors
from indexer.storage.store import Store
from indexer.text.variants import VariantTable

SORTS = ("relevance", "date")
MAX_LIMIT = 1000
MAX_FACET_LIMIT = 1000
#: Candidates checked against the stored text for a phrase with stop words (the rest are dropped, with a note).
MAX_TEXT_CHECKS = 3000


class QueryAnalysis:
    """The index's analysis applied to query words, and its variant table."""

    def __init__(self, stemmer: str, stopwords: bool):
        self.stemmer = stemmer
        self.stopwords = stopwords
        self._stemmed = analysis_module.arabic_analyzer(stemmer=stemmer, stopwords=stopwords)
        self._exact = analysis_module.exact_analyzer()
        self._variants = VariantTable.load(self.stemmed_tokens)

    def stemmed_tokens(self, text: str) -> list[tuple[str, int]]:
        return [(t.text, t.pos) for t in self._stemmed(text, positions=True)]

    def exact_terms(self, text: str) -> list[str]:
        return [t.text for t in self._exact(text)]

    def variants(self, terms: tuple[str, ...]) -> list[list[tuple[str, int]]]:
        return self._variants.alternatives(terms)

    def match_terms(self, tree) -> MatchTerms:
        terms = MatchTerms(self.stemmer, stopwords=ARABIC_STOPWORDS if self.stopwords else frozenset())
        prefixes = []
        for leaf in positive_leaves(tree):
            if isinstance(leaf, Word) and leaf.prefix:
                prefixes.extend(self.exact_terms(leaf.text)[-1:])
            elif isinstance(leaf, Word) and leaf.exact:
                terms.exact.update(self.exact_terms(leaf.text))
            else:
                tokens = self.stemmed_tokens(leaf.text)
                terms.stems.update(text for text, _ in tokens)
                for alternative in self.variants(tuple(text for text, _ in tokens)):
                    terms.stems.update(text for text, _ in alternative)
                if isinstance(leaf, Word):
                    terms.exact.update(self.exact_terms(leaf.text))
        terms.prefixes = tuple(prefixes)
        return terms


def _contains_sequence(tokens: list[str], wanted: list[str]) -> bool:
    width = len(wanted)
    first = wanted[0]
    return any(tokens[i: i + width] == wanted for i, token in enumerate(tokens) if token == first)


class Index:
    """A searchable index; open it with ``open_index``."""

    def __init__(self, index_dir: str | Path | None = None, ranking: Ranking | None = None):
        self.index_dir = Path(index_dir) if index_dir else default_index_dir()
        self.ranking = ranking or Ranking()
        self._lock = threading.RLock()
        self._generation: Path | None = None
        self._whoosh_generation = None
        self._open()

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
        self.analysis = QueryAnalysis(meta.get("stemmer", analysis_module.DEFAULT_STEMMER),
                                      meta.get("stopwords", "1") == "1")

    def _close_current(self) -> None:
        if self._generation is not None:
            self._reader.close()
            self._store.close()

    def refresh(self) -> bool:
        """Reopen when the index changed on disk; True when it did."""
        with self._lock:
            generation = current_generation(self.index_dir)
            if generation == self._generation and self._ix.latest_generation() == self._whoosh_generation:
                return False
            self._open()
            return True

    def close(self) -> None:
        with self._lock:
            self._close_current()
            self._generation = None

    def __del__(self):
        # An index dropped without close() must not leave Whoosh's file handles open.
        if getattr(self, "_generation", None) is not None:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def doc_count(self) -> int:
        return self.table.live_count

    # --- searching

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
    ) -> SearchResult:
        """Hits of one page, facets over the whole filtered result, and notes on how the query was read.

        ``sources``/``actors``: several values of one facet combine with OR,
        different facets with AND.  ``since``/``until``: ISO dates or
        ``datetime.date``, inclusive.  An empty query lists everything, newest
        first.  ``ranking`` overrides the index's ranking knobs; ``facets=False``
        skips counting them (``SearchResult.facets`` is then empty).
        """
        started = time.perf_counter()
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        page, limit = _positive(page, "page"), min(_positive(limit, "limit"), MAX_LIMIT)
        facet_limit = min(max(0, int(facet_limit)), MAX_FACET_LIMIT)
        sources, actors = _values(sources), _values(actors)
        parsed = parse_query(query)
        notes = list(parsed.notes)
        with self._lock:
            self.refresh()
            table = self.table
            allowed = filter_mask(table, sources, actors, since, until)
            if parsed.tree is None:
                matched, scores = table.live, np.zeros(table.size, dtype=np.float32)
                if sort == "relevance":
                    sort = "date"
            else:
                evaluator = Evaluator(table, self.postings, self.analysis, ranking or self.ranking,
                                      self._phrase_checker(notes), allowed)
                tree = parsed.tree
                match = evaluator.conjunction(tree.children if isinstance(tree, And) else [tree], plain=True)
                notes.extend(evaluator.notes)
                if match is None:
                    notes.append("the query has only very common words (stop words); "
                                 "put = before a word to search it as written, e.g. =في")
                    matched, scores = np.zeros(table.size, dtype=bool), np.zeros(table.size, dtype=np.float32)
                else:
                    matched, scores = match.mask & table.live, match.scores
            if facets:
                result_mask, facet_counts = count_facets(table, matched, sources, actors, since, until, facet_limit)
            else:
                result_mask, facet_counts = matched & allowed, {}
            docnums = self._page(result_mask, scores, sort, page, limit)
            hits = self._hits(docnums, scores, parsed.tree)
            total = int(result_mask.sum())
        return SearchResult(
            query=query,
            total=total,
            page=page,
            per_page=limit,
            hits=hits,
            facets=facet_counts,
            took_ms=(time.perf_counter() - started) * 1000,
            sort=sort,
            notes=notes,
        )

    def _page(self, mask: np.ndarray, scores: np.ndarray, sort: str, page: int, limit: int) -> list[int]:
        candidates = np.flatnonzero(mask)
        wanted = page * limit
        if sort == "date":
            days = self.table.day[candidates]
            order = np.lexsort((candidates, -scores[candidates], -days))
        else:
            candidate_scores = scores[candidates]
            if len(candidates) > wanted:
                top = np.argpartition(-candidate_scores, wanted - 1)[:wanted]
                candidates, candidate_scores = candidates[top], candidate_scores[top]
            order = np.lexsort((candidates, -candidate_scores))
        return candidates[order][wanted - limit: wanted].tolist()

    def _hits(self, docnums: list[int], scores: np.ndarray, tree) -> list[Hit]:
        ids = [self.table.ids[d] for d in docnums]
        summaries = self._store.summaries(ids) if ids else {}
        bodies = self._store.bodies(ids) if ids else {}
        terms = self.analysis.match_terms(tree)
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
                    snippet=snippet(bodies.get(id_, ""), terms),
                    date=date.isoformat() if date else None,
                    **summary,
                )
            )
        return hits

    def _phrase_checker(self, notes: list[str]):
        """Checks candidates' stored title and body for an exact word sequence."""

        def check(docnums: np.ndarray, terms: list[str]) -> np.ndarray:
            keep = np.zeros(len(docnums), dtype=bool)
            if len(docnums) > MAX_TEXT_CHECKS:
                notes.append(f"the phrase was checked in the first {MAX_TEXT_CHECKS} of {len(docnums)} candidates")
            ids = [self.table.ids[d] for d in docnums[:MAX_TEXT_CHECKS].tolist()]
            bodies = self._store.bodies(ids)
            titles = {id_: s["title"] for id_, s in self._store.summaries(ids).items()}
            for i, id_ in enumerate(ids):
                text = f"{titles.get(id_, '')}\n{bodies.get(id_, '')}"
                keep[i] = _contains_sequence(self.analysis.exact_terms(text), terms)
            return keep

        return check

    # --- documents and facet values

    def document(self, id: str, query: str = "") -> Document:
        """One record, its body HTML-escaped with every match of ``query`` marked."""
        with self._lock:
            self.refresh()
            record = self._store.record(id) if id in self.table.docnum_of else None
        if record is None:
            raise DocumentNotFound(f"no document with id {id!r} in {self.index_dir}")
        terms = self.analysis.match_terms(parse_query(query).tree)
        body_html, count = highlight_all(record.body, terms)
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

    def actors(self, limit: int | None = None) -> list[FacetValue]:
        """Every actor with how many documents name it, most frequent first."""
        with self._lock:
            self.refresh()
            table = self.table
            counts = np.bincount(table.actor_values[table.live[table.actor_doc]], minlength=len(table.actor_names))
            return [FacetValue(table.actor_names[i], int(counts[i])) for i in ranked(counts, table.actor_rank)[:limit]]

    def actor_summaries(self, limit: int | None = None) -> list[ActorSummary]:
        """Every actor with its document count and the spellings merged into it, most frequent first."""
        with self._lock:
            self.refresh()
            return summarize_actors(self._store.actor_mentions())[:limit]

    def sources(self) -> list[FacetValue]:
        """Every source with its document count, most frequent first."""
        with self._lock:
            self.refresh()
            table = self.table
            ordinals = table.source_ord[table.live]
            counts = np.bincount(ordinals[ordinals >= 0], minlength=len(table.source_names))
            return [FacetValue(table.source_names[i], int(counts[i])) for i in ranked(counts, table.source_rank)]


def _positive(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise QueryError(f"{name} must be 1 or more, not {number}")
    return number


def _values(values) -> list[str]:
    if isinstance(values, str):
        values = [values]
    return [v for v in (values or ()) if v]


def open_index(index_dir: str | Path | None = None, ranking: Ranking | None = None) -> Index:
    """Open the index in ``index_dir`` (default: ``default_index_dir()``)."""
    return Index(index_dir, ranking=ranking)


__all__ = ["Index", "Ranking", "open_index", "SORTS"]
