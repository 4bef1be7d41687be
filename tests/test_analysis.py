"""The Whoosh analysis chain: tokens, offsets, highlights, stop-word gaps, pickling, seed symmetry."""

import pickle
from pathlib import Path

import pytest
from whoosh import highlight
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.index import create_in, open_dir
from whoosh.qparser import QueryParser
from whoosh.query import And, Phrase, Term

from indexer.text.analysis import (
    ANALYZER_VERSION,
    DEFAULT_STEMMER,
    STEMMERS,
    analyze_terms,
    arabic_analyzer,
    exact_analyzer,
)

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
SEED_PATHS = sorted(SEEDS_DIR.glob("*.txt"))


def surface_words(text, analyzer):
    return [text[t.startchar : t.endchar] for t in analyzer(text, chars=True, removestops=False)]


def test_public_constants():
    assert STEMMERS == ("light10", "fahras", "snowball", "none")
    assert DEFAULT_STEMMER in STEMMERS
    assert isinstance(ANALYZER_VERSION, int)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("تُلوِّح مسيَّرة", ["تُلوِّح", "مسيَّرة"]),
        ("العـــراق، والـمـوصل.", ["العـــراق", "والـمـوصل"]),
        ("هٰذا الكتاب", ["هٰذا", "الكتاب"]),
        ("می\u200cخواهم بغداد", ["می\u200cخواهم", "بغداد"]),
        ("ﻻ ﺑﻐﺪﺍﺩ", ["ﻻ", "ﺑﻐﺪﺍﺩ"]),
        ("CRS قال: 3 صواريخ في ٢٠٢٤", ["CRS", "قال", "3", "صواريخ", "في", "٢٠٢٤"]),
        ("«الأمريكية» (واشنطن)", ["الأمريكية", "واشنطن"]),
    ],
)
def test_tokens_cover_whole_surface_words(text, words):
    assert surface_words(text, arabic_analyzer()) == words
    assert surface_words(text, exact_analyzer()) == words


def test_start_char_and_start_pos_shift_offsets():
    tokens = [(t.pos, t.startchar) for t in exact_analyzer()("مسيَّرة بغداد", positions=True, chars=True, start_pos=5, start_char=100)]
    assert tokens == [(5, 100), (6, 108)]


def test_untokenized_value_is_one_token():
    assert [t.text for t in exact_analyzer()("الأمريكية الجديدة", tokenize=False)] == ["الامريكيه الجديده"]


# Lucene's TestArabicNormalizationFilter cases, through the exact chain (tokenize + normalize).
@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("آجن", "اجن"),
        ("أحمد", "احمد"),
        ("إعاذ", "اعاذ"),
        ("بنى", "بني"),
        ("فاطمة", "فاطمه"),
        ("روبرـــــت", "روبرت"),
        ("مَبنا", "مبنا"),
        ("علِي", "علي"),
        ("بُوات", "بوات"),
        ("ولداً", "ولدا"),
        ("ولدٍ", "ولد"),
        ("ولدٌ", "ولد"),
        ("نلْسون", "نلسون"),
        ("هتميّ", "هتمي"),
    ],
)
def test_lucene_normalization_parity(word, expected):
    assert analyze_terms(word, stemmer="none", stopwords=False) == [expected]


@pytest.mark.parametrize(
    ("query", "document"),
    [("2024", "٢٠٢٤"), ("2024", "۲۰۲۴"), ("الامريكيه", "الأمريكية"), ("مسيرة", "مسيَّرة"), ("لا", "ﻻ")],
)
def test_query_and_document_forms_meet(query, document):
    for stemmer in STEMMERS:
        assert analyze_terms(query, stemmer, stopwords=False) == analyze_terms(document, stemmer, stopwords=False)


def test_stop_words_are_dropped_but_leave_a_position_gap():
    tokens = [(t.text, t.pos) for t in arabic_analyzer()("الجيش في العراق", positions=True)]
    assert tokens == [("جيش", 0), ("عراق", 2)]
    assert analyze_terms("الجيش في العراق") == ["جيش", "عراق"]
    assert analyze_terms("الجيش في العراق", stopwords=False) == ["جيش", "في", "عراق"]


