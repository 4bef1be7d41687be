"""Arabic orthographic normalization, one pure ``str -> str`` function per rule.

The rules follow Lucene's ArabicNormalizer and extend it with the forms that
real scraped news contains (Quranic marks, bidi controls, Persian letters,
presentation-form ligatures).  They are applied to *tokens*, never to a whole
document, so that the character offsets recorded by the tokenizer keep
pointing at the text as written.

``normalize_with_digits`` is the normalization everything uses: every rule,
digits folded, Latin lowercased (``normalize_text`` is the same function).
``normalize`` composes every rule except digit folding.  For speed neither
calls the rule functions one by one: the single-character rules are merged
into one ``str.translate`` table, and only the ligature expansion, which turns
one character into several, runs as a separate pass, and only when needed;
text without the rarer characters skips the table (see the end of the module).
"""

from __future__ import annotations

import re
import unicodedata

from pyarabic import araby

# --- Named characters -------------------------------------------------------
#
# Arabic letters and marks by pyarabic's names and tables; the Persian and Urdu
# forms, format controls and presentation forms, which it does not cover, are ours.

ALEF = araby.ALEF  # ا
ALEF_MADDA = araby.ALEF_MADDA  # آ
ALEF_HAMZA_ABOVE = araby.ALEF_HAMZA_ABOVE  # أ
ALEF_HAMZA_BELOW = araby.ALEF_HAMZA_BELOW  # إ
ALEF_WASLA = araby.ALEF_WASLA  # ٱ
ALEF_MAQSURA = araby.ALEF_MAKSURA  # ى
YEH = araby.YEH  # ي
TEH_MARBUTA = araby.TEH_MARBUTA  # ة
HEH = araby.HEH  # ه
KAF = araby.KAF  # ك
TATWEEL = araby.TATWEEL  # ـ
SUPERSCRIPT_ALEF = araby.MINI_ALEF  # ٰ
ZWNJ = "\u200c"

FARSI_YEH = "\u06cc"  # ی
KEHEH = "\u06a9"  # ک
SWASH_KAF = "\u06aa"  # ڪ
HEH_WITH_YEH_ABOVE = "\u06c0"  # ۀ
HEH_GOAL = "\u06c1"  # ہ
TEH_MARBUTA_GOAL = "\u06c3"  # ۃ
HEH_DOACHASHMEE = "\u06be"  # ھ
YEH_BARREE = "\u06d2"  # ے

