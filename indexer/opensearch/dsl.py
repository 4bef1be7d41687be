"""A ``QueryPlan`` and ``Filters`` as OpenSearch Query DSL.

Leaves are sent as the terms Python's analysis gave them (``Leaf.stems``, ``Leaf.exact``,
``Leaf.variants``), not as text for the cluster to analyse: the index was analysed by the same
chain (``schema``), so a query reaches exactly the terms it reaches on the embedded index, whatever
the cluster's stemmer would make of a word it never indexed.  Multi-word sequences go through the
``fahras_terms`` analyzer, which splits on spaces and keeps a stop word's gap (``schema.GAP``).

The structure follows ``engine.Evaluator``: a leaf with nothing searchable (stop words only) is
left out; the top-level conjunction of plain words is "all words" up to
``Ranking.all_words_up_to`` words, with a best-match fallback, and "at least ``min_share``" past
that; BM25 in the title counts ``title_weight`` times; the exact form adds ``exact_weight``;
consecutive words near each other score as a ``match_phrase`` with slop (a should-clause over every
match, where the embedded backend rescores its best ``proximity_docs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from indexer.opensearch.schema import GAP, TERMS_ANALYZER
from indexer.search.engine import Ranking
from indexer.search.plan import EXACT, PHRASE, PREFIX, Filters, Leaf, QueryPlan, Token, positive_leaves
from indexer.search.query import And, Not, Or

MATCH_ALL = {"match_all": {}}
MATCH_NONE = {"match_none": {}}
TEXT_FIELDS = ("title", "body")


def _should(clauses: list[dict]) -> dict:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _sequence_text(tokens: tuple[Token, ...]) -> str:
    """Terms at their relative positions, a ``GAP`` where a stop word stood."""
    start = tokens[0][1]
    words = [GAP] * (tokens[-1][1] - start + 1)
    for term, position in tokens:
        words[position - start] = term
    return " ".join(words)


@dataclass
class TopLevel:
    """The top-level conjunction: its required and optional forms, when the best-match fallback applies."""

    #: Every positive child required (or the only form when no fallback applies).
    strict: dict
    #: At least ``needed`` of the positives, when "auto" may fall back to it.
    fallback: dict | None
    words: int
    needed: int


class Translator:
    def __init__(self, ranking: Ranking):
        self.ranking = ranking

    # -- leaves

    def _per_field(self, make, weights) -> dict:
        return _should([make(field, weight) for field, weight in weights])

    def _text_weights(self, suffix: str = "") -> list[tuple[str, float]]:
        return [(f"title{suffix}", self.ranking.title_weight), (f"body{suffix}", 1.0)]

    def term(self, term: str, suffix: str = "", weight: float = 1.0) -> dict:
        return self._per_field(
            lambda field, boost: {"term": {field: {"value": term, "boost": boost * weight}}},
            self._text_weights(suffix))

    def sequence(self, tokens: tuple[Token, ...], suffix: str = "") -> dict:
        if len(tokens) == 1:
            return self.term(tokens[0][0], suffix)
        text = _sequence_text(tokens)
        return self._per_field(
            lambda field, boost: {"match_phrase": {field: {"query": text, "analyzer": TERMS_ANALYZER,
                                                           "boost": boost}}},
            self._text_weights(suffix))

    def exact_sequence(self, terms: tuple[str, ...]) -> dict:
        return self.sequence(tuple((term, i) for i, term in enumerate(terms)), ".exact")

    def with_variants(self, leaf: Leaf) -> dict:
        return _should([self.sequence(leaf.stems), *(self.sequence(tuple(alt)) for alt in leaf.variants)])

    def leaf(self, leaf: Leaf) -> dict | None:
        """The leaf's query, or None when it has nothing searchable."""
        if leaf.kind == PREFIX:
            if not leaf.exact:
                return None
            prefix = leaf.exact[-1]
            return _should([{"prefix": {field: {"value": prefix}}} for field in ("title.exact", "body.exact")])
        if leaf.kind == EXACT:
            if not leaf.exact:
                return None
            if len(leaf.exact) > 1:
                return self.exact_sequence(leaf.exact)
            return self.term(leaf.exact[0], ".exact")
        if leaf.kind == PHRASE or len(leaf.stems) > 1:
            return self.phrase(leaf)
        if not leaf.stems:
            return None
        query = self.with_variants(leaf)
        if leaf.exact and self.ranking.exact_weight:
            # The form as typed only adds to the score; the stems decide what matches.
            query = {"bool": {"must": [query],
                              "should": [self.term(leaf.exact[0], ".exact", self.ranking.exact_weight)]}}
        return query

    def phrase(self, leaf: Leaf) -> dict | None:
        if not leaf.stems:
            return self.exact_sequence(leaf.exact) if leaf.exact else None
        query = self.with_variants(leaf)
        if len(leaf.exact) > len(leaf.stems):
            # The stemmed field only knows that *some* stop word sat in a gap; the exact one says which.
            query = {"bool": {"must": [query], "filter": [self.exact_sequence(leaf.exact)]}}
        return query

    # -- the tree

    def node(self, node) -> dict | None:
        if isinstance(node, Leaf):
            return self.leaf(node)
        if isinstance(node, Not):
            child = self.node(node.child)
            return None if child is None else {"bool": {"must": [MATCH_ALL], "must_not": [child]}}
        if isinstance(node, Or):
            parts = [part for part in map(self.node, node.children) if part is not None]
            return _should(parts) if parts else None
        if isinstance(node, And):
            return self.conjunction(node.children, plain=False).strict
        raise TypeError(f"unknown query node {node!r}")

    def conjunction(self, children, plain: bool) -> TopLevel | None:
        positives, negatives = [], []
        for child in children:
            part = self.node(child.child if isinstance(child, Not) else child)
            if part is not None:
                (negatives if isinstance(child, Not) else positives).append(part)
        if not positives and not negatives:
            return None
        must = positives or [MATCH_ALL]
        strict = {"bool": {"must": must, "must_not": negatives}} if negatives or len(must) > 1 else must[0]
        ranking = self.ranking
        mode = ranking.match
        if len(positives) <= ranking.all_words_up_to and mode == "any":
            mode = "auto"
        needed = max(1, math.ceil(ranking.min_share * len(positives)))
        fallback = None
        if plain and len(positives) > 1 and mode != "all":
            fallback = {"bool": {"should": positives, "minimum_should_match": needed, "must_not": negatives}}
            if mode == "any":
                strict, fallback = fallback, None
        proximity = self.proximity(children) if plain else None
        if proximity is not None:
            strict = {"bool": {"must": [strict], "should": proximity}}
            fallback = fallback and {"bool": {"must": [fallback], "should": proximity}}
        return TopLevel(strict, fallback, len(positives), needed)

    def top_level(self, plan: QueryPlan) -> TopLevel | None:
        """The plan's query (``match_all`` for an empty plan), or None when it has only stop words."""
        if plan.is_empty:
            return TopLevel(MATCH_ALL, None, 0, 0)
        return self.conjunction(plan.top_level, plain=True)

    def proximity(self, children) -> list[dict] | None:
        """Consecutive plain words near each other, as should-clauses of ``match_phrase`` with slop."""
        if not self.ranking.proximity_weight:
            return None
        words = [child.single_stem for child in children if isinstance(child, Leaf)]
        words = [word for word in words if word is not None]
        pairs = [(first, second) for first, second in zip(words, words[1:]) if first != second]
        return [
            {"match_phrase": {"body": {"query": f"{first} {second}", "analyzer": TERMS_ANALYZER,
                                       "slop": self.ranking.proximity_window - 1,
                                       "boost": self.ranking.proximity_weight}}}
            for first, second in pairs] or None

    def highlight_query(self, plan: QueryPlan) -> dict | None:
        """What the highlighter marks: every positive leaf but phrases, wherever it occurs (the backend
        marks a phrase whole where it stands, which the highlighter cannot say)."""
        leaves = [leaf for leaf in positive_leaves(plan.tree)
                  if not (leaf.kind == PHRASE and len(leaf.exact) > 1 or len(leaf.stems) > 1)]
        parts = [part for part in map(self.leaf, leaves) if part is not None]
        return {"bool": {"should": parts}} if parts else None


