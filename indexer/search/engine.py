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
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.system import emptybytes

from indexer.search.query import And, Not, Or, Phrase, Word
from indexer.storage.schema import EXACT_FIELD, TEXT_FIELDS

#: Postings kept in memory across queries, in bytes (docnums + frequencies).
POSTINGS_CACHE_BYTES = 96 << 20
#: How many indexed words a ``prefix*`` may expand to (the most frequent win).
MAX_PREFIX_TERMS = 200
#: How many candidate words to look at before choosing the most frequent.
MAX_PREFIX_SCAN = 20000
MATCH_MODES = ("all", "auto", "any")


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


# --- per-generation document arrays ---------------------------------------------------


def _length_table() -> np.ndarray:
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


class DocTable:
    """Per-document values by Whoosh document number, for scoring, filters and facets."""

    def __init__(self, reader, store):
        self.size = reader.doc_count_all()
        size = self.size
        self.live = np.zeros(size, dtype=bool)
        self.ids: list[str | None] = [None] * size
        lengths = {name: np.zeros(size, dtype=np.float32) for name in (*TEXT_FIELDS, EXACT_FIELD)}
        table = _length_table()
        for segment, offset in reader.leaf_readers():
            for docnum, stored in segment.iter_docs():
                self.ids[offset + docnum] = stored["id"]
                self.live[offset + docnum] = True
            count = segment.doc_count_all()
            for name, array in lengths.items():
                array[offset: offset + count] = table[_length_bytes(segment, name, count)]
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
        self._load_facet_values(store)

    def _load_facet_values(self, store) -> None:
        size = self.size
        self.source_ord = np.full(size, -1, dtype=np.int32)
        self.day = np.full(size, -1, dtype=np.int32)
        sources: dict[str, int] = {}
        actors: dict[str, int] = {}
        actor_lists: list[list[int]] = [[] for _ in range(size)]
        docnum_of = self.docnum_of
        for id_, source, day, actor_names in store.facet_rows():
            docnum = docnum_of.get(id_)
            if docnum is None:
                continue
            if source:
                self.source_ord[docnum] = sources.setdefault(source, len(sources))
            if day is not None:
                self.day[docnum] = day
            if actor_names:
                actor_lists[docnum] = [actors.setdefault(a, len(actors)) for a in actor_names]
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


def _alphabetical_rank(names: list[str]) -> np.ndarray:
    rank = np.zeros(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return rank


def _length_bytes(segment, fieldname: str, count: int) -> np.ndarray:
    """The one-byte encoded field lengths of a segment's documents."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    perdoc = segment._perdoc
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if reader is None:
        return np.zeros(count, dtype=np.uint8)
    return np.fromiter((reader[i] for i in range(count)), dtype=np.uint8, count=count)


# --- postings --------------------------------------------------------------------------


_EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def _leaf_postings(segment, fieldname: str, term: str):
    """The raw postings matcher of a segment's term: deleted documents are masked later by ``DocTable.live``."""
    matcher = segment.postings(fieldname, term)
    if not isinstance(matcher, W3LeafMatcher) and isinstance(getattr(matcher, "child", None), W3LeafMatcher):
        # A FilterMatcher that skips deletions one posting at a time (and has already moved its child).
        matcher = matcher.child
        matcher.reset()
    return matcher


def _matcher_arrays(matcher, offset: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(matcher, W3LeafMatcher):
        ids, weights = [], []
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int32))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if not ids:
            return _EMPTY
        return np.concatenate(ids) + offset, np.concatenate(weights)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int32) + offset, np.asarray(weights, dtype=np.float32)


