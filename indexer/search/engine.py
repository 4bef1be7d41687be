"""Matching and ranking over numpy arrays, term at a time.

Whoosh stores the postings; this module reads a term's postings once into
numpy arrays (document numbers and term frequencies, cached), and evaluates
the query tree into a boolean mask over all documents plus a float score
array.  Long OR-ish questions then cost a few vector operations per term
instead of a Python loop per posting, and filters and facets are masks too.

Ranking is BM25F: per word, the title's and the body's length-normalized
frequencies are summed (the title's weighted ``title_weight`` times the
body's) and saturated once; the unstemmed ``exact`` field adds
``exact_weight`` times its own BM25 for documents that contain the word
exactly as typed (after normalization).  Phrases score per field.
"""

from __future__ import annotations

import math
import threading
import re
import time
from functools import lru_cache
from bisect import bisect_left
from collections import OrderedDict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import numpy as np

from indexer.errors import QueryError
from indexer.models import Notice
from indexer.records import ACTOR_TYPES
from indexer.search.plan import EXACT, PHRASE, PREFIX, Leaf, Token
from indexer.search.query import And, Not, Or
from indexer.text.normalize import normalize_with_digits
from indexer.storage.postings import Postings, field_lengths
from indexer.storage.schema import EXACT_FIELD, TEXT_FIELDS



#: ``Ranking.match`` values.
MATCH_MODES = ("all", "auto", "any")
#: Candidates checked against the stored text for a phrase with stop words (the rest are dropped, with a note).
MAX_TEXT_CHECKS = 20000
#: Stored texts read per batch while checking a phrase (the deadline is checked between batches): about 1.5 ms.
TEXT_CHECK_BATCH = 8
#: A phrase check still reading stored texts after ``YIELD_AFTER_MS`` gives way to other work: it goes on in
#: slices of about ``SLOW_SLICE_MS`` and, between slices, while other searches (or web requests) are running,
#: pauses until they are done or ``SLOW_PAUSE_MS`` has passed.  Python runs one thread at a time (the GIL):
#: without the pauses a long check takes its full share of the CPU from the quick searches; with them it takes
#: about SLICE / (SLICE + PAUSE) while others are busy, and all of it when the server is idle.
YIELD_AFTER_MS = 10
SLOW_SLICE_MS = 2
SLOW_PAUSE_MS = 15
#: A phrase check still reading stored texts after ``SLOW_AFTER_MS`` takes the slow lane: one such check runs
#: at a time, so searches of very common phrases queue behind each other instead of taking the CPU from everyone.
SLOW_AFTER_MS = 50
SLOW_LANE = threading.BoundedSemaphore(1)


