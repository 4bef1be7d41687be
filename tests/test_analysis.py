"""The analysis chain: tokens, offsets, one chain for index, query and highlights, stop-word gaps, pickling."""

import hashlib
import pickle
from pathlib import Path

import pytest
from whoosh import highlight
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.index import create_in, open_dir
from whoosh.qparser import QueryParser
from whoosh.query import And, Phrase, Term

from indexer.search.highlight import MatchTerms, match_spans
from indexer.storage.schema import CompactPositions, decode_position_deltas, fused_chain, fused_postings
from indexer.text.analysis import (
    ANALYZER_VERSION,
    DEFAULT_STEMMER,
    STEMMERS,
    analyze_terms,
    arabic_analyzer,
    chain,
    exact_analyzer,
)
from indexer.text.stopwords import ARABIC_STOPWORDS

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
SEED_PATHS = sorted(SEEDS_DIR.glob("*.txt"))


def surface_words(text, analyzer):
    return [text[t.startchar : t.endchar] for t in analyzer(text, chars=True, removestops=False)]


def test_public_constants():
    assert STEMMERS == ("light10", "fahras", "snowball", "none")
    assert DEFAULT_STEMMER in STEMMERS


#: sha256 of every token (term, position, start, end) of the seeds, for each stemmer with and
#: without stop words, under each ANALYZER_VERSION.  When this test fails the chain's tokens
#: changed: existing indexes no longer match the code, so bump ANALYZER_VERSION and record the
#: new fingerprint here.
TOKEN_FINGERPRINTS = {3: "7c6636c810b5ed630898b63b703d4b0210260e65957e1d9096b1df272c63f0bf"}


def seed_token_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in SEED_PATHS:
        text = path.read_text(encoding="utf-8")
        for stemmer in STEMMERS:
            for stopwords in (True, False):
                digest.update(repr(list(chain(stemmer, stopwords).tokens(text))).encode("utf-8"))
    return digest.hexdigest()


def test_analyzer_version_names_the_tokens_it_produces():
    assert TOKEN_FINGERPRINTS.get(ANALYZER_VERSION) == seed_token_fingerprint()


# --- one chain: index, query and highlight see the same tokens ----------------------------

CHAIN_CONFIGURATIONS = [(stemmer, True) for stemmer in STEMMERS] + [("none", False)]


def whoosh_tokens(text, stemmer, stopwords, **options):
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in arabic_analyzer(stemmer, stopwords)(text, positions=True, chars=True, **options)
    ]


@pytest.mark.parametrize(("stemmer", "stopwords"), CHAIN_CONFIGURATIONS)
@pytest.mark.parametrize("path", SEED_PATHS, ids=lambda path: path.name[:3])
def test_index_query_and_highlight_see_the_same_tokens(path, stemmer, stopwords):
    text = path.read_text(encoding="utf-8")
    tokens = whoosh_tokens(text, stemmer, stopwords)
    assert len(tokens) > 300
    assert [text[start:end] for _, _, start, end in tokens] == [
        word for word in surface_words(text, exact_analyzer()) if chain(stemmer, stopwords).term(word) is not None
    ]
    # Index: the postings the build writes hold exactly these terms at these positions.
    postings = fused_postings(text, fused_chain(arabic_analyzer(stemmer, stopwords)), CompactPositions())
    indexed = {(term.decode("utf-8"), pos) for term, _, _, value in postings for pos in decode_position_deltas(value)}
    assert indexed == {(term, pos) for term, pos, _, _ in tokens}
    # Query: the terms a query for the text looks up, in order (Whoosh's query mode too).
    assert analyze_terms(text, stemmer, stopwords) == [term for term, _, _, _ in tokens]
    assert whoosh_tokens(text, stemmer, stopwords, mode="query") == tokens
    # Highlight: asked for every term, it marks every token at its offsets, and asked for
    # one term, only the tokens of that term.
    stops = ARABIC_STOPWORDS if stopwords else frozenset()
    everything = MatchTerms(stemmer, stems={term for term, _, _, _ in tokens}, stopwords=stops)
    assert match_spans(text, everything) == [(start, end) for _, _, start, end in tokens]
    for term in sorted(everything.stems)[::25]:
        wanted = [(start, end) for token, _, start, end in tokens if token == term]
        assert match_spans(text, MatchTerms(stemmer, stems={term}, stopwords=stops)) == wanted, term


def test_kept_stop_words_are_marked_in_place():
    tokens = [(t.text, t.pos, t.stopped) for t in arabic_analyzer()("الجيش في العراق", positions=True, removestops=False)]
    assert tokens == [("جيش", 0, False), ("في", 1, True), ("عراق", 2, False)]


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


def test_a_feminine_noun_finds_its_dual_in_seed_000():
    # Issue 13: مسيرة must find "بطائرتين مسيرتين", and mark the dual as written.
    (path,) = SEEDS_DIR.glob("000_*.txt")
    text = path.read_text(encoding="utf-8")
    (query_term,) = analyze_terms("مسيرة")
    terms = MatchTerms(DEFAULT_STEMMER, stems={query_term}, stopwords=ARABIC_STOPWORDS)
    marked = {text[start:end] for start, end in match_spans(text, terms)}
    assert "مسيرتين" in marked and "بطائرتين مسيرتين" in text
    assert query_term in analyze_terms("بطائرتين مسيرتين")
