"""Search over the synthetic records: query language, variants, filters, facets, highlights."""

from __future__ import annotations

import pytest

from indexer import DocumentNotFound, QueryError, Ranking
from indexer.search.query import And, Not, Or, Phrase, Word, parse_query


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


# --- query language ---------------------------------------------------------------


def test_plain_words_require_all_words(synthetic_index):
    assert ids(synthetic_index.search("مسيرة العراق", ranking=Ranking(match="auto"))) == {"pentagon.json"}


def test_auto_mode_falls_back_to_best_match_with_a_note(synthetic_index):
    result = synthetic_index.search("مسيرة القاهرة", ranking=Ranking(match="auto"))
    assert ids(result) == {"drone.json", "pentagon.json", "economy.json"}
    assert any("at least 1" in note for note in result.notes)
    strict = synthetic_index.search("مسيرة القاهرة", ranking=Ranking(match="all"))
    assert strict.total == 0


def test_or_and_not(synthetic_index):
    assert ids(synthetic_index.search("القاهرة OR بغداد")) == {"economy.json", "isis.json"}
    assert ids(synthetic_index.search("العراق -البرلمان")) == {"pentagon.json", "isis.json"}
    assert ids(synthetic_index.search("العراق NOT البرلمان")) == {"pentagon.json", "isis.json"}
    assert ids(synthetic_index.search("(القاهرة OR بغداد) -تفجير")) == {"economy.json"}


def test_only_negative_query_lists_everything_else(synthetic_index):
    assert synthetic_index.search("-العراق").total == 2


def test_phrase_needs_adjacent_words(synthetic_index):
    assert ids(synthetic_index.search('"الاقتصاد المصري"')) == {"economy.json"}
    assert synthetic_index.search('"المصري الاقتصاد"').total == 0


def test_phrase_with_a_stop_word_checks_which_stop_word(synthetic_index):
    assert ids(synthetic_index.search('"هجوم على القاعدة"')) == {"drone.json"}
    assert synthetic_index.search('"هجوم في القاعدة"').total == 0


def test_prefix(synthetic_index):
    assert ids(synthetic_index.search("الموازن*")) == {"markup.json"}
    assert ids(synthetic_index.search("تفجي*")) == {"isis.json"}


def test_exact_marker_bypasses_stemming(synthetic_index):
    # Stemmed, الطائرات and طائرة are one word; exactly written, only one document has the plural.
    assert ids(synthetic_index.search("الطائرات")) == {"drone.json", "pentagon.json"}
    assert ids(synthetic_index.search("=الطائرات")) == {"pentagon.json"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("أمريكية", {"drone.json", "pentagon.json"}),
        ("الأميركية", {"drone.json", "pentagon.json"}),
        ("البنتاجون", {"pentagon.json", "economy.json"}),
        ("البنتاغون", {"pentagon.json", "economy.json"}),
        ("داعش", {"isis.json"}),
    ],
)
def test_variant_spellings_find_each_other(synthetic_index, query, expected):
    assert ids(synthetic_index.search(query)) == expected


def test_variants_do_not_apply_to_exact_words(synthetic_index):
    assert ids(synthetic_index.search("=البنتاجون")) == {"economy.json"}


def test_empty_query_browses_newest_first_with_undated_last(synthetic_index):
    result = synthetic_index.search("", limit=10)
    assert result.total == 5
    assert result.sort == "date"
    assert [hit.id for hit in result.hits] == [
        "drone.json", "economy.json", "pentagon.json", "isis.json", "markup.json"
    ]


def test_sort_by_date_and_pages(synthetic_index):
    first = synthetic_index.search("العراق", sort="date", limit=2, page=1)
    second = synthetic_index.search("العراق", sort="date", limit=2, page=2)
    assert first.total == 3 and first.pages == 2
    assert [hit.id for hit in first.hits] == ["pentagon.json", "isis.json"]
    assert [hit.id for hit in second.hits] == ["markup.json"]


def test_title_weighs_more_than_body(synthetic_index):
    # البرلمان is in markup's title and body, الحكومة in its body only.
    weighted = synthetic_index.search("البرلمان", ranking=Ranking(title_weight=5.0)).hits[0].score
    plain = synthetic_index.search("البرلمان", ranking=Ranking(title_weight=1.0)).hits[0].score
    assert weighted > plain > 0
    body_only = synthetic_index.search("الحكومة", ranking=Ranking(title_weight=5.0)).hits[0].score
    assert body_only == synthetic_index.search("الحكومة", ranking=Ranking(title_weight=1.0)).hits[0].score