class Foreground:
    """Work in flight that long phrase checks give way to: searches and web requests, counted per thread.

    ``running()`` counts the calling thread's work (nested calls count once per level, so a search inside
    a web request is fine); ``stepped_aside()`` uncounts all of it while the thread's phrase check gives way
    (pauses, waits for or works in the slow lane), so a slow search never waits for itself.
    """

    def __init__(self):
        self._condition = threading.Condition()
        self._count = 0
        self._local = threading.local()

    def _change(self, delta: int) -> None:
        with self._condition:
            self._count += delta
            if self._count == 0:
                self._condition.notify_all()

    @contextmanager
    def running(self):
        self._local.depth = getattr(self._local, "depth", 0) + 1
        self._change(1)
        try:
            yield
        finally:
            self._local.depth -= 1
            self._change(-1)

    @contextmanager
    def stepped_aside(self):
        depth = getattr(self._local, "depth", 0)
        self._local.depth = 0
        if depth:
            self._change(-depth)
        try:
            yield
        finally:
            if depth:
                self._change(depth)
            self._local.depth = depth

    def busy(self) -> bool:
        return self._count > 0

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until no counted work is in flight, at most ``timeout`` seconds; True when idle."""
        with self._condition:
            return self._condition.wait_for(lambda: self._count == 0, timeout=max(0.0, timeout))


FOREGROUND = Foreground()


@dataclass(frozen=True)
class Ranking:
    """The ranking knobs; every search can override them."""

    k1: float = 1.2
    b: float = 0.75
    title_weight: float = 2.0
    exact_weight: float = 0.3
    #: Plain words: "all" required, "auto" = all when some document has
    #: them all, otherwise documents with at least ``min_share`` of them, or
    #: "any" = documents with at least ``min_share`` of them (one at least),
    #: best first: Lucene's default OR, which docs/relevance.md measured best.
    match: str = "any"
    min_share: float = 0.0
    #: Plain queries of at most this many words are read as "auto" whatever
    #: ``match`` says: a user who types two or three words wants them all, while
    #: a long question rarely has all its words in the answer.
    all_words_up_to: int = 3
    #: Proximity: in a plain query of several words, each pair of consecutive
    #: words found at most ``proximity_window`` positions apart, in that order,
    #: in a document's body scores like one more term (the pair's occurrences,
    #: saturated as BM25 does, times both words' idf) weighted by
    #: ``proximity_weight``: Elasticsearch's "match_phrase with slop" should
    #: clause.  Only the best ``proximity_docs`` documents by the words' own
    #: scores are rescored (positions are read for those alone).
    proximity_weight: float = 0.25
    proximity_window: int = 3
    proximity_docs: int = 30

    def __post_init__(self):
        if self.match not in MATCH_MODES:
            raise QueryError(f"Ranking.match must be one of {', '.join(MATCH_MODES)}, not {self.match!r}",
                             code="bad_ranking")


class Deadline:
    """A search's time budget: past it, the slow steps stop and the result says it is partial."""

    def __init__(self, budget_ms: float | None):
        self.budget_ms = budget_ms
        self._end = None if budget_ms is None else time.perf_counter() + budget_ms / 1000.0
        self.hit = False

    def remaining(self) -> float | None:
        """Seconds left, or None without a budget."""
        return None if self._end is None else max(0.0, self._end - time.perf_counter())

    def expired(self) -> bool:
        if self._end is None or time.perf_counter() < self._end:
            return False
        self.hit = True
        return True

    def notice(self) -> Notice:
        return Notice("time_budget", f"the search took longer than {self.budget_ms:g} ms: "
                                     f"some matches may be missing", {"ms": self.budget_ms})


# --- per-generation document arrays ---------------------------------------------------


