"""A query analysed once: the plan that matching, scoring, proximity and highlighting all read.

``parse_query`` gives the tree of what the user typed; ``QueryAnalyzer.plan``
replaces each word or phrase by a ``Leaf`` that carries everything the index's
analysis says about it (stems with positions, exact forms, spelling variants),
so no later step analyses the query again.  ``Filters.parse`` reads the
source/actor/date filters once, validated, into one value that matching and
facet counting share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from indexer.errors import QueryError
from indexer.models import Notice
from indexer.records import ACTOR_TYPES
from indexer.search.highlight import MatchTerms, PhrasePattern
from indexer.search.query import And, Not, Or, ParsedQuery, Phrase, Word, parse_query
from indexer.text import analysis
from indexer.text.stopwords import ARABIC_STOPWORDS
from indexer.text.variants import VariantTable

#: ``Leaf.kind`` values.
WORD, EXACT, PREFIX, PHRASE = "word", "exact", "prefix", "phrase"

#: A stemmed token: the index term and its position (stop words leave gaps).
Token = tuple[str, int]


@dataclass(frozen=True)
class Leaf:
    """One word or phrase of the query with its analysis."""

    kind: str
    #: What the user typed (without ``=``, ``*`` or quotes): a backend that analyses by itself reads this.
    text: str
    #: The stemmed analysis, stop words dropped, with positions.
    stems: tuple[Token, ...] = ()
    #: The unstemmed analysis (normalized, stop words kept).
    exact: tuple[str, ...] = ()
    #: Other spellings of ``stems`` from the variant table, each a token sequence.
    variants: tuple[tuple[Token, ...], ...] = ()

    @property
    def single_stem(self) -> str | None:
        """The term of a plain one-word leaf (what proximity pairs are made of), else None."""
        if self.kind == WORD and len(self.stems) == 1:
            return self.stems[0][0]
        return None


@dataclass(frozen=True)
class QueryPlan:
    """A parsed and analysed query."""

    text: str
    #: The query tree with ``Leaf`` leaves (``And``/``Or``/``Not`` as parsed), or None for an empty query.
    tree: object | None
    #: Notes from reading the query (cut, too many words).
    notices: tuple[Notice, ...]
    #: What highlighting marks: the stems, exact forms and prefixes of the positive leaves.
    match_terms: MatchTerms
    #: Phrases whose words must stand in sequence, as exact forms (for phrase-true highlights).
    phrases: tuple[tuple[str, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.tree is None

    @property
    def top_level(self) -> list:
        """The children of the top-level conjunction (a one-element list for any other root)."""
        if self.tree is None:
            return []
        return list(self.tree.children) if isinstance(self.tree, And) else [self.tree]


class QueryAnalyzer:
    """The index's analysis for queries: its stemmer, its stop words and its variant table."""

    def __init__(self, stemmer: str = analysis.DEFAULT_STEMMER, stopwords: bool = True):
        self.stemmer = stemmer
        self.stopwords = stopwords
        self._stemmed = analysis.arabic_analyzer(stemmer=stemmer, stopwords=stopwords)
        self._exact = analysis.exact_analyzer()
        self._variants = VariantTable.load(self.stemmed_tokens)

    def stemmed_tokens(self, text: str) -> list[Token]:
        return [(token.text, token.pos) for token in self._stemmed(text, positions=True)]

    def exact_terms(self, text: str) -> list[str]:
        return [token.text for token in self._exact(text)]

    def leaf(self, node) -> Leaf:
        """Analyse one parsed word or phrase."""
        if isinstance(node, Phrase):
            kind = PHRASE
        elif node.prefix:
            kind = PREFIX
        elif node.exact:
            kind = EXACT
        else:
            kind = WORD
        exact = tuple(self.exact_terms(node.text))
        if kind in (PREFIX, EXACT):
            return Leaf(kind, node.text, exact=exact)
        stems = tuple(self.stemmed_tokens(node.text))
        variants = tuple(tuple(alternative) for alternative in
                         self._variants.alternatives(tuple(term for term, _ in stems))) if stems else ()
        return Leaf(kind, node.text, stems=stems, exact=exact, variants=variants)

    def plan(self, parsed: ParsedQuery | str) -> QueryPlan:
        """The plan of a query string or of an already parsed query."""
        if isinstance(parsed, str):
            parsed = parse_query(parsed)
        tree = self._analyse(parsed.tree)
        leaves = positive_leaves(tree)
        return QueryPlan(
            text=parsed.text,
            tree=tree,
            notices=tuple(parsed.notices),
            match_terms=self._match_terms(leaves),
            phrases=tuple(leaf.exact for leaf in leaves if leaf.kind == PHRASE and len(leaf.exact) > 1),
        )

    def _analyse(self, node):
        if node is None:
            return None
        if isinstance(node, (Word, Phrase)):
            return self.leaf(node)
        if isinstance(node, Not):
            return Not(self._analyse(node.child))
        return type(node)([self._analyse(child) for child in node.children])

    def _match_terms(self, leaves: list[Leaf]) -> MatchTerms:
        terms = MatchTerms(self.stemmer, stopwords=ARABIC_STOPWORDS if self.stopwords else frozenset())
        prefixes, phrases = [], []
        for leaf in leaves:
            if leaf.kind == PREFIX:
                prefixes.extend(leaf.exact[-1:])
            elif leaf.kind == EXACT:
                terms.exact.update(leaf.exact)
            elif len(leaf.exact) > 1 and leaf.kind == PHRASE or len(leaf.stems) > 1:
                phrases.extend(phrase_patterns(leaf))
            elif not leaf.stems:  # a one-word phrase of a stop word: that word as written
                terms.exact.update(leaf.exact)
            else:
                terms.stems.update(term for term, _ in leaf.stems)
                for alternative in leaf.variants:
                    terms.stems.update(term for term, _ in alternative)
                if leaf.kind == WORD:
                    terms.exact.update(leaf.exact)
        terms.prefixes = tuple(prefixes)
        terms.phrases = tuple(dict.fromkeys(phrases))
        return terms