# --- filters and facets ----------------------------------------------------------------


def facet(result, name) -> dict[str, int]:
    return {value.value: value.count for value in result.facets[name].values}


def test_filters_combine_or_within_and_across(synthetic_index):
    assert ids(synthetic_index.search("", sources=["الجزيرة", "المدى"])) == {"drone.json", "isis.json", "markup.json"}
    assert ids(synthetic_index.search("", sources=["الجزيرة"], actors=["الولايات المتحدة"])) == {"drone.json"}
    assert ids(synthetic_index.search("", since="2024-06-01", until="2024-07-01")) == {"pentagon.json",
                                                                                       "economy.json"}


def test_multi_select_facets_ignore_their_own_selection(synthetic_index):
    result = synthetic_index.search("", sources=["الجزيرة"])
    assert result.total == 2
    # The source facet still shows the other sources...
    assert facet(result, "source") == {"الجزيرة": 2, "العربية": 2, "المدى": 1}
    assert [v.value for v in result.facets["source"].values if v.selected] == ["الجزيرة"]
    # ...while the other facets count the filtered results only.
    assert facet(result, "actor") == {"الحوثيون": 1, "الولايات المتحدة": 1, "تنظيم الدولة": 1}
    assert result.facets["actor"].total_values == 3


def test_facets_follow_the_query(synthetic_index):
    result = synthetic_index.search("العراق")
    assert facet(result, "source") == {"الجزيرة": 1, "العربية": 1, "المدى": 1}


def test_date_facet_counts_years_over_a_long_span_and_unknown_dates(synthetic_index):
    result = synthetic_index.search("")
    assert result.facets["date"].interval == "year"
    assert facet(result, "date") == {"2019": 1, "2024": 3, "unknown": 1}


def test_date_facet_counts_months_over_a_short_span(synthetic_index):
    result = synthetic_index.search("", sources=["العربية"])
    assert result.facets["date"].interval == "month"
    assert facet(result, "date") == {"2024-06": 1, "2024-07": 1}


def test_facet_limit_keeps_total_values(synthetic_index):
    result = synthetic_index.search("", facet_limit=1)
    assert len(result.facets["actor"].values) == 1
    assert result.facets["actor"].total_values == 4


def test_actor_and_source_lists(synthetic_index):
    assert synthetic_index.actors()[0].value == "الولايات المتحدة"
    assert synthetic_index.actors()[0].count == 2
    assert {v.value for v in synthetic_index.sources()} == {"الجزيرة", "العربية", "المدى"}


# --- highlights -------------------------------------------------------------------------


def test_snippet_marks_the_surface_form(synthetic_index):
    hit = next(h for h in synthetic_index.search("مسيرة").hits if h.id == "drone.json")
    assert "<mark>مسيَّرة</mark>" in hit.snippet


def test_snippet_marks_variant_and_stemmed_forms(synthetic_index):
    hit = next(h for h in synthetic_index.search("أمريكية").hits if h.id == "pentagon.json")
    assert "<mark>الأميركية</mark>" in hit.snippet


def test_markup_in_a_document_is_escaped(synthetic_index):
    hit = synthetic_index.search("الموازنة").hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark>الموازنة</mark>" in hit.snippet
    document = synthetic_index.document("markup.json", query="الموازنة")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document.body_html
    assert document.body_html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_document_marks_every_match(synthetic_index):
    document = synthetic_index.document("isis.json", query="تنظيم")
    assert document.match_count == 1
    assert document.body_html.count("<mark>") == 1
    assert document.source == "الجزيرة" and document.date == "2019-01-05"
    plain = synthetic_index.document("isis.json")
    assert plain.match_count == 0 and "<mark>" not in plain.body_html


def test_unknown_document(synthetic_index):
    with pytest.raises(DocumentNotFound):
        synthetic_index.document("nope.json")


# --- forgiving parsing -----------------------------------------------------------------


EVERYTHING = {"drone.json", "economy.json", "isis.json", "markup.json", "pentagon.json"}
IRAQ = {"isis.json", "markup.json", "pentagon.json"}