class DocTable:
    """Per-document values by Whoosh document number, for scoring, filters and facets."""

    def __init__(self, reader, store):
        self.size = reader.doc_count_all()
        size = self.size
        self.live = np.zeros(size, dtype=bool)
        self.ids: list[str | None] = [None] * size
        lengths = {name: np.zeros(size, dtype=np.float32) for name in (*TEXT_FIELDS, EXACT_FIELD)}
        for segment, offset in reader.leaf_readers():
            for docnum, stored in segment.iter_docs():
                self.ids[offset + docnum] = stored["id"]
                self.live[offset + docnum] = True
            count = segment.doc_count_all()
            for name, array in lengths.items():
                array[offset: offset + count] = field_lengths(segment, name, count)
        self.lengths = lengths
        self.docnum_of: dict[str, int] = {}
        for docnum, id_ in enumerate(self.ids):
            if id_ is None:
                continue
            if id_ in self.docnum_of:  # a duplicate id within one input: the last one wins
                self.live[self.docnum_of[id_]] = False
            self.docnum_of[id_] = docnum
        live_count = max(1, int(self.live.sum()))
        self.average_length = {name: max(1.0, float(array[self.live].sum()) / live_count)
                               for name, array in lengths.items()}
        self.live_count = int(self.live.sum())
        #: Facet values normalized for ``contains`` searches, by facet name, filled when first asked.
        self.normalized_names: dict[str, list[str]] = {}
        self._load_facet_values(store)

    def _load_facet_values(self, store) -> None:
        size = self.size
        self.source_ord = np.full(size, -1, dtype=np.int32)
        self.day = np.full(size, -1, dtype=np.int32)
        sources: dict[str, int] = {}
        actors: dict[str, int] = {}
        actor_lists: list[list[int]] = [[] for _ in range(size)]
        kind_lists: list[list[int]] = [[] for _ in range(size)]
        kind_of = {name: number for number, name in enumerate(ACTOR_TYPES)}
        docnum_of = self.docnum_of
        for id_, source, day, actor_names, actor_types in store.facet_rows():
            docnum = docnum_of.get(id_)
            if docnum is None:
                continue
            if source:
                self.source_ord[docnum] = sources.setdefault(source, len(sources))
            if day is not None:
                self.day[docnum] = day
            if actor_names:
                actor_lists[docnum] = [actors.setdefault(a, len(actors)) for a in actor_names]
                kinds = [kind_of.get(kind, -1) for kind in actor_types[:len(actor_names)]]
                kind_lists[docnum] = kinds + [-1] * (len(actor_names) - len(kinds))
        self.source_names = list(sources)
        self.actor_names = list(actors)
        # Ties in facet counts are listed alphabetically, whatever order documents came in.
        self.source_rank = _alphabetical_rank(self.source_names)
        self.actor_rank = _alphabetical_rank(self.actor_names)
        self.actor_index = actors
        self.source_index = sources
        counts = np.fromiter((len(a) for a in actor_lists), dtype=np.int64, count=size)
        self.actor_offsets = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(counts, out=self.actor_offsets[1:])
        self.actor_values = np.fromiter(
            (value for values in actor_lists for value in values), dtype=np.int32, count=int(counts.sum())
        )
        self.actor_doc = np.repeat(np.arange(size, dtype=np.int32), counts)
        #: Each (document, actor) pair's type: its index in ``ACTOR_TYPES``, -1 when the record does not say.
        self.actor_kind = np.fromiter(
            (kind for kinds in kind_lists for kind in kinds), dtype=np.int8, count=int(counts.sum())
        )
        #: For each type of ``ACTOR_TYPES``, which (document, actor) pairs have it: a type-switched facet
        #: counts those, without comparing every pair's type again on each search.
        self.actor_pairs_of_type = [self.actor_kind == kind for kind in range(len(ACTOR_TYPES))]
        #: Live documents naming each actor as each type (``[actor, ACTOR_TYPES index]``): an actor's
        #: type, where a value's type is shown, is the one most documents give it.
        typed = self.live[self.actor_doc] & (self.actor_kind >= 0)
        self.actor_type_counts = np.bincount(
            self.actor_values[typed].astype(np.int64) * len(ACTOR_TYPES) + self.actor_kind[typed],
            minlength=len(self.actor_names) * len(ACTOR_TYPES),
        ).reshape(len(self.actor_names), len(ACTOR_TYPES))


