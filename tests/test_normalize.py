"""One parametrised test per normalization rule, the composed functions, and the fast path's exactness."""

from pathlib import Path

import pytest

from indexer.text import normalize as n

RULE_CASES = {
    n.fold_digits: [("٢٠٢٤", "2024"), ("۱۴۰۳", "1403"), ("2024", "2024")],
    n.remove_harakat: [("مُسَيَّرَة", "مسيرة"), ("ولداً", "ولدا"), ("نلْسون", "نلسون"), ("هتميّ", "هتمي")],
    n.remove_superscript_alef: [("هٰذا", "هذا"), ("رحمٰن", "رحمن")],
    n.remove_quranic_marks: [("الرحيمۖ", "الرحيم"), ("صلىٰ\u0610", "صلىٰ")],
    n.remove_tatweel: [("العـــراق", "العراق"), ("روبرـــــت", "روبرت")],
    n.remove_format_marks: [("می\u200cخواهم", "میخواهم"), ("\u200fبغداد\u200e", "بغداد"), ("\ufeffنص", "نص")],
    n.normalize_alef: [("آجن", "اجن"), ("أحمد", "احمد"), ("إعاذ", "اعاذ"), ("ٱلله", "الله")],
    n.normalize_alef_maqsura: [("مستشفى", "مستشفي"), ("بنى", "بني")],
    n.normalize_teh_marbuta: [("الأمريكية", "الأمريكيه"), ("فاطمة", "فاطمه")],
    n.normalize_persian_letters: [("ی", "ي"), ("کتاب", "كتاب"), ("ۀ", "ه"), ("ہ", "ه"), ("ھ", "ه"), ("ے", "ي")],
    n.expand_presentation_forms: [("ﻻ", "لا"), ("ﺑﻐﺪﺍﺩ", "بغداد"), ("نص", "نص")],
    n.lowercase_latin: [("CRS", "crs"), ("Gaza", "gaza")],
}


def test_every_rule_has_cases():
    assert set(RULE_CASES) == set(n.RULES)


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [(rule, text, expected) for rule, cases in RULE_CASES.items() for text, expected in cases],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule(rule, text, expected):
    assert rule(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [(text, expected) for rule, cases in RULE_CASES.items() if rule is not n.fold_digits for text, expected in cases],
)
def test_normalize_applies_every_rule_but_digits(text, expected):
    # normalize() composes all rules; applying it to a rule's expected output changes nothing more
    # than that rule did, so compare against the full normalization of the expected text.
    assert n.normalize(text) == n.normalize(expected)


def test_normalize_leaves_digits_and_normalize_with_digits_folds_them():
    assert n.normalize("عام ٢٠٢٤") == "عام ٢٠٢٤"
    assert n.normalize_with_digits("عام ٢٠٢٤") == "عام 2024"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مُسَيَّرَة", "مسيره"),
        ("الأمريكيـــة", "الامريكيه"),
        ("ﷲ", "الله"),
        ("إلى", "الي"),
        ("CRS", "crs"),
        ("", ""),
    ],
)
def test_normalize_composition(text, expected):
    assert n.normalize(text) == expected


# --- one normalization: the fast path equals every rule applied -------------------------

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize(
    "text",
    [
        "مُسَيَّرَةٌ أُطلِقَتْ",  # harakat
        "العـــراق",  # tatweel
        "أحمد إبراهيم آمال ٱلله",  # hamza and wasla forms
        "مستشفى الكبرى",  # alef maqsura
        "الأمريكية الجديدة",  # teh marbuta
        "هٰذا",  # superscript alef (rare)
        "ٱلرَّحْمَٰنِ ۖ",  # Quranic marks (rare)
        "السوداني\u200c\u200f إن",  # format and bidi marks (rare)
        "گزارش ی ک",  # Persian letters (rare)
        "ﻻ إله ﷲ",  # presentation forms (rare)
        "عام ٢٠٢٤ و۱۴۰۳",  # Arabic-Indic digits (rare)
        "CNN و BBC Arabic",  # Latin case
        "",
    ],
)
def test_normalize_with_digits_is_every_rule(text):
    assert n.normalize_with_digits(text) == n.apply_all_rules(text)


def test_normalize_with_digits_is_every_rule_on_seed_lines():
    for path in sorted(SEEDS.iterdir()):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            assert n.normalize_with_digits(line) == n.apply_all_rules(line), (path.name, line)


def test_every_character_normalization_changes_is_common_or_rare():
    # The fast path is exact only if each character that the rules treat
    # differently from fold_common + lower sends the text down the slow path.
    for code in range(0x10000):
        char = chr(code)
        if n.apply_all_rules(char) != n.fold_common(char).lower():
            assert n.RARE_VARIANTS_RE.search(char), hex(code)


@pytest.mark.parametrize("text", ["CNN قالت", "CNN قالت ٢٠٢٤", "ﻻ CNN"])
def test_latin_case_is_folded_on_both_paths(text):
    assert "cnn" in n.normalize_with_digits(text)
    assert "CNN" not in n.normalize_text(text)


def test_one_normalization_under_two_names():
    assert n.normalize_text is n.normalize_with_digits


@pytest.mark.parametrize("mark", list(n.COMMON_MARKS))
def test_fold_common_drops_each_mark(mark):
    assert n.fold_common(f"ب{mark}ب") == "بب"


@pytest.mark.parametrize(("variant", "standard"), n.COMMON_FOLDS)
def test_fold_common_folds_each_letter(variant, standard):
    assert n.fold_common(f"ب{variant}ب") == f"ب{standard}ب"
