"""Whoosh analyzers for Arabic text.

The chain follows Lucene's ArabicAnalyzer: tokenize, fold digits, normalize,
drop stop words, light-stem.  Normalization runs on each token, never on the
raw text, so every token keeps the ``startchar``/``endchar`` of the word as
written (with its diacritics, tatweel and ZWNJ) and highlights wrap it whole.

Stop words and phrases: the stop filter does not renumber positions, so a
removed stop word leaves a gap.  The phrase "A B" therefore does not match a
document reading "A <stop> B" on the stemmed field.  The exact field
(``exact_analyzer``) keeps stop words, so a phrase containing one ("A <stop> B")
is checked there and cannot match "A <another stop> B".

Whoosh pickles analyzers into the index schema: the classes below must stay
importable from ``indexer.text.analysis``, hold only plain data (the stemmer's
*name*, not a callable), and compare equal when configured alike.  Bump
``ANALYZER_VERSION`` whenever the tokens this chain produces change.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import Composable, Filter, StopFilter, Token, Tokenizer

from indexer.text.normalize import normalize_with_digits
from indexer.text.stemming import DEFAULT_STEMMER, NO_STEMMER, STEM_CACHES, STEM_FUNCTIONS, STEMMERS, check_stemmer
from indexer.text.stopwords import ARABIC_STOPWORDS

__all__ = [
    "ANALYZER_VERSION",
    "DEFAULT_STEMMER",
    "STEMMERS",
    "ArabicTokenizer",
    "ArabicNormalizeFilter",
    "ArabicStemFilter",
    "arabic_stop_filter",
    "arabic_analyzer",
    "exact_analyzer",
    "analyze_terms",
]

ANALYZER_VERSION = 2

# Marks that live inside a word but are not \w for Python: harakat, shadda and
# the extended marks, Quranic signs, superscript alef, tatweel, ZWNJ, ZWJ and
# the soft hyphen.  A token must start with a word character; \w already covers
# Arabic, Latin, digits and presentation-form ligatures such as ﻻ.
IN_WORD_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640\u200c\u200d\u00ad"
WORD_PATTERN = re.compile(rf"\w[\w{IN_WORD_MARKS}]*")

# Normalized forms of surface words, shared by all analyzers.  Unbounded for the
# same reason as the stem cache: a dict hit is far cheaper than translate().
NORMALIZED_CACHE: dict[str, str] = {}


class ArabicTokenizer(Tokenizer):
    """Words with their in-word marks, one precompiled ``finditer``, original offsets."""

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __hash__(self):
        return hash(self.__class__.__name__)

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
            raise TypeError(f"ArabicTokenizer needs str, got {type(value).__name__}")
        # One Token reused for the whole stream, as Whoosh's RegexTokenizer does.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        for pos, match in enumerate(WORD_PATTERN.finditer(value), start_pos):
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def normalized(word: str) -> str:
    """A surface word's normalized form, as the analyzer makes it (same cache)."""
    try:
        return NORMALIZED_CACHE[word]
    except KeyError:
        form = NORMALIZED_CACHE[word] = normalize_with_digits(word)
        return form


def map_token_texts(tokens, function, cache: dict[str, str]):
    """Replace each token's text by ``function(text)``, memoized in ``cache``."""
    for token in tokens:
        text = token.text
        try:
            token.text = cache[text]
        except KeyError:
            token.text = cache[text] = function(text)
        yield token


class ArabicNormalizeFilter(Filter):
    """Digit folding and normalization of each token (``normalize_with_digits``), cached.

    Lucene runs these as two filters; here they share one cache lookup, because
    a second generator stage with its own ``str.translate`` per token costs as
    much as the whole tokenizer.
    """

    def __call__(self, tokens):
        return map_token_texts(tokens, normalize_with_digits, NORMALIZED_CACHE)


class ArabicStemFilter(Filter):
    """Light-stems each token with a stemmer named in ``indexer.text.stemming.STEMMERS``.

    Holds only the name: the stem function and its cache are looked up per
    stream, which keeps the filter picklable whatever the stemmer is.
    """

    def __init__(self, stemmer: str = DEFAULT_STEMMER):
        self.stemmer = check_stemmer(stemmer)

    def __eq__(self, other):
        return self.__class__ is other.__class__ and self.stemmer == other.stemmer

    def __hash__(self):
        return hash((self.__class__.__name__, self.stemmer))

    def __call__(self, tokens):
        return map_token_texts(tokens, STEM_FUNCTIONS[self.stemmer], STEM_CACHES[self.stemmer])


def arabic_stop_filter() -> StopFilter:
    """Whoosh's StopFilter with our list; single letters are kept, positions are not renumbered."""
    return StopFilter(stoplist=ARABIC_STOPWORDS, minsize=1, renumber=False)


def arabic_analyzer(stemmer: str = DEFAULT_STEMMER, stopwords: bool = True) -> Composable:
    """The full chain for stemmed text fields: tokenize, fold digits and normalize, stop, stem."""
    chain = ArabicTokenizer() | ArabicNormalizeFilter()
    if stopwords:
        chain = chain | arabic_stop_filter()
    if check_stemmer(stemmer) != NO_STEMMER:
        chain = chain | ArabicStemFilter(stemmer)
    return chain


def exact_analyzer() -> Composable:
    """The chain without stemming and with stop words kept, for exact-form and phrase checks."""
    return arabic_analyzer(stemmer=NO_STEMMER, stopwords=False)


@lru_cache(maxsize=None)
def _cached_analyzer(stemmer: str, stopwords: bool) -> Composable:
    return arabic_analyzer(stemmer, stopwords)


def analyze_terms(text: str, stemmer: str = DEFAULT_STEMMER, stopwords: bool = True) -> list[str]:
    """The index terms ``text`` produces (query side): stop words dropped, in order."""
    return [token.text for token in _cached_analyzer(stemmer, stopwords)(text)]