def phrase_patterns(leaf: Leaf) -> list[PhrasePattern]:
    """What highlighting marks for a phrase: its words in order, and each variant spelling of it.

    The stemmed analysis keeps a stop word's position, so position ``j`` of
    the phrase is a stem, or the stop word ``leaf.exact[j]``.  A variant
    spelling's own stop words are unknown: any stop word stands there.
    """
    patterns = []
    for tokens, exact in ((leaf.stems, leaf.exact), *((alternative, None) for alternative in leaf.variants)):
        if not tokens:
            continue
        first = tokens[0][1] if exact is None else 0
        length = (len(exact) if exact is not None else tokens[-1][1] - first + 1)
        slots: list[tuple[str | None, str | None]] = [
            (None, exact[j] if exact is not None and j < len(exact) else None) for j in range(length)]
        for term, position in tokens:
            if 0 <= position - first < length:
                slots[position - first] = (term, None)
        patterns.append(PhrasePattern(tuple(slots)))
    return patterns


def positive_leaves(node) -> list[Leaf]:
    """The leaves a query looks for (not under a NOT): what highlights mark."""
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in positive_leaves(child)]
    if isinstance(node, Not) or node is None:
        return []
    return [node]


# --- filters -----------------------------------------------------------------------------


def parse_day(value, name: str) -> dt.date | None:
    """A ``since``/``until`` value (date, datetime or ISO string) as a date."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise QueryError(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None


def parse_actor_type(value) -> str | None:
    """An actor type (``person``, ``organisation``, ``place``; any case), None for none; else a ``QueryError``."""
    if value is None or str(value).strip() == "":
        return None
    wanted = str(value).strip().lower()
    if wanted not in ACTOR_TYPES:
        raise QueryError(f"actor type must be one of {', '.join(ACTOR_TYPES)}, not {str(value)[:40]!r}",
                         code="bad_actor_type", params={"value": str(value)[:40]})
    return wanted


def _values(values) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(v for v in (values or ()) if v))


@dataclass(frozen=True)
class Filters:
    """What a search is restricted to.  Values of one facet combine with OR, facets with AND."""

    sources: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()
    exclude_actors: tuple[str, ...] = ()
    #: Inclusive date range.
    since: dt.date | None = None
    until: dt.date | None = None
    #: The actor facet lists only actors of this type (``ACTOR_TYPES``), counting the documents that name
    #: them as that type; the documents themselves are not filtered (``actors`` filters them).
    actor_type: str | None = None

    @classmethod
    def parse(cls, sources=(), actors=(), since=None, until=None, exclude_sources=(), exclude_actors=(),
              actor_type=None) -> Filters:
        """Validated filters from API or URL values; a bad date, an inverted range or an unknown actor
        type is a ``QueryError``."""
        first, last = parse_day(since, "since"), parse_day(until, "until")
        if first is not None and last is not None and first > last:
            raise QueryError(f"since ({first.isoformat()}) is after until ({last.isoformat()}): "
                             f"no date can be in that range", code="inverted_range",
                             params={"since": first.isoformat(), "until": last.isoformat()})
        return cls(_values(sources), _values(actors), _values(exclude_sources), _values(exclude_actors), first, last,
                   parse_actor_type(actor_type))

    @property
    def selected(self) -> dict[str, tuple[str, ...]]:
        """The selected values of each facet that has them (the date facet's selection is the range)."""
        return {"source": self.sources, "actor": self.actors}


@dataclass(frozen=True)
class SearchRequest:
    """Everything a backend needs to answer one search."""

    plan: QueryPlan
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    facet_limit: int = 10
    #: ``engine.Ranking`` overriding the index's own, or None.
    ranking: object | None = None
    facets: bool = True
    #: Time budget in milliseconds: past it the slow steps stop and a ``time_budget`` notice says the
    #: result may miss matches.  None: no limit.
    budget_ms: float | None = None