# Harakat, shadda, sukun and the extended Arabic marks U+064B..U+065F.
HARAKAT = "".join(chr(c) for c in range(0x064B, 0x0660))
# Quranic annotation signs: small high letters, rub el hizb, sajdah, etc.
QURANIC_MARKS = "".join(
    chr(c)
    for c in [*range(0x0610, 0x061B), *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E9), *range(0x06EA, 0x06EE)]
)
# Zero-width characters and bidirectional controls that scraping leaves in words.
FORMAT_MARKS = "".join(
    chr(c)
    for c in [0x00AD, 0x061C, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
)

ARABIC_INDIC_DIGITS = "".join(araby.NUMBERS_EAST)  # ٠..٩, U+0660..U+0669
EASTERN_ARABIC_INDIC_DIGITS = "".join(araby.NUMBERS_PERS)  # ۰..۹, U+06F0..U+06F9 (Persian/Urdu)

# Arabic Presentation Forms-A (U+FB50..U+FDFF) and -B (U+FE70..U+FEFF, less the BOM).
PRESENTATION_FORMS_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")

# --- Translation tables, one per rule ---------------------------------------

_DIGITS_TABLE = str.maketrans(ARABIC_INDIC_DIGITS + EASTERN_ARABIC_INDIC_DIGITS, "0123456789" * 2)
_HARAKAT_TABLE = dict.fromkeys(map(ord, HARAKAT))
_SUPERSCRIPT_ALEF_TABLE = {ord(SUPERSCRIPT_ALEF): None}
_QURANIC_TABLE = dict.fromkeys(map(ord, QURANIC_MARKS))
_TATWEEL_TABLE = {ord(TATWEEL): None}
_FORMAT_TABLE = dict.fromkeys(map(ord, FORMAT_MARKS))
_ALEF_TABLE = str.maketrans({ALEF_MADDA: ALEF, ALEF_HAMZA_ABOVE: ALEF, ALEF_HAMZA_BELOW: ALEF, ALEF_WASLA: ALEF})
_ALEF_MAQSURA_TABLE = str.maketrans({ALEF_MAQSURA: YEH})
_TEH_MARBUTA_TABLE = str.maketrans({TEH_MARBUTA: HEH})
_PERSIAN_TABLE = str.maketrans(
    {
        FARSI_YEH: YEH,
        YEH_BARREE: YEH,
        KEHEH: KAF,
        SWASH_KAF: KAF,
        HEH_WITH_YEH_ABOVE: HEH,
        HEH_GOAL: HEH,
        TEH_MARBUTA_GOAL: HEH,
        HEH_DOACHASHMEE: HEH,
    }
)


# --- The rules --------------------------------------------------------------


def fold_digits(text: str) -> str:
    """Arabic-Indic and Eastern Arabic-Indic digits to ASCII: ٢٠٢٤ -> 2024."""
    return text.translate(_DIGITS_TABLE)


def remove_harakat(text: str) -> str:
    """Drop short vowels, tanween, shadda and sukun: مُسَيَّرَة -> مسيرة."""
    return text.translate(_HARAKAT_TABLE)


def remove_superscript_alef(text: str) -> str:
    """Drop the dagger alef: هٰذا -> هذا."""
    return text.translate(_SUPERSCRIPT_ALEF_TABLE)


def remove_quranic_marks(text: str) -> str:
    """Drop Quranic annotation signs (small high letters, pause marks)."""
    return text.translate(_QURANIC_TABLE)


def remove_tatweel(text: str) -> str:
    """Drop the kashida used to stretch words: العـــراق -> العراق (pyarabic's, faster than a table)."""
    return araby.strip_tatweel(text)


def remove_format_marks(text: str) -> str:
    """Drop zero-width joiners/non-joiners, bidi controls, soft hyphens and BOMs."""
    return text.translate(_FORMAT_TABLE)


def normalize_alef(text: str) -> str:
    """Hamza and madda alef forms to bare alef: أ إ آ ٱ -> ا."""
    return text.translate(_ALEF_TABLE)


def normalize_alef_maqsura(text: str) -> str:
    """Alef maqsura to yeh: مستشفى -> مستشفي."""
    return text.translate(_ALEF_MAQSURA_TABLE)


def normalize_teh_marbuta(text: str) -> str:
    """Teh marbuta to heh: الأمريكية -> الأمريكيه."""
    return text.translate(_TEH_MARBUTA_TABLE)


def normalize_persian_letters(text: str) -> str:
    """Persian and Urdu letter forms to their Arabic counterparts: ی ک ۀ ہ -> ي ك ه ه."""
    return text.translate(_PERSIAN_TABLE)


def _expand_one(match: re.Match) -> str:
    return unicodedata.normalize("NFKC", match.group())


def expand_presentation_forms(text: str) -> str:
    """Expand presentation-form letters and ligatures: ﻻ -> لا, ﷲ -> الله (with its marks)."""
    if PRESENTATION_FORMS_RE.search(text) is None:
        return text
    return PRESENTATION_FORMS_RE.sub(_expand_one, text)


def lowercase_latin(text: str) -> str:
    """Lowercase Latin letters so that CRS and crs are one term (Arabic has no case)."""
    return text.lower()


# --- Composition ------------------------------------------------------------

# Order matters only for ligature expansion (it can produce marks that later
# rules remove), so it runs first; the single-character rules commute.
_SINGLE_CHARACTER_TABLES = [
    _HARAKAT_TABLE,
    _SUPERSCRIPT_ALEF_TABLE,
    _QURANIC_TABLE,
    _TATWEEL_TABLE,
    _FORMAT_TABLE,
    _ALEF_TABLE,
    _ALEF_MAQSURA_TABLE,
    _TEH_MARBUTA_TABLE,
    _PERSIAN_TABLE,
]
_NORMALIZE_TABLE: dict[int, str | None] = {}
for _table in _SINGLE_CHARACTER_TABLES:
    _NORMALIZE_TABLE.update(_table)


#: Every character that normalization removes or replaces, apart from Latin case
#: and the presentation forms (``PRESENTATION_FORMS_RE``).
CHARACTERS_CHANGED = frozenset(map(chr, {**_NORMALIZE_TABLE, **_DIGITS_TABLE}))


def normalize(text: str) -> str:
    """All normalization rules except digit folding, in one pass."""
    if PRESENTATION_FORMS_RE.search(text) is not None:
        text = PRESENTATION_FORMS_RE.sub(_expand_one, text)
    return text.translate(_NORMALIZE_TABLE).lower()


def apply_all_rules(text: str) -> str:
    """Every rule, digits folded, one table lookup per character: what ``normalize_with_digits`` must equal."""
    return fold_digits(normalize(text))


RULES = [
    fold_digits,
    remove_harakat,
    remove_superscript_alef,
    remove_quranic_marks,
    remove_tatweel,
    remove_format_marks,
    normalize_alef,
    normalize_alef_maqsura,
    normalize_teh_marbuta,
    normalize_persian_letters,
    expand_presentation_forms,
    lowercase_latin,
]


# --- whole texts: the same result, faster on long Arabic text --------------------
#
# ``normalize`` looks every character up in a translation table, which costs
# about as much per character as the rest of ingestion; an article or a line
# of news holds only a few kinds of the characters it changes (short vowels,
# tatweel, hamza forms, ta marbuta, alef maqsura).  When one regex search finds
# none of the rarer ones, a few ``str.replace`` passes give the same result.

#: Tanween, short vowels, shadda, sukun (pyarabic's tashkeel, U+064B..U+0652) and tatweel:
#: frequent in news, simply dropped.  (pyarabic's ``strip_tashkeel`` and ``strip_tatweel`` do the
#: same, 28 times slower on whole articles: ``bench/normalize.py``.)
COMMON_MARKS = "".join(araby.TASHKEEL) + TATWEEL
COMMON_FOLDS = tuple(
    (variant, standard)
    for standard, variants in (
        (ALEF, ALEF_HAMZA_ABOVE + ALEF_HAMZA_BELOW + ALEF_MADDA + ALEF_WASLA),
        (YEH, ALEF_MAQSURA),
        (HEH, TEH_MARBUTA),
    )
    for variant in variants
)
#: Everything else normalization changes (rarer marks, format and bidi
#: controls, Persian letters, Arabic-Indic digits, presentation forms), derived
#: from the rules so that a new rule cannot be missed here.
_RARE = sorted(CHARACTERS_CHANGED - set(COMMON_MARKS) - {variant for variant, _ in COMMON_FOLDS})
RARE_VARIANTS_RE = re.compile(
    "[" + "".join(map(re.escape, _RARE)) + "]|" + PRESENTATION_FORMS_RE.pattern
)


def fold_common(text: str) -> str:
    """Drop ``COMMON_MARKS`` and apply ``COMMON_FOLDS`` (all that normalization does to most text)."""
    for mark in COMMON_MARKS:
        if mark in text:
            text = text.replace(mark, "")
    for variant, standard in COMMON_FOLDS:
        if variant in text:
            text = text.replace(variant, standard)
    return text


def normalize_with_digits(text: str) -> str:
    """The normalized form of any text, a word or a whole article: every rule, digits folded, Latin lowercased.

    The one normalization of Fahras: the analysis chain (per word), stop words,
    dates, furniture rules, sources and actors (whole texts) all call it.  It
    equals ``apply_all_rules`` on every input (a test checks every character);
    text without the rarer characters takes the few ``str.replace`` passes.
    """
    if RARE_VARIANTS_RE.search(text) is not None:
        return apply_all_rules(text)
    return fold_common(text).lower()


#: The same function under the name whole-text callers use.
normalize_text = normalize_with_digits