# --- filters and facets ----------------------------------------------------------------------


def selections(filters: Filters) -> dict[str, dict]:
    """Each facet's own selection as a filter clause (facets without one are left out)."""
    chosen = {}
    if filters.sources:
        chosen["source"] = {"terms": {"source": list(filters.sources)}}
    if filters.actors:
        chosen["actor"] = {"terms": {"actors": list(filters.actors)}}
    if filters.since or filters.until:
        bounds = {}
        if filters.since:
            bounds["gte"] = filters.since.isoformat()
        if filters.until:
            bounds["lte"] = filters.until.isoformat()
        chosen["date"] = {"range": {"date": bounds}}
    return chosen


def exclusions(filters: Filters) -> list[dict]:
    excluded = []
    if filters.exclude_sources:
        excluded.append({"terms": {"source": list(filters.exclude_sources)}})
    if filters.exclude_actors:
        excluded.append({"terms": {"actors": list(filters.exclude_actors)}})
    return excluded


def restricted(query: dict, filters: Filters, *, ignoring: str | None = None, selections_too: bool = True) -> dict:
    """``query`` without the excluded documents and (unless ``selections_too`` is false) within every
    selection except facet ``ignoring``'s."""
    clauses = [clause for name, clause in selections(filters).items() if name != ignoring] if selections_too else []
    excluded = exclusions(filters)
    if not clauses and not excluded:
        return query
    return {"bool": {"must": [query], "filter": clauses, "must_not": excluded}}


def selection_filter(filters: Filters, ignoring: str | None = None) -> dict:
    clauses = [clause for name, clause in selections(filters).items() if name != ignoring]
    return {"bool": {"filter": clauses}} if clauses else MATCH_ALL