@pytest.mark.parametrize(
    ("query", "expected", "notices"),
    [
        ('"unbalanced phrase', set(), []),  # the phrase runs to the end: no document has it
        ('"', EVERYTHING, []),  # nothing left to search: everything, newest first
        ("(العراق OR", IRAQ, []),
        ("العراق))", IRAQ, []),
        ("OR", EVERYTHING, []),  # stray operators are ignored
        ("NOT", EVERYTHING, []),
        ("- -", EVERYTHING, []),
        ("AND OR NOT", EVERYTHING, []),
        ("source:", set(), []),  # name:value is read as words; "source" is in no document
        ("title: ", set(), []),
        ("*", EVERYTHING, []),
        ("=", EVERYTHING, []),
        ("**مسير", {"drone.json", "pentagon.json"}, []),
        ("العراق " * 1000, IRAQ, ["query_cut", "query_words_cut"]),
        ("ع" * 5000, set(), ["query_cut"]),
        ("\x00\x07العراق\x1b[31m", IRAQ, ["best_match"]),  # control characters dropped; "31m" is in no document
        ("<script>alert(1)</script>", {"markup.json"}, []),  # the article that prints this markup as text
        ("<b>العراق</b>", set(), []),  # one token read as the sequence b العراق b, found nowhere
        ("((((((", EVERYTHING, []),
        ("في من على", set(), ["stop_words_only"]),
    ],
)
def test_malformed_queries_never_raise(synthetic_index, query, expected, notices):
    result = synthetic_index.search(query)
    assert result.total == len(expected)
    assert ids(result) == expected
    assert [notice.code for notice in result.notices] == notices
    for hit in result.hits:
        assert "<script>" not in hit.snippet


def test_long_query_is_cut_with_a_note(synthetic_index):
    result = synthetic_index.search("العراق " * 1000)
    assert result.notes
    assert ids(result) == {"pentagon.json", "isis.json", "markup.json"}


def test_stop_words_only_query_says_why(synthetic_index):
    result = synthetic_index.search("في من")
    assert result.total == 0
    assert any("stop words" in note for note in result.notes)


@pytest.mark.parametrize(
    "kwargs",
    [{"since": "2024-13-01"}, {"until": "yesterday"}, {"sort": "popularity"}, {"page": 0}, {"limit": "ten"}],
)
def test_bad_filters_raise_query_error(synthetic_index, kwargs):
    with pytest.raises(QueryError):
        synthetic_index.search("العراق", **kwargs)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a b", And([Word("a"), Word("b")])),
        ("a OR b", Or([Word("a"), Word("b")])),
        ("a | b", Or([Word("a"), Word("b")])),
        ("-a b", And([Not(Word("a")), Word("b")])),
        ("NOT a", Not(Word("a"))),
        ('"a b"', Phrase("a b")),
        ('"a b', Phrase("a b")),
        ("pre*", Word("pre", prefix=True)),
        ("=word", Word("word", exact=True)),
        ("(a OR b", Or([Word("a"), Word("b")])),
        ("a)", Word("a")),
        ("OR a", Word("a")),
        ("a NOT", Word("a")),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_query(text, tree):
    assert parse_query(text).tree == tree


# --- proximity ---------------------------------------------------------------------


@pytest.mark.parametrize("firsts, seconds, window, expected", [
    ([], [4], 3, 0),
    ([3], [4], 1, 1),
    ([3], [5], 1, 0),
    ([3], [5], 3, 1),
    ([5], [3], 3, 0),  # in the query's order only
    ([1, 10], [2, 11, 30], 3, 2),
    ([2], [2], 3, 0),
])
def test_pairs_within_counts_second_words_shortly_after_a_first(firsts, seconds, window, expected):
    from indexer.search.engine import _pairs_within

    assert _pairs_within(firsts, seconds, window) == expected


@pytest.fixture(scope="module")
def proximity_index(tmp_path_factory):
    from conftest import read_article, write_articles
    from indexer import open_index, update_index

    filler = "تقرير موسع عن الأوضاع العامة في المنطقة خلال الأسابيع الماضية"
    articles = {
        # Same words, same lengths: only their distance differs.
        "near.json": {"title": "خبر أول", "body": f"{filler} وصل وفد الطاقة المتجددة إلى المدينة {filler}"},
        "far.json": {"title": "خبر ثان", "body": f"{filler} وصل وفد المتجددة إلى المدينة الطاقة {filler}"},
    }
    folder = write_articles(tmp_path_factory.mktemp("proximity_corpus"), articles)
    index_dir = tmp_path_factory.mktemp("proximity_index")
    update_index([folder], index_dir, read=read_article, processes=1)
    return open_index(index_dir)