def test_exact_analyzer_keeps_stop_words_and_forms():
    assert [t.text for t in exact_analyzer()("والقوات في العراق")] == ["والقوات", "في", "العراق"]


@pytest.mark.parametrize("stemmer", ["light10", "fahras", "snowball"])
def test_each_stemmer_stems_in_the_chain(stemmer):
    assert analyze_terms("والمسيرات", stemmer) != ["والمسيرات"]


def test_unknown_stemmer_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown stemmer"):
        arabic_analyzer("porter")


# --- Whoosh integration -------------------------------------------------------


def phrase_schema():
    return Schema(id=ID(stored=True), body=TEXT(analyzer=arabic_analyzer()), exact=TEXT(analyzer=exact_analyzer()))


@pytest.fixture(scope="module")
def phrase_index():
    index = RamStorage().create_index(phrase_schema())
    with index.writer() as writer:
        for doc_id, text in [("from", "الجيش من العراق"), ("in", "الجيش في العراق"), ("adjacent", "الجيش العراق")]:
            writer.add_document(id=doc_id, body=text, exact=text)
    return index


def matching_ids(index, query):
    with index.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(query, limit=None)}


def test_exact_phrase_with_a_stop_word_does_not_match_another_stop_word(phrase_index):
    query = Phrase("exact", analyze_terms("الجيش من العراق", stemmer="none", stopwords=False))
    assert matching_ids(phrase_index, query) == {"from"}


def test_stemmed_phrase_does_not_bridge_a_removed_stop_word(phrase_index):
    assert matching_ids(phrase_index, Phrase("body", analyze_terms("الجيش العراق"))) == {"adjacent"}
    parsed = QueryParser("body", phrase_index.schema).parse('"الجيش العراق"')
    assert matching_ids(phrase_index, parsed) == {"adjacent"}


@pytest.mark.parametrize("stemmer", STEMMERS)
def test_schema_pickle_round_trip(stemmer):
    schema = Schema(body=TEXT(analyzer=arabic_analyzer(stemmer)), exact=TEXT(analyzer=exact_analyzer()))
    analyze_terms("والمسيرات", stemmer)  # builds any lazy stemmer state before pickling
    restored = pickle.loads(pickle.dumps(schema))
    assert restored == schema
    assert restored["body"].analyzer != restored["exact"].analyzer
    text = "والمسيرات في العراق"
    for field in ("body", "exact"):
        assert [t.text for t in restored[field].analyzer(text)] == [t.text for t in schema[field].analyzer(text)]


def test_index_on_disk_reopens_with_equal_schema(tmp_path):
    create_in(tmp_path, phrase_schema()).writer().commit()
    assert open_dir(tmp_path).schema == phrase_schema()


@pytest.fixture(scope="module")
def seed_index():
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=arabic_analyzer(), stored=True))
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        for path in SEED_PATHS:
            writer.add_document(id=path.stem, body=path.read_text(encoding="utf-8"))
    return index


def test_every_seed_word_finds_its_own_document(seed_index):
    assert len(SEED_PATHS) == 5
    with seed_index.searcher() as searcher:
        docnums = {searcher.document(id=path.stem)["id"]: searcher.document_number(id=path.stem) for path in SEED_PATHS}
        checked = 0
        for path in SEED_PATHS:
            for word in set(path.read_text(encoding="utf-8").split()):
                terms = analyze_terms(word)
                if not terms:
                    continue  # stop words and punctuation give no query
                found = set(searcher.docs_for_query(And([Term("body", term) for term in terms])))
                assert docnums[path.stem] in found, (path.name, word, terms)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    ("seed_prefix", "query", "written"),
    [("004", "مسيرة", "مسيَّرة"), ("000", "الامريكيه", "الأمريكية")],
)
def test_highlight_wraps_the_word_as_written(seed_prefix, query, written):
    (path,) = SEEDS_DIR.glob(f"{seed_prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    terms = frozenset(analyze_terms(query))
    marked = highlight.highlight(
        text, terms, arabic_analyzer(), highlight.ContextFragmenter(), highlight.HtmlFormatter(tagname="mark")
    )
    assert f">{written}</mark>" in marked
