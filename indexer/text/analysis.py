"""The analysis chain, defined once: surface words to index terms, with positions and offsets.

The chain follows Lucene's ArabicAnalyzer: tokenize, fold digits, normalize,
drop stop words, light-stem.  ``Chain.term`` maps one surface word to its
term (``None`` for a stop word), cached per chain, and ``Chain.tokens`` is the
one loop over a text: ``(term, position, start, end)`` for each word kept.
Everything else is derived from these two: the Whoosh analyzer
(``ArabicAnalyzer``) fills Whoosh tokens from ``Chain.tokens``, index building
counts postings with ``Chain.term_positions`` (``indexer.storage.schema``),
queries go through the Whoosh analyzer or ``analyze_terms``, and highlighting
reads ``Chain.tokens`` of the exact chain and ``Chain.term`` of the stemmed one
(``indexer.search.highlight``).

Normalization runs on each word, never on the raw text, so every token keeps
the ``start``/``end`` of the word as written (with its diacritics, tatweel and
ZWNJ) and highlights wrap it whole.

Stop words and phrases: positions are not renumbered, so a removed stop word
leaves a gap.  The phrase "A B" therefore does not match a document reading
"A <stop> B" on the stemmed field.  The exact chain (``exact_analyzer``) keeps
stop words, so a phrase containing one ("A <stop> B") is checked there and
cannot match "A <another stop> B".

Whoosh pickles analyzers into the index schema: ``ArabicAnalyzer`` must stay
importable from ``indexer.text.analysis``, hold only plain data (the stemmer's
*name* and the stop-word switch, never a chain or a cache), and compare equal
when configured alike.  Bump ``ANALYZER_VERSION`` whenever the tokens this
chain produces change, or the pickled class does.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer

from indexer.text.normalize import normalize_with_digits
from indexer.text.stemming import DEFAULT_STEMMER, NO_STEMMER, STEM_CACHES, STEM_FUNCTIONS, STEMMERS, check_stemmer
from indexer.text.stopwords import ARABIC_STOPWORDS

__all__ = [
    "ANALYZER_VERSION",
    "DEFAULT_STEMMER",
    "STEMMERS",
    "WORD_PATTERN",
    "Chain",
    "chain",
    "exact_chain",
    "ArabicAnalyzer",
    "arabic_analyzer",
    "exact_analyzer",
    "analyze_terms",
    "clear_caches",
]

#: 3: one ``ArabicAnalyzer`` class replaces the tokenizer and filter classes; the fahras
#:    stemmer joins feminine duals to their singular (مسيرتين, مسيرة).
ANALYZER_VERSION = 3

# Marks that live inside a word but are not \w for Python: harakat, shadda and
# the extended marks, Quranic signs, superscript alef, tatweel, ZWNJ, ZWJ and
# the soft hyphen.  A token must start with a word character; \w already covers
# Arabic, Latin, digits and presentation-form ligatures such as ﻻ.
IN_WORD_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640\u200c\u200d\u00ad"
WORD_PATTERN = re.compile(rf"\w[\w{IN_WORD_MARKS}]*")

_MISSING = object()


class Chain:
    """One configuration of the chain (stemmer, stop words on or off) and its word cache.

    The cache maps surface words to terms and is unbounded: a news corpus has a
    few hundred thousand distinct words, and one dict hit per word is what
    keeps the chain fast (a small LRU cache halves throughput).  Get chains
    with ``chain()``, which makes one per configuration.
    """

    __slots__ = ("stemmer", "stopwords", "cache", "_exact")

    def __init__(self, stemmer: str, stopwords: bool):
        self.stemmer = check_stemmer(stemmer)
        self.stopwords = stopwords
        self.cache: dict[str, str | None] = {}
        # The normalized form comes from the exact chain's cache, so chains share their keys.
        self._exact = None if (stemmer == NO_STEMMER and not stopwords) else exact_chain()

    def __repr__(self) -> str:
        return f"Chain(stemmer={self.stemmer!r}, stopwords={self.stopwords})"

    def _analyze(self, word: str) -> str | None:
        if self._exact is None:
            return normalize_with_digits(word)
        form = self._exact.term(word)
        # Terms shorter than one character go with the stop words, as in Whoosh's StopFilter.
        if self.stopwords and (not form or form in ARABIC_STOPWORDS):
            return None
        # Uncached: this chain's own cache keeps the result, a stem cache would hold it twice.
        return form if self.stemmer == NO_STEMMER else STEM_FUNCTIONS[self.stemmer](form)

    def term(self, word: str) -> str | None:
        """The term of one surface word, or None when it is a stop word."""
        term = self.cache.get(word, _MISSING)
        if term is _MISSING:
            term = self.cache[word] = self._analyze(word)
        return term

    def tokens(self, text: str, start_pos: int = 0, start_char: int = 0):
        """``(term, position, start, end)`` of each word of ``text`` kept by the chain.

        Positions count every word, stop words included (a stop word leaves a
        gap); ``start``/``end`` are the word's offsets in ``text`` as written,
        shifted by ``start_char``.
        """
        cache = self.cache
        get = cache.get
        analyze = self._analyze
        for position, match in enumerate(WORD_PATTERN.finditer(text), start_pos):
            word = match.group()
            term = get(word, _MISSING)
            if term is _MISSING:
                term = cache[word] = analyze(word)
            if term is not None:
                start, end = match.span()
                yield term, position, start_char + start, start_char + end

    def term_positions(self, text: str) -> dict[str, list[int]]:
        """Each term of ``text`` with its ascending positions: what a posting list holds.

        The same words and terms as ``tokens`` (which a test checks), read without
        the offsets: building an index runs this once per field of every document.
        """
        cache = self.cache
        get = cache.get
        analyze = self._analyze
        positions: dict[str, list[int]] = {}
        for position, word in enumerate(WORD_PATTERN.findall(text)):
            term = get(word, _MISSING)
            if term is _MISSING:
                term = cache[word] = analyze(word)
            if term is None:
                continue
            found = positions.get(term)
            if found is None:
                positions[term] = [position]
            else:
                found.append(position)
        return positions

    def stopped_text(self, word: str) -> str:
        """What a stop word reads as when stop words are kept but marked (Whoosh's ``removestops=False``)."""
        form = exact_chain().term(word)
        return form if self.stemmer == NO_STEMMER else STEM_FUNCTIONS[self.stemmer](form)


@lru_cache(maxsize=None)
def chain(stemmer: str = DEFAULT_STEMMER, stopwords: bool = True) -> Chain:
    """The one ``Chain`` of this configuration (its cache lives as long as the process)."""
    return Chain(stemmer, stopwords)


def exact_chain() -> Chain:
    """No stemming, stop words kept: terms are the normalized surface words."""
    return chain(NO_STEMMER, False)


def clear_caches() -> None:
    """Empty every word and stem cache (benchmarks start cold with it)."""
    for made in _made_chains():
        made.cache.clear()
    for cache in STEM_CACHES.values():
        cache.clear()


def _made_chains():
    return [chain(stemmer, stopwords) for stemmer in STEMMERS for stopwords in (True, False)]


class ArabicAnalyzer(Tokenizer):
    """The Whoosh analyzer of a chain: Whoosh tokens filled from ``Chain.tokens``.

    It is one Whoosh tokenizer rather than a tokenizer and filters, so that
    Whoosh and the rest of Fahras cannot disagree on a token.  With
    ``removestops=False`` (Whoosh's own highlighter asks for it) stop words are
    yielded too, marked ``stopped``; with ``tokenize=False`` the whole value is
    one word.
    """

    def __init__(self, stemmer: str = DEFAULT_STEMMER, stopwords: bool = True):
        self.stemmer = check_stemmer(stemmer)
        self.stopwords = bool(stopwords)

    def __eq__(self, other):
        return self.__class__ is other.__class__ and (self.stemmer, self.stopwords) == (other.stemmer, other.stopwords)

    def __hash__(self):
        return hash((self.__class__.__name__, self.stemmer, self.stopwords))

    def __repr__(self) -> str:
        return f"ArabicAnalyzer(stemmer={self.stemmer!r}, stopwords={self.stopwords})"

    def chain(self) -> Chain:
        return chain(self.stemmer, self.stopwords)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        if not isinstance(value, str):
            raise TypeError(f"ArabicAnalyzer needs str, got {type(value).__name__}")
        analysis = self.chain()
        # One Token reused for the whole stream, as Whoosh's RegexTokenizer does.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        if not tokenize:
            term = analysis._analyze(value)
            if term is None and removestops:
                return
            token.stopped = term is None
            token.text = analysis.stopped_text(value) if term is None else term
            if keeporiginal:
                token.original = value
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        if removestops or not analysis.stopwords:
            words = analysis.tokens(value, start_pos, start_char)
        else:
            words = _with_stopped(analysis, value, start_pos, start_char)
        for term, pos, start, end in words:
            token.stopped = term is None
            token.text = analysis.stopped_text(value[start - start_char:end - start_char]) if term is None else term
            if keeporiginal:
                token.original = value[start - start_char:end - start_char]
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start
                token.endchar = end
            yield token


def _with_stopped(analysis: Chain, text: str, start_pos: int, start_char: int):
    """``Chain.tokens`` with the stop words in place, their term None."""
    kept = analysis.tokens(text, start_pos, start_char)
    following = next(kept, None)
    for position, match in enumerate(WORD_PATTERN.finditer(text), start_pos):
        if following is not None and following[1] == position:
            yield following
            following = next(kept, None)
        else:
            start, end = match.span()
            yield None, position, start_char + start, start_char + end


def arabic_analyzer(stemmer: str = DEFAULT_STEMMER, stopwords: bool = True) -> ArabicAnalyzer:
    """The analyzer of stemmed text fields: tokenize, fold digits and normalize, stop, stem."""
    return ArabicAnalyzer(stemmer, stopwords)


def exact_analyzer() -> ArabicAnalyzer:
    """The chain without stemming and with stop words kept, for exact-form and phrase checks."""
    return ArabicAnalyzer(NO_STEMMER, stopwords=False)


def analyze_terms(text: str, stemmer: str = DEFAULT_STEMMER, stopwords: bool = True) -> list[str]:
    """The index terms ``text`` produces (query side): stop words dropped, in order."""
    return [term for term, _, _, _ in chain(stemmer, stopwords).tokens(text)]