class Postings:
    """A term's postings as numpy arrays, read once per index generation."""

    def __init__(self, reader):
        self.reader = reader
        self.leaves = reader.leaf_readers()
        self._cache: OrderedDict = OrderedDict()
        self._cached_bytes = 0

    def get(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (fieldname, term)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        parts = []
        for segment, offset in self.leaves:
            if (fieldname, term) in segment:
                parts.append(_matcher_arrays(_leaf_postings(segment, fieldname, term), offset))
        if not parts:
            result = _EMPTY
        elif len(parts) == 1:
            result = parts[0]
        else:
            result = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
        self._remember(key, result)
        return result

    def _remember(self, key, value) -> None:
        size = value[0].nbytes + value[1].nbytes
        self._cache[key] = value
        self._cached_bytes += size
        while self._cached_bytes > POSTINGS_CACHE_BYTES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cached_bytes -= old[0].nbytes + old[1].nbytes

    def positions(self, fieldname: str, term: str, docnums: np.ndarray) -> dict[int, list[int]]:
        """Positions of ``term`` in each of ``docnums`` (sorted) that contains it."""
        found: dict[int, list[int]] = {}
        for segment, offset in self.leaves:
            count = segment.doc_count_all()
            local = docnums[(docnums >= offset) & (docnums < offset + count)] - offset
            if not len(local) or (fieldname, term) not in segment:
                continue
            matcher = _leaf_postings(segment, fieldname, term)
            decode = self.reader.schema[fieldname].format.decoder("positions")
            if isinstance(matcher, W3LeafMatcher):
                # A block whose last id is below the next wanted document is skipped
                # unread: its header says so (a frequent word has thousands of blocks).
                next_wanted = 0
                while matcher.is_active() and next_wanted < len(local):
                    if matcher._maxid < local[next_wanted]:
                        matcher._next_block()
                        continue
                    block_end = int(np.searchsorted(local, matcher._maxid, side="right"))
                    matcher._read_ids()
                    block_ids = np.asarray(matcher._ids)
                    hits = np.flatnonzero(np.isin(block_ids, local[next_wanted:block_end], assume_unique=True))
                    if len(hits):
                        matcher._read_values()
                        for i in hits:
                            found[int(block_ids[i]) + offset] = decode(matcher._values[i])
                    next_wanted = block_end
                    matcher._next_block()
            else:
                wanted = set(local.tolist())
                while matcher.is_active():
                    if matcher.id() in wanted:
                        found[matcher.id() + offset] = decode(matcher.value() or emptybytes)
                    matcher.next()
        return found

    def expand_prefix(self, fieldname: str, prefix: str) -> list[str]:
        """The most frequent indexed words of ``fieldname`` that start with ``prefix``."""
        frequencies: dict[str, int] = {}
        for segment, _offset in self.leaves:
            for scanned, term in enumerate(segment.expand_prefix(fieldname, prefix)):
                if scanned >= MAX_PREFIX_SCAN:
                    break
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                frequencies[text] = frequencies.get(text, 0) + segment.doc_frequency(fieldname, term)
        ranked = sorted(frequencies, key=frequencies.get, reverse=True)
        return ranked[:MAX_PREFIX_TERMS]


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class Match:
    mask: np.ndarray
    scores: np.ndarray


class Evaluator:
    """Evaluates a query tree against one index generation."""

    def __init__(self, table: DocTable, postings: Postings, analysis, ranking: Ranking, phrase_checker,
                 filter_mask: np.ndarray):
        self.table = table
        #: Documents the filters allow: "auto" matching asks whether all words meet there.
        self.filter_mask = filter_mask
        self.postings = postings
        #: ``indexer.search.index.QueryAnalysis``: stemmed and exact analysis, variants.
        self.analysis = analysis
        self.ranking = ranking
        #: ``(docnums, exact_terms) -> mask`` checking stop words of a phrase in the stored text.
        self.phrase_checker = phrase_checker
        self.notes: list[str] = []

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
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase_text(node.text)
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
                self.notes.append(f"no document has all {len(positives)} words: showing those with at least {needed}")
        for negative in negatives:
            mask = mask & ~negative.mask
        if plain and self.ranking.proximity_weight:
            words = [self._plain_term(child) for child in children]
            self.add_proximity([term for term in words if term is not None], mask & self.filter_mask, scores)
        return Match(mask, scores)

    def _plain_term(self, node) -> str | None:
        """The stemmed term of a plain one-word query node, else None."""
        if not isinstance(node, Word) or node.prefix or node.exact:
            return None
        tokens = self.analysis.stemmed_tokens(node.text)
        return tokens[0][0] if len(tokens) == 1 else None

    def add_proximity(self, terms: list[str], mask: np.ndarray, scores: np.ndarray) -> None:
        """Add ``Ranking.proximity_weight`` x the pair score of consecutive ``terms`` to the best documents."""
        pairs = [(first, second) for first, second in zip(terms, terms[1:]) if first != second]
        candidates = np.flatnonzero(mask)
        if not pairs or not len(candidates):
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

    def word(self, word: Word) -> Match | None:
        analysis = self.analysis
        if word.prefix:
            return self.prefix(word.text)
        if word.exact:
            terms = analysis.exact_terms(word.text)
            if not terms:
                return None
            if len(terms) > 1:
                return self.exact_sequence(terms)
            match = self.empty()
            self._add(match, EXACT_FIELD, terms[0], 1.0 + self.ranking.title_weight)
            return match
        tokens = analysis.stemmed_tokens(word.text)
        if not tokens:
            return None
        if len(tokens) > 1:
            return self.phrase_text(word.text)
        match = self.with_variants(tokens)
        for exact in analysis.exact_terms(word.text)[:1]:
            self._add(match, EXACT_FIELD, exact, self.ranking.exact_weight, mark=False)
        return match

    def with_variants(self, tokens: list[tuple[str, int]]) -> Match:
        """A term or positional sequence, OR the other spellings of its variant group."""
        terms = tuple(text for text, _ in tokens)
        match = self.sequence(tokens)
        for alternative in self.analysis.variants(terms):
            other = self.sequence(alternative)
            match.mask |= other.mask
            match.scores += other.scores
        return match

    def sequence(self, tokens: list[tuple[str, int]]) -> Match:
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
            positions = [self.postings.positions(fieldname, text, candidates) for text, _ in tokens]
            hits = [
                docnum
                for docnum in candidates.tolist()
                if _has_sequence([p.get(docnum, ()) for p in positions], offsets)
            ]
            if hits:
                hits = np.asarray(hits, dtype=np.int32)
                match.mask[hits] = True
                for text, _ in tokens:
                    docnums, scores = self.bm25(fieldname, text)
                    keep = np.isin(docnums, hits, assume_unique=True)
                    match.scores[docnums[keep]] += weight * scores[keep]
        return match

    def phrase_text(self, text: str) -> Match | None:
        analysis = self.analysis
        tokens = analysis.stemmed_tokens(text)
        exact = analysis.exact_terms(text)
        if not tokens:
            return self.exact_sequence(exact) if exact else None
        match = self.with_variants(tokens)
        # The stemmed field only knows that *some* stop word sat in a gap; the
        # stored text says which.
        if len(exact) > len(tokens) and match.mask.any():
            candidates = np.flatnonzero(match.mask)
            verified = self.phrase_checker(candidates, exact)
            match.mask[:] = False
            match.mask[candidates[verified]] = True
        return match

    def exact_sequence(self, terms: list[str]) -> Match:
        """Unstemmed words in order: candidates from the exact field, checked in the stored text."""
        match = self.empty()
        candidates = self.documents_with_all(EXACT_FIELD, terms)
        if len(candidates):
            verified = candidates[self.phrase_checker(candidates, terms)]
            match.mask[verified] = True
            for term in set(terms):
                docnums, scores = self.bm25(EXACT_FIELD, term)
                keep = np.isin(docnums, verified, assume_unique=True)
                match.scores[docnums[keep]] += scores[keep]
        return match

    def prefix(self, text: str) -> Match | None:
        terms = self.analysis.exact_terms(text)
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


def _has_sequence(position_lists: list, offsets: list[int]) -> bool:
    if any(not p for p in position_lists):
        return False
    others = [set(p) for p in position_lists[1:]]
    return any(all(start + offset in other for offset, other in zip(offsets[1:], others))
               for start in position_lists[0])
