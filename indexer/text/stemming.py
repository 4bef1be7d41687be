"""Arabic light stemmers and their stem cache.

Three stemmers are available by name:

``light10``
    Lucene's ArabicStemmer (Larkey, Ballesteros and Connell's light10), kept
    byte-for-byte compatible as a parity baseline.
``fahras``
    Our default: light10's affixes with the length conditions that real news
    needs.  Stripping never leaves fewer than ``MIN_STEM_LENGTH`` letters
    (light10 turns القوات into قو and بيان into بي), the long suffixes ان ون
    ين need a four-letter stem (لبنان, قانون, فلسطين are not plurals), the
    feminine duals تين تان meet their singular (مسيرتين, مسيرة), and a
    short list of stems whose first و is a root letter (وزارة, واشنطن) keeps
    the و-conjunction rule from eating it.  Like light10, and unlike Snowball,
    it never strips a lone ب or ف (فصائل stays whole).
``snowball``
    The Snowball Arabic stemmer (PyStemmer's C code when installed).

Stemmers expect normalized input (see ``indexer.text.normalize``): teh marbuta is
already heh, alef maqsura already yeh.  Every stem is cached in an unbounded
dict per stemmer: a news corpus has a few hundred thousand distinct words, and
a small LRU cache halves analysis throughput.
"""

from __future__ import annotations

from typing import Callable

import snowballstemmer

NO_STEMMER = "none"
STEMMERS = ("light10", "fahras", "snowball", NO_STEMMER)
DEFAULT_STEMMER = "fahras"

# --- light10, as in Lucene's ArabicStemmer ----------------------------------

LIGHT10_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
LIGHT10_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")
# Lucene: a one-letter prefix needs a word of 4+ letters, others leave 2+ letters;
# every suffix leaves 2+ letters.
LIGHT10_MIN_REMAINDER = 2
LIGHT10_SINGLE_PREFIX_MIN_WORD = 4


def stem_light10(word: str) -> str:
    """Lucene's light10: strip the first matching prefix, then each listed suffix in turn."""
    for prefix in LIGHT10_PREFIXES:
        if len(prefix) == 1 and len(word) < LIGHT10_SINGLE_PREFIX_MIN_WORD:
            continue
        if len(word) >= len(prefix) + LIGHT10_MIN_REMAINDER and word.startswith(prefix):
            word = word[len(prefix) :]
            break
    for suffix in LIGHT10_SUFFIXES:
        if len(word) >= len(suffix) + LIGHT10_MIN_REMAINDER and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


# --- fahras, the improved light stemmer -------------------------------------

MIN_STEM_LENGTH = 3
WAW = "و"
# Conjunction/preposition + article first, so that وال wins over و and ال.
FAHRAS_ARTICLE_PREFIXES = ("وال", "فال", "بال", "كال", "ولل", "ال", "لل")
# (suffix, shortest stem it may leave), tried in this order, each at most once,
# so that الأمريكيين loses ين and then ي.  Dual/plural ان ون ين need a longer
# stem: three-letter words ending in them are mostly not inflected (لبنان, قانون).
#
# The dual of a feminine noun keeps its teh marbuta as ت before the ending (مسيرة, مسيرتين;
# الدولة, الدولتان): تين and تان come off whole, so that the dual meets the singular's stem
# (مسير), and a nisba's ي is then stripped as in the singular (عمليتين -> عمل, like عملية).
FAHRAS_SUFFIXES = (
    ("ها", MIN_STEM_LENGTH),
    ("تان", MIN_STEM_LENGTH),
    ("ان", 4),
    ("ات", MIN_STEM_LENGTH),
    ("ون", 4),
    ("تين", MIN_STEM_LENGTH),
    ("ين", 4),
    ("يه", MIN_STEM_LENGTH),
    ("ه", MIN_STEM_LENGTH),
    ("ي", MIN_STEM_LENGTH),
)
# Stems (fixed points of suffix stripping, normalized) whose initial و is part of the word,
# not the conjunction.  Extend when a frequent word is found split wrongly.
WAW_INITIAL_STEMS = frozenset(
    {
        "واشنطن",
        "وزار",
        "وزير",
        "وزراء",
        "واقع",
        "واحد",
        "واد",
        "وطن",
        "وفد",
        "وضع",
        "وقت",
        "وقف",
        "وكال",
        "ولا",
        "وسط",
        "وجود",
        "وثيق",
        "وصول",
        "وليد",
        "وائل",
        "وديع",
        "وهران",
    }
)
# Whole words no rule may touch: names and loanwords that look inflected (the last ones end like
# a feminine dual, تين, and would meet an unrelated stem: بلاتين -> بلا, مارتين -> مار).
PROTECTED_WORDS = frozenset(
    {"فلسطين", "واشنطن", "عمان", "ايران", "لبنان", "الله", "ارجنتين", "بلاتين", "مارتين", "كريستين", "بروتين"}
)
# Below the Arabic block there is nothing for an Arabic stemmer to strip.
FIRST_ARABIC_CODEPOINT = 0x0600


