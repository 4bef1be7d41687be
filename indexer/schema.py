"""The Whoosh schema of a Fahras index and the version stamped into it.

Whoosh holds only what matching needs: the analyzed title and body (stemmed,
with positions for phrases), one unstemmed ``exact`` field over both, the
facet fields and the record id.  Bulky stored text (body, original) lives in
the compressed side store (``store.py``) so that the Whoosh writer never
copies it.

Text fields are ``PreAnalyzedText``: they accept either a string (analyzed by
the field's analyzer) or a list of already analyzed posting tuples, passed
through untouched.  Index building analyzes in its worker processes, each
writing its own segments (``index.py``, ``segments.py``), so only strings are
passed today; the class name is pickled into existing indexes and stays.

When a field's analyzer is exactly the chain ``analysis.arabic_analyzer``
builds and its format is plain ``Positions`` or ``Frequency``, ``index`` runs
the chain as one loop over the words (same caches, same terms, positions and
encoded values as the Whoosh token stream) instead of a generator stage and a
``Token`` update per word and filter: that stream was most of the build time
once the segment writer stopped being the bottleneck.
"""

from __future__ import annotations

import pickle

from whoosh import fields, formats
from whoosh.analysis import StopFilter
from whoosh.system import pack_uint

from indexer import analysis
from indexer.normalize import normalize_with_digits
from indexer.stemming import STEM_CACHES, STEM_FUNCTIONS

#: Bump when the fields, their analysis or the side store change shape.
SCHEMA_VERSION = 1

TEXT_FIELDS = ("title", "body")
EXACT_FIELD = "exact"


class PreAnalyzedText(fields.TEXT):
    """A TEXT field that also accepts already analyzed postings.

    A list of ``(term_bytes, frequency, weight, encoded_value)`` tuples is
    passed through untouched; anything else goes through the analyzer.
    """

    def index(self, value, **kwargs):
        if isinstance(value, list) and (not value or isinstance(value[0], tuple)):
            return iter(value)
        if isinstance(value, str) and not kwargs and type(self.format) in _FUSED_FORMATS:
            chain = fused_chain(self.analyzer)
            if chain is not None:
                return iter(fused_postings(value, chain, self.format))
        return super().index(value, **kwargs)


#: Formats whose posting values ``fused_postings`` encodes (subclasses encode differently).
_FUSED_FORMATS = (formats.Positions, formats.Frequency)
#: Whoosh's pickle protocol for position lists (``Positions.encode``).
_POSITIONS_PICKLE_PROTOCOL = 2


def fused_chain(analyzer) -> tuple | None:
    """``(stop words or None, stemmer name or None)`` if ``analyzer`` is our chain, else None.

    Only chains ``arabic_analyzer`` builds qualify: the tokenizer, the
    normalizer, optionally Whoosh's stop filter with our settings (no minimum
    beyond one character, no maximum, positions not renumbered), optionally
    the stemmer.
    """
    items = list(getattr(analyzer, "items", ()))
    if len(items) < 2 or type(items[0]) is not analysis.ArabicTokenizer:
        return None
    if type(items[1]) is not analysis.ArabicNormalizeFilter:
        return None
    rest = items[2:]
    stops = None
    if rest and type(rest[0]) is StopFilter:
        stop = rest.pop(0)
        if (stop.min, stop.max, stop.renumber) != (1, None, False):
            return None
        stops = stop.stops
    stemmer = None
    if rest and type(rest[0]) is analysis.ArabicStemFilter:
        stemmer = rest.pop(0).stemmer
    return None if rest else (stops, stemmer)


def fused_postings(text: str, chain: tuple, format_) -> list[tuple]:
    """What ``TEXT.index`` yields for ``text`` (in another term order), computed in one loop."""
    stops, stemmer = chain
    normalized_cache = analysis.NORMALIZED_CACHE
    stem = STEM_FUNCTIONS[stemmer] if stemmer else None
    stem_cache = STEM_CACHES[stemmer] if stemmer else None
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(analysis.WORD_PATTERN.findall(text)):
        term = normalized_cache.get(word)
        if term is None:
            term = normalized_cache[word] = normalize_with_digits(word)
        # The stop filter also drops terms shorter than its one-character minimum.
        if stops is not None and (not term or term in stops):
            continue
        if stem is not None:
            stemmed = stem_cache.get(term)
            if stemmed is None:
                stemmed = stem_cache[term] = stem(term)
            term = stemmed
        found = positions.get(term)
        if found is None:
            positions[term] = [position]
        else:
            found.append(position)
    boost = format_.field_boost
    if type(format_) is formats.Frequency:
        return [(term.encode("utf-8"), len(found), len(found) * boost, pack_uint(len(found)))
                for term, found in positions.items()]
    return [
        (term.encode("utf-8"), len(found), float(len(found)) * boost,
         pack_uint(len(found)) + pickle.dumps(_deltas(found), _POSITIONS_PICKLE_PROTOCOL))
        for term, found in positions.items()
    ]


def _deltas(positions: list[int]) -> list[int]:
    return [positions[0], *(later - earlier for earlier, later in zip(positions, positions[1:]))]


def build_schema(stemmer: str = analysis.DEFAULT_STEMMER, stopwords: bool = True) -> fields.Schema:
    """The schema for one index; the analyzer choice is fixed at build time."""
    stemmed = analysis.arabic_analyzer(stemmer=stemmer, stopwords=stopwords)
    return fields.Schema(
        # Path, URL and content hash live in the side store: a unique term per
        # document costs a posting list each for no search need.
        id=fields.ID(stored=True, unique=True),
        title=PreAnalyzedText(analyzer=stemmed, phrase=True),
        body=PreAnalyzedText(analyzer=stemmed, phrase=True),
        # Frequencies only: exact-form phrases are not offered, and positions
        # here would add a third of the index size.
        exact=PreAnalyzedText(analyzer=analysis.exact_analyzer(), phrase=False),
        source=fields.ID,
        actors=fields.KEYWORD(commas=True, scorable=False),
        date=fields.DATETIME(sortable=True),
    )
