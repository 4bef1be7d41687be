"""One parametrised test per normalization rule, plus the composed functions."""

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