def _alphabetical_rank(names: list[str]) -> np.ndarray:
    rank = np.zeros(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return rank


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class Match:
    mask: np.ndarray
    scores: np.ndarray


class Evaluator:
    """Evaluates a query tree against one index generation."""

    def __init__(self, table: DocTable, postings: Postings, texts: StoredTexts, ranking: Ranking,
                 filter_mask: np.ndarray, deadline: Deadline | None = None):
        self.table = table
        #: Documents the filters allow: "auto" matching asks whether all words meet there.
        self.filter_mask = filter_mask
        self.postings = postings
        #: The stored titles and bodies, for what positions cannot tell (which stop word sat in a gap).
        self.texts = texts
        self.ranking = ranking
        self.deadline = deadline or Deadline(None)
        self.notices: list[Notice] = []

    # -- scoring helpers

    def empty(self) -> Match:
        size = self.table.size
        return Match(np.zeros(size, dtype=bool), np.zeros(size, dtype=np.float32))

    def idf(self, document_frequency: int) -> float:
        """BM25's (Lucene's) inverse document frequency over the live documents."""
        live = self.table.live_count
        return math.log(1.0 + (live - document_frequency + 0.5) / (document_frequency + 0.5))

    def bm25(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        docnums, frequencies = self.postings.get(fieldname, term)
        if not len(docnums):
            return docnums, frequencies
        ranking = self.ranking
        table = self.table
        idf = self.idf(len(docnums))
        norm = ranking.k1 * (1.0 - ranking.b + ranking.b * table.lengths[fieldname][docnums]
                             / table.average_length[fieldname])
        return docnums, (idf * frequencies * (ranking.k1 + 1.0) / (frequencies + norm)).astype(np.float32)

    def _add(self, match: Match, fieldname: str, term: str, weight: float, mark: bool = True) -> None:
        docnums, scores = self.bm25(fieldname, term)
        if len(docnums):
            if mark:
                match.mask[docnums] = True
            match.scores[docnums] += weight * scores

    def documents_with_all(self, fieldname: str, terms: list[str]) -> np.ndarray:
        """Sorted document numbers whose ``fieldname`` has every term (candidates for a sequence)."""
        candidates = None
        for term in dict.fromkeys(terms):
            docnums = self.postings.get(fieldname, term)[0]
            candidates = docnums if candidates is None else np.intersect1d(candidates, docnums, assume_unique=True)
            if not len(candidates):
                break
        return candidates

    def stemmed_term(self, term: str) -> Match:
        """BM25F proper (Robertson and Zaragoza): the title's and the body's
        length-normalized frequencies are weighted and summed *before* one
        saturation, so a word repeated in the title cannot outweigh a second
        query word in the body, however heavy the title."""
        ranking, table = self.ranking, self.table
        match = self.empty()
        weighted_frequency = np.zeros(table.size, dtype=np.float32)
        for fieldname, weight in (("title", ranking.title_weight), ("body", 1.0)):
            docnums, frequencies = self.postings.get(fieldname, term)
            if not len(docnums):
                continue
            match.mask[docnums] = True
            normalizer = 1.0 - ranking.b + ranking.b * table.lengths[fieldname][docnums] / max(
                table.average_length[fieldname], 1.0)
            weighted_frequency[docnums] += weight * frequencies / normalizer
        matched = np.flatnonzero(match.mask)
        if len(matched):
            idf = self.idf(int(np.count_nonzero(table.live[matched])))
            frequency = weighted_frequency[matched]
            match.scores[matched] = idf * frequency * (ranking.k1 + 1.0) / (frequency + ranking.k1)
        return match

    # -- leaves

    def evaluate(self, node) -> Match | None:
        """Mask and scores of a node, or None when it has nothing searchable (stop words only)."""
        if isinstance(node, Leaf):
            return self.phrase(node) if node.kind == PHRASE else self.word(node)
        if isinstance(node, Not):
            child = self.evaluate(node.child)
            if child is None:
                return None
            return Match(~child.mask, np.zeros_like(child.scores))
        if isinstance(node, Or):
            parts = [p for p in map(self.evaluate, node.children) if p is not None]
            if not parts:
                return None
            result = parts[0]
            for part in parts[1:]:
                result.mask |= part.mask
                result.scores += part.scores
            return result
        if isinstance(node, And):
            return self.conjunction(node.children, plain=False)
        raise TypeError(f"unknown query node {node!r}")

    def conjunction(self, children, plain: bool) -> Match | None:
        """All children; at the top level plain words may fall back to best match (``Ranking.match``)."""
        positives, negatives = [], []
        for child in children:
            part = self.evaluate(child.child if isinstance(child, Not) else child)
            if part is None:
                continue
            (negatives if isinstance(child, Not) else positives).append(part)
        if not positives and not negatives:
            return None
        if positives:
            mask = np.logical_and.reduce([p.mask for p in positives]) if len(positives) > 1 else positives[0].mask
            scores = np.sum([p.scores for p in positives], axis=0) if len(positives) > 1 else positives[0].scores
        else:
            mask = self.table.live.copy()
            scores = np.zeros(self.table.size, dtype=np.float32)
        match_mode = self.ranking.match
        if len(positives) <= self.ranking.all_words_up_to and match_mode == "any":
            match_mode = "auto"
        if plain and len(positives) > 1 and (
                match_mode == "any" or (match_mode == "auto" and not (mask & self.filter_mask).any())):
            matched = np.sum([p.mask for p in positives], axis=0)
            needed = max(1, math.ceil(self.ranking.min_share * len(positives)))
            mask = matched >= needed
            if match_mode == "auto" and (mask & self.filter_mask).any():
                self.notices.append(Notice(
                    "best_match", f"no document has all {len(positives)} words: showing those with at least {needed}",
                    {"words": len(positives), "needed": needed}))
        for negative in negatives:
            mask = mask & ~negative.mask
        if plain and self.ranking.proximity_weight:
            words = [child.single_stem for child in children if isinstance(child, Leaf)]
            self.add_proximity([term for term in words if term is not None], mask & self.filter_mask, scores)
        return Match(mask, scores)

    def add_proximity(self, terms: list[str], mask: np.ndarray, scores: np.ndarray) -> None:
        """Add ``Ranking.proximity_weight`` x the pair score of consecutive ``terms`` to the best documents."""
        pairs = [(first, second) for first, second in zip(terms, terms[1:]) if first != second]
        candidates = np.flatnonzero(mask)
        if not pairs or not len(candidates) or self.deadline.expired():
            return
        ranking, table = self.ranking, self.table
        if len(candidates) > ranking.proximity_docs:
            best = np.argpartition(-scores[candidates], ranking.proximity_docs - 1)[:ranking.proximity_docs]
            candidates = np.sort(candidates[best])
        positions = {term: self.postings.positions("body", term, candidates) for term in {t for pair in pairs for t in pair}}
        normalizer = ranking.k1 * (1.0 - ranking.b + ranking.b * table.lengths["body"][candidates]
                                   / max(table.average_length["body"], 1.0))
        for first, second in pairs:
            idf = sum(self.idf(len(self.postings.get("body", term)[0])) for term in (first, second))
            found_first, found_second = positions[first], positions[second]
            frequency = np.fromiter(
                (_pairs_within(found_first.get(docnum, ()), found_second.get(docnum, ()), ranking.proximity_window)
                 for docnum in candidates.tolist()),
                dtype=np.float32, count=len(candidates))
            scores[candidates] += (ranking.proximity_weight * idf * frequency * (ranking.k1 + 1.0)
                                   / (frequency + normalizer)).astype(np.float32)

    def word(self, leaf: Leaf) -> Match | None:
        if leaf.kind == PREFIX:
            return self.prefix(leaf.exact)
        if leaf.kind == EXACT:
            if not leaf.exact:
                return None
            if len(leaf.exact) > 1:
                return self.exact_sequence(list(leaf.exact))
            match = self.empty()
            self._add(match, EXACT_FIELD, leaf.exact[0], 1.0 + self.ranking.title_weight)
            return match
        if not leaf.stems:
            return None
        if len(leaf.stems) > 1:
            return self.phrase(leaf)
        match = self.with_variants(leaf)
        for exact in leaf.exact[:1]:
            self._add(match, EXACT_FIELD, exact, self.ranking.exact_weight, mark=False)
        return match

    def with_variants(self, leaf: Leaf) -> Match:
        """A term or positional sequence, OR the other spellings of its variant group."""
        match = self.sequence(leaf.stems)
        for alternative in leaf.variants:
            other = self.sequence(alternative)
            match.mask |= other.mask
            match.scores += other.scores
        return match

    def sequence(self, tokens: tuple[Token, ...]) -> Match:
        """One stemmed term, or terms at the given relative positions in one field."""
        if len(tokens) == 1:
            return self.stemmed_term(tokens[0][0])
        match = self.empty()
        start = tokens[0][1]
        offsets = [pos - start for _, pos in tokens]
        for fieldname, weight in (("title", self.ranking.title_weight), ("body", 1.0)):
            candidates = self.documents_with_all(fieldname, [text for text, _ in tokens])
            if not len(candidates):
                continue
            if self.deadline.expired():
                continue
            # Rarest word first; each next word's positions are read only for the documents where the
            # words read so far already stand at the right distances.
            survivors = candidates.tolist()
            positions: dict[str, dict[int, list[int]]] = {}
            for text in sorted({text for text, _ in tokens}, key=lambda term: len(self.postings.get(fieldname, term)[0])):
                if self.deadline.expired():
                    survivors = []
                    break
                positions[text] = self.postings.positions(fieldname, text, np.asarray(survivors, dtype=np.int32))
                survivors = _sequence_docs(survivors, tokens, offsets, positions)
                if not survivors:
                    break
            hits = survivors
            if hits:
                hits = np.asarray(hits, dtype=np.int32)
                match.mask[hits] = True
                for text, _ in tokens:
                    docnums, scores = self.bm25(fieldname, text)
                    keep = np.isin(docnums, hits, assume_unique=True)
                    match.scores[docnums[keep]] += weight * scores[keep]
        return match

    def phrase(self, leaf: Leaf) -> Match | None:
        tokens, exact = leaf.stems, list(leaf.exact)
        if not tokens:
            return self.exact_sequence(exact) if exact else None
        match = self.with_variants(leaf)
        # The stemmed field only knows that *some* stop word sat in a gap; the
        # stored text says which.
        if len(exact) > len(tokens) and match.mask.any():
            # Documents lacking any of the exact forms cannot hold the phrase: only the rest are read.
            candidates = np.intersect1d(np.flatnonzero(match.mask), self.documents_with_all(EXACT_FIELD, exact),
                                        assume_unique=True)
            verified = self.texts.contains_sequence(candidates, exact, self.notices, self.deadline)
            match.mask[:] = False
            match.mask[candidates[verified]] = True
        return match

    def exact_sequence(self, terms: list[str]) -> Match:
        """Unstemmed words in order: candidates from the exact field, checked in the stored text."""
        match = self.empty()
        candidates = self.documents_with_all(EXACT_FIELD, terms)
        if len(candidates):
            verified = candidates[self.texts.contains_sequence(candidates, terms, self.notices, self.deadline)]
            match.mask[verified] = True
            for term in set(terms):
                docnums, scores = self.bm25(EXACT_FIELD, term)
                keep = np.isin(docnums, verified, assume_unique=True)
                match.scores[docnums[keep]] += scores[keep]
        return match

    def prefix(self, terms: tuple[str, ...]) -> Match | None:
        if not terms:
            return None
        match = self.empty()
        for term in self.postings.expand_prefix(EXACT_FIELD, terms[-1]):
            self._add(match, EXACT_FIELD, term, 1.0)
        return match


def _pairs_within(firsts, seconds, window: int) -> int:
    """How many positions in ``seconds`` follow one in ``firsts`` by 1 to ``window`` positions (both sorted)."""
    if not firsts or not seconds:
        return 0
    count = 0
    for position in seconds:
        index = bisect_left(firsts, position - window)
        if index < len(firsts) and firsts[index] < position:
            count += 1
    return count


def _sequence_docs(docnums: list[int], tokens, offsets: list[int], positions: dict) -> list[int]:
    """The documents where the tokens whose positions were read stand at their relative ``offsets``."""
    read = [(positions[text], offset) for (text, _), offset in zip(tokens, offsets) if text in positions]
    base = read[0][1]
    relative = [offset - base for _, offset in read]
    return [docnum for docnum in docnums
            if _has_sequence([found.get(docnum, ()) for found, _ in read], relative)]


def _has_sequence(position_lists: list, offsets: list[int]) -> bool:
    if any(not p for p in position_lists):
        return False
    others = [set(p) for p in position_lists[1:]]
    return any(all(start + offset in other for offset, other in zip(offsets[1:], others))
               for start in position_lists[0])


class StoredTexts:
    """Candidates' stored titles and bodies, checked for an exact word sequence.

    Normalizing a whole text gives, character for character, what the
    analyzer gives each of its words (tested), so the exact forms of a
    phrase stand in the normalized text as whole words separated by
    non-word characters: one regex search, not one analyzer call per word.
    """

    def __init__(self, table: DocTable, store):
        self.table = table
        self.store = store

    def contains_sequence(self, docnums: np.ndarray, terms: list[str], notices: list[Notice],
                          deadline: Deadline | None = None) -> np.ndarray:
        """Which of ``docnums`` hold ``terms`` (exact forms) in sequence; past ``MAX_TEXT_CHECKS`` or the
        deadline none, with a note."""
        keep = np.zeros(len(docnums), dtype=bool)
        if len(terms) == 1:
            # One word needs no sequence: the exact field's postings already say it is there.
            keep[:] = True
            return keep
        if len(docnums) > MAX_TEXT_CHECKS:
            notices.append(Notice(
                "phrase_check_limit",
                f"the phrase was checked in the first {MAX_TEXT_CHECKS} of {len(docnums)} candidates",
                {"checked": MAX_TEXT_CHECKS, "candidates": int(len(docnums))}))
        deadline = deadline or Deadline(None)
        docnums = docnums[:MAX_TEXT_CHECKS].tolist()
        table_ids = self.table.ids
        started = time.perf_counter()
        with ExitStack() as stack:
            giving_way = in_slow_lane = False
            slice_started = started
            for start in range(0, len(docnums), TEXT_CHECK_BATCH):
                now = time.perf_counter()
                elapsed_ms = (now - started) * 1000
                if not giving_way and elapsed_ms > min(YIELD_AFTER_MS, SLOW_AFTER_MS):
                    # From here on this thread's work is background work: it pauses for the others (and
                    # waits for the lane) without counting itself among them.
                    stack.enter_context(FOREGROUND.stepped_aside())
                    giving_way, slice_started = True, 0.0  # pause at once if others are running
                if not in_slow_lane and elapsed_ms > SLOW_AFTER_MS:
                    remaining = deadline.remaining()
                    if not SLOW_LANE.acquire(timeout=-1 if remaining is None else remaining):
                        deadline.expired()
                        break
                    stack.callback(SLOW_LANE.release)
                    in_slow_lane, slice_started = True, 0.0
                if giving_way and (now - slice_started) * 1000 >= SLOW_SLICE_MS:
                    if FOREGROUND.busy():
                        remaining = deadline.remaining()
                        pause = SLOW_PAUSE_MS / 1000.0
                        FOREGROUND.wait_until_idle(pause if remaining is None else min(pause, remaining))
                    slice_started = time.perf_counter()
                if deadline.expired():
                    break
                batch = [table_ids[d] for d in docnums[start: start + TEXT_CHECK_BATCH]]
                texts = {record.id: f"{record.title}\n{record.body}" for record in self.store.records(batch)}
                for i, id_ in enumerate(batch, start):
                    keep[i] = contains_words(normalize_with_digits(texts.get(id_, "")), terms)
        return keep


@lru_cache(maxsize=256)
def _sequence_pattern(terms: tuple[str, ...]) -> re.Pattern:
    # It starts with a literal (no look-behind), so the regex engine skips ahead to each candidate.
    return re.compile(r"\W+".join(map(re.escape, terms)) + r"(?!\w)")


def contains_words(normalized_text: str, terms) -> bool:
    """Whether ``terms`` (exact forms) stand in ``normalized_text`` as consecutive whole words."""
    terms = tuple(terms)
    if any(term not in normalized_text for term in terms):
        return False
    for found in _sequence_pattern(terms).finditer(normalized_text):
        start = found.start()
        if start == 0 or not _WORD_CHARACTER.match(normalized_text, start - 1):
            return True
    return False


_WORD_CHARACTER = re.compile(r"\w")