def test_consecutive_query_words_close_together_rank_first(proximity_index):
    without = proximity_index.search("الطاقة المتجددة", ranking=Ranking(proximity_weight=0.0))
    assert without.hits[0].score == pytest.approx(without.hits[1].score)
    with_proximity = proximity_index.search("الطاقة المتجددة", ranking=Ranking(proximity_weight=0.25))
    assert [hit.id for hit in with_proximity.hits] == ["near.json", "far.json"]
    assert with_proximity.hits[0].score > with_proximity.hits[1].score == pytest.approx(without.hits[1].score)
    # In the query's order: far.json has الطاقة three positions after المتجددة (a stop word between).
    reversed_words = proximity_index.search("المتجددة الطاقة", ranking=Ranking(proximity_weight=0.25))
    assert [hit.id for hit in reversed_words.hits] == ["far.json", "near.json"]
    too_far = proximity_index.search("المتجددة الطاقة", ranking=Ranking(proximity_weight=0.25, proximity_window=2))
    assert too_far.hits[0].score == pytest.approx(too_far.hits[1].score)


# --- the actor facet by type (actor_type) ----------------------------------------------------------

#: Articles whose records carry typed entities; زيد is a person in two and (mistyped) an organisation in one,
#: مجهول has no type at all.
TYPED_ARTICLES = {
    "a.json": [("زيد", "person"), ("الأمم المتحدة", "organisation"), ("العراق", "place")],
    "b.json": [("زيد", "person"), ("العراق", "place")],
    "c.json": [("زيد", "organisation"), ("حماس", "organisation")],
    "d.json": [("مجهول", None)],
}


def _read_typed(path, root, reference_date):
    import hashlib
    import json

    from indexer.records import Record

    named = [tuple(pair) for pair in json.loads(path.read_text(encoding="utf-8"))]
    return [Record(id=path.name, path=path.name, title=f"مقالة {path.stem}", body="نص عن " + " و".join(n for n, _ in named),
                   actors=[name for name, _ in named],
                   entities=[{"name": name, "type": kind, "mentions": 1} for name, kind in named if kind],
                   content_hash=hashlib.sha256(path.read_bytes()).hexdigest())]


