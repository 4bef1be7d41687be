"""The Whoosh schema of a Fahras index and the version stamped into it.

Whoosh holds only what matching needs: the analyzed title and body (stemmed,
with positions for phrases), one unstemmed ``exact`` field over both, the
facet fields and the record id.  Bulky stored text (body, original) lives in
the compressed side store (``store.py``) so that the Whoosh writer never
copies it.

Posting values use two formats of our own, both read by Whoosh's ordinary
matchers: ``CompactPositions`` (positions as variable-length deltas: one
byte for most, where Whoosh's ``Positions`` spends a 4-byte frequency and a
pickled list) and ``FrequencyInWeight`` (no value at all: the frequency is
the posting's weight, which W3 blocks store anyway).  Together with the
compact blocks ``segments.py`` writes they take the postings to a third of
their size in Whoosh's own encoding.

Text fields are ``PreAnalyzedText``: they accept either a string (analyzed by
the field's analyzer) or a list of already analyzed posting tuples, passed
through untouched.  Index building analyzes in its worker processes, each
writing its own segments (``index.py``, ``segments.py``), so only strings are
passed today; the class name is pickled into existing indexes and stays.

When a field's analyzer is our ``analysis.ArabicAnalyzer`` and its format is
``CompactPositions`` or ``FrequencyInWeight``, ``index`` counts the postings
with the chain's ``term_positions`` (the same chain, cache, terms and
positions as the Whoosh token stream, which is derived from it) instead of a
``Token`` update per word: that stream was most of the build time once the
segment writer stopped being the bottleneck.
"""

from __future__ import annotations

from collections import Counter

from whoosh import fields, formats
from whoosh.system import emptybytes

from indexer.text import analysis

#: Bump when the fields, their analysis or the side store change shape.
#: 2: compact posting formats, blocks and side store (zstd with a dictionary).
#: 3: analyzer, schema and format classes moved to indexer.text and indexer.storage (Whoosh pickles
#:    their import paths into the index).
SCHEMA_VERSION = 3

TEXT_FIELDS = ("title", "body")
EXACT_FIELD = "exact"


_VARINT_MORE = 0x80
_VARINT_BITS = 0x7F


def encode_position_deltas(positions) -> bytes:
    """Ascending positions as LEB128 varints of their gaps (the first from 0)."""
    encoded = bytearray()
    previous = 0
    for position in positions:
        gap = position - previous
        previous = position
        while gap > _VARINT_BITS:
            encoded.append((gap & _VARINT_BITS) | _VARINT_MORE)
            gap >>= 7
        encoded.append(gap)
    return bytes(encoded)


def decode_position_deltas(encoded: bytes) -> list[int]:
    positions = []
    position = gap = shift = 0
    for byte in encoded:
        if byte & _VARINT_MORE:
            gap |= (byte & _VARINT_BITS) << shift
            shift += 7
        else:
            position += gap | (byte << shift)
            positions.append(position)
            gap = shift = 0
    return positions


class CompactPositions(formats.Positions):
    """Whoosh's ``Positions`` with the value encoded as varint gaps.

    The frequency is the number of positions (each varint ends with a byte
    below 128), so it is not stored separately.
    """

    def encode(self, poslist) -> bytes:
        return encode_position_deltas(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return decode_position_deltas(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return sum(1 for byte in valuestring if not byte & _VARINT_MORE)

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class FrequencyInWeight(formats.Format):
    """Term frequencies without a posting value: the weight (frequency x boost) carries them.

    Matchers report the frequency through ``weight()``; there is no value
    decoder, so code that asks for one learns the format does not support it.
    """

    posting_size = 0

    def __init__(self, field_boost: float = 1.0, **options):
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        frequencies = Counter(token.text for token in formats.tokens(value, analyzer, kwargs))
        return ((word, frequency, frequency * boost, emptybytes) for word, frequency in frequencies.items())

    def encode(self, value) -> bytes:
        return emptybytes

    def combine(self, vs) -> bytes:
        return emptybytes


class PreAnalyzedText(fields.TEXT):
    """A TEXT field that also accepts already analyzed postings.

    A list of ``(term_bytes, frequency, weight, encoded_value)`` tuples is
    passed through untouched; anything else goes through the analyzer.
    """

    def __init__(self, analyzer, format: formats.Format, **kwargs):
        super().__init__(analyzer=analyzer, phrase=isinstance(format, formats.Positions), **kwargs)
        self.format = format

    def index(self, value, **kwargs):
        if isinstance(value, list) and (not value or isinstance(value[0], tuple)):
            return iter(value)
        if isinstance(value, str) and not kwargs and type(self.format) in _FUSED_FORMATS:
            chain = fused_chain(self.analyzer)
            if chain is not None:
                return iter(fused_postings(value, chain, self.format))
        return super().index(value, **kwargs)


#: Formats whose posting values ``fused_postings`` encodes (subclasses encode differently).
_FUSED_FORMATS = (CompactPositions, FrequencyInWeight)


def fused_chain(analyzer) -> analysis.Chain | None:
    """The ``analysis.Chain`` behind ``analyzer`` if it is our analyzer, else None."""
    return analyzer.chain() if type(analyzer) is analysis.ArabicAnalyzer else None


def fused_postings(text: str, chain: analysis.Chain, format_) -> list[tuple]:
    """What ``TEXT.index`` yields for ``text`` (in another term order), from ``Chain.term_positions``."""
    positions = chain.term_positions(text)
    boost = format_.field_boost
    if type(format_) is FrequencyInWeight:
        return [(term.encode("utf-8"), len(found), len(found) * boost, emptybytes)
                for term, found in positions.items()]
    return [
        (term.encode("utf-8"), len(found), float(len(found)) * boost, encode_position_deltas(found))
        for term, found in positions.items()
    ]


def build_schema(stemmer: str = analysis.DEFAULT_STEMMER, stopwords: bool = True) -> fields.Schema:
    """The schema for one index; the analyzer choice is fixed at build time."""
    stemmed = analysis.arabic_analyzer(stemmer=stemmer, stopwords=stopwords)
    return fields.Schema(
        # Path, URL and content hash live in the side store: a unique term per
        # document costs a posting list each for no search need.
        id=fields.ID(stored=True, unique=True),
        title=PreAnalyzedText(analyzer=stemmed, format=CompactPositions()),
        body=PreAnalyzedText(analyzer=stemmed, format=CompactPositions()),
        # Frequencies only: exact-form phrases are not offered, and positions
        # here would add a third of the index size.
        exact=PreAnalyzedText(analyzer=analysis.exact_analyzer(), format=FrequencyInWeight()),
        source=fields.ID,
        actors=fields.KEYWORD(commas=True, scorable=False),
        date=fields.DATETIME(sortable=True),
    )