#: Country names in ـستان (باكستان, كردستان) end like a feminine dual and are none.
NOT_DUAL_ENDING = "ستان"
FEMININE_DUAL_SUFFIX = "تان"


def strip_fahras_suffixes(word: str) -> str:
    for suffix, min_stem in FAHRAS_SUFFIXES:
        if len(word) >= len(suffix) + min_stem and word.endswith(suffix):
            if suffix == FEMININE_DUAL_SUFFIX and word.endswith(NOT_DUAL_ENDING):
                continue
            word = word[: -len(suffix)]
    return word


def stem_fahras(word: str) -> str:
    """Our light stemmer: light10's affixes, stems of at least three letters, root-initial و kept."""
    if not word or ord(word[0]) < FIRST_ARABIC_CODEPOINT or word in PROTECTED_WORDS:
        return word
    for prefix in FAHRAS_ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM_LENGTH:
            word = word[len(prefix) :]
            if word in PROTECTED_WORDS:
                return word
            return strip_fahras_suffixes(word)
    stem = strip_fahras_suffixes(word)
    if word.startswith(WAW) and len(word) > MIN_STEM_LENGTH and stem not in WAW_INITIAL_STEMS:
        rest = word[1:]
        if rest in PROTECTED_WORDS:
            return rest
        stem = strip_fahras_suffixes(rest)
    return stem


# --- Snowball ----------------------------------------------------------------

_snowball = None


def stem_snowball(word: str) -> str:
    """The Snowball Arabic stemmer (built on first use: PyStemmer objects do not pickle)."""
    global _snowball
    if _snowball is None:
        _snowball = snowballstemmer.stemmer("arabic")
    return _snowball.stemWord(word)


def stem_none(word: str) -> str:
    """No stemming: the exact-form mode."""
    return word


STEM_FUNCTIONS: dict[str, Callable[[str], str]] = {
    "light10": stem_light10,
    "fahras": stem_fahras,
    "snowball": stem_snowball,
    NO_STEMMER: stem_none,
}
STEM_CACHES: dict[str, dict[str, str]] = {name: {} for name in STEMMERS}


def check_stemmer(name: str) -> str:
    """``name`` if it is a known stemmer, else ValueError listing the known ones."""
    if name not in STEM_FUNCTIONS:
        raise ValueError(f"unknown stemmer {name!r}; choose one of {', '.join(STEMMERS)}")
    return name


def stem(word: str, stemmer: str = DEFAULT_STEMMER) -> str:
    """The cached stem of a normalized ``word`` with the named stemmer.

    The stemmer name is checked only on a cache miss: highlighting calls this
    once per word of every snippet.
    """
    try:
        return STEM_CACHES[stemmer][word]
    except KeyError:
        result = STEM_FUNCTIONS[check_stemmer(stemmer)](word)
        STEM_CACHES[stemmer][word] = result
        return result