@pytest.fixture(scope="module")
def typed_index_dir(tmp_path_factory):
    import json

    from indexer import update_index

    folder = tmp_path_factory.mktemp("typed_corpus")
    for name, named in TYPED_ARTICLES.items():
        (folder / name).write_text(json.dumps(named, ensure_ascii=False), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("typed_index")
    update_index([folder], index_dir, read=_read_typed, processes=1)
    return index_dir


@pytest.fixture(scope="module")
def typed_index(typed_index_dir):
    from indexer import open_index

    with open_index(typed_index_dir) as index:
        yield index


def actor_facet(result) -> list[tuple]:
    return [(v.value, v.count, v.type, v.selected) for v in result.facets["actor"].values]


def test_actor_facet_values_carry_the_type_most_documents_give(typed_index):
    result = typed_index.search("")
    assert actor_facet(result) == [("زيد", 3, "person", False), ("العراق", 2, "place", False),
                                   ("الأمم المتحدة", 1, "organisation", False), ("حماس", 1, "organisation", False),
                                   ("مجهول", 1, None, False)]
    values = result.to_dict()["facets"]["actor"]
    assert values[0] == {"value": "زيد", "count": 3, "selected": False, "type": "person"}
    assert "type" not in values[-1]  # no record types it: the key is left out, nothing else changes
    assert all(isinstance(actor, str) for hit in result.hits for actor in hit.actors)


@pytest.mark.parametrize("actor_type,expected", [
    ("person", [("زيد", 2, "person", False)]),
    ("organisation", [("الأمم المتحدة", 1, "organisation", False), ("حماس", 1, "organisation", False),
                      ("زيد", 1, "organisation", False)]),
    ("place", [("العراق", 2, "place", False)]),
])
def test_actor_type_restricts_the_actor_facet_not_the_documents(typed_index, actor_type, expected):
    result = typed_index.search("", actor_type=actor_type)
    assert actor_facet(result) == expected
    assert result.facets["actor"].total_values == len(expected)
    assert result.total == len(TYPED_ARTICLES)  # documents are not filtered
    assert actor_facet(typed_index.search("", actor_type=actor_type.upper())) == expected


def test_a_selected_actor_of_another_type_stays_listed_under_a_type(typed_index):
    result = typed_index.search("", actors=["زيد"], actor_type="place")
    assert result.total == 3  # --actor filters the documents
    assert actor_facet(result) == [("العراق", 2, "place", False), ("زيد", 0, "person", True)]


def test_facet_value_search_and_summaries_honour_the_actor_type(typed_index):
    found = typed_index.facet_values("actor", "ز", actor_type="organisation")
    assert [(v.value, v.count, v.type) for v in found.values] == [("زيد", 1, "organisation")] and found.total == 1
    assert [(v.value, v.type) for v in typed_index.facet_values("actor", "").values][:2] == [("زيد", "person"),
                                                                                           ("العراق", "place")]
    people = typed_index.actor_summaries(actor_type="person")
    assert [(s.name, s.documents, s.type) for s in people] == [("زيد", 2, "person")]
    assert {s.type for s in typed_index.actor_summaries()} >= {"person", "organisation", "place"}
    assert len(typed_index.actor_summaries(limit=1, actor_type="organisation")) == 1


@pytest.mark.parametrize("bad", ["people", "org", "أشخاص"])
def test_an_unknown_actor_type_is_a_query_error_with_a_code(typed_index, bad):
    for call in (lambda: typed_index.search("", actor_type=bad),
                 lambda: typed_index.facet_values("actor", "", actor_type=bad),
                 lambda: typed_index.actor_summaries(actor_type=bad),
                 lambda: list(typed_index.iter_hits("", actor_type=bad))):
        with pytest.raises(QueryError) as caught:
            call()
        assert caught.value.code == "bad_actor_type" and caught.value.params == {"value": bad}
        assert "person, organisation, place" in str(caught.value)


def test_a_store_written_before_actor_types_reads_them_from_the_records(typed_index, typed_index_dir, tmp_path):
    import shutil
    import sqlite3

    from indexer import open_index

    for name, change in (("null", "UPDATE docs SET actor_types = NULL"),  # rows written before the column
                         ("older", "ALTER TABLE docs DROP COLUMN actor_types")):  # a store without it
        copy = tmp_path / name
        shutil.copytree(typed_index_dir, copy)
        for path in copy.rglob("fahras.sqlite"):
            with sqlite3.connect(path) as db:
                db.execute(change)
        with open_index(copy) as old:
            for actor_type in (None, "person", "organisation"):
                assert actor_facet(old.search("", actor_type=actor_type)) == \
                       actor_facet(typed_index.search("", actor_type=actor_type)), (name, actor_type)


def test_the_next_update_fills_the_types_of_rows_written_before_them(typed_index, tmp_path):
    import json
    import sqlite3

    from indexer import open_index, update_index

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, named in TYPED_ARTICLES.items():
        (folder / name).write_text(json.dumps(named, ensure_ascii=False), encoding="utf-8")
    index_dir = tmp_path / "index"
    update_index([folder], index_dir, read=_read_typed, processes=1)
    (store_path,) = index_dir.rglob("fahras.sqlite")

    def untyped() -> int:
        with sqlite3.connect(store_path) as db:
            return db.execute("SELECT count(*) FROM docs WHERE actor_types IS NULL AND actors != ''").fetchone()[0]

    with sqlite3.connect(store_path) as db:
        db.execute("UPDATE docs SET actor_types = NULL")  # as a store written before the column
    assert untyped() == len(TYPED_ARTICLES)
    report = update_index([folder], index_dir, read=_read_typed, processes=1)
    assert report.unchanged == len(TYPED_ARTICLES) and untyped() == 0
    with open_index(index_dir) as filled:
        for actor_type in (None, "person", "organisation", "place"):
            assert actor_facet(filled.search("", actor_type=actor_type)) == \
                   actor_facet(typed_index.search("", actor_type=actor_type)), actor_type
