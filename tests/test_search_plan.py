"""The query plan, parsed filters, the backend seam and the search API built on them."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer import QueryError, Ranking
from indexer.search.backend import SearchBackend
from indexer.search.plan import EXACT, PHRASE, PREFIX, WORD, Filters, Leaf, QueryAnalyzer
from indexer.search.query import And, Not


def ids(hits) -> list[str]:
    return [hit.id for hit in hits]


# --- the plan ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer():
    return QueryAnalyzer()


def test_each_leaf_is_analysed_once(analyzer):
    plan = analyzer.plan("القوات الأمريكية")
    assert isinstance(plan.tree, And)
    first, second = plan.tree.children
    assert (first.kind, first.text, first.stems, first.exact, first.variants) == (
        WORD, "القوات", (("قوات", 0),), ("القوات",), ())
    # The variant table gives the other spelling (أميركية) as its own analysis.
    assert (second.stems, second.exact, second.variants) == ((("امريك", 0),), ("الامريكيه",), ((("اميرك", 0),),))
    assert plan.match_terms.stems == {"قوات", "امريك", "اميرك"}
    assert plan.match_terms.exact == {"القوات", "الامريكيه"}


def test_searching_analyses_the_query_once_per_leaf(synthetic_index, monkeypatch):
    calls = []
    analyzer = synthetic_index.backend.analyzer
    original = analyzer.stemmed_tokens
    monkeypatch.setattr(analyzer, "stemmed_tokens", lambda text: calls.append(text) or original(text))
    result = synthetic_index.search("القوات الأمريكية")
    assert calls == ["القوات", "الأمريكية"]
    assert result.hits and all(hit.snippet for hit in result.hits)


@pytest.mark.parametrize(
    ("query", "kind", "stems", "exact"),
    [
        ("=القوات", EXACT, (), ("القوات",)),
        ("امريك*", PREFIX, (), ("امريك",)),
        ('"هجوم على القاعدة"', PHRASE, (("هجوم", 0), ("قاعد", 2)), ("هجوم", "علي", "القاعده")),
    ],
)
def test_leaf_kinds(analyzer, query, kind, stems, exact):
    leaf = analyzer.plan(query).tree
    assert isinstance(leaf, Leaf)
    assert (leaf.kind, leaf.stems, leaf.exact) == (kind, stems, exact)


def test_negated_leaves_are_not_highlighted(analyzer):
    plan = analyzer.plan("العراق -سوريا")
    assert isinstance(plan.tree.children[1], Not)
    assert plan.match_terms.stems == {"عراق"}


def test_query_notices_have_codes(analyzer):
    plan = analyzer.plan("كلمة " * 300)
    assert [notice.code for notice in plan.notices] == ["query_cut", "query_words_cut"]
    assert plan.notices[0].params == {"chars": 1000}


# --- filters ----------------------------------------------------------------------


def test_filters_are_read_once_and_checked():
    filters = Filters.parse(sources="الجزيرة", actors=["", "مصر", "مصر"], since="2024-01-01",
                            until=dt.date(2024, 12, 31), exclude_actors=["تنظيم الدولة"])
    assert filters == Filters(("الجزيرة",), ("مصر",), (), ("تنظيم الدولة",), dt.date(2024, 1, 1),
                              dt.date(2024, 12, 31))


def test_an_inverted_date_range_is_an_error():
    with pytest.raises(QueryError, match="after until") as caught:
        Filters.parse(since="2024-01-01", until="2020-01-01")
    assert caught.value.code == "inverted_range"


def test_a_bad_date_is_an_error():
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        Filters.parse(since="2024-31-12")


def test_an_unknown_match_mode_is_refused():
    with pytest.raises(QueryError, match="Ranking.match"):
        Ranking(match="every")


# --- the seam and the search API --------------------------------------------------


def test_the_embedded_index_is_a_search_backend(synthetic_index):
    assert isinstance(synthetic_index.backend, SearchBackend)


def test_excluding_a_value_drops_its_documents_everywhere(synthetic_index):
    result = synthetic_index.search("", exclude_sources=["الجزيرة"])
    assert sorted(ids(result.hits)) == ["economy.json", "markup.json", "pentagon.json"]
    assert {value.value: value.count for value in result.facets["source"].values} == {"العربية": 2, "المدى": 1}
    without_actor = synthetic_index.search("", exclude_actors=["الولايات المتحدة"])
    assert sorted(ids(without_actor.hits)) == ["economy.json", "isis.json", "markup.json"]


def test_oldest_first_puts_undated_documents_last(synthetic_index):
    result = synthetic_index.search("", sort="oldest")
    assert ids(result.hits) == ["isis.json", "pentagon.json", "economy.json", "drone.json", "markup.json"]


def test_date_facet_values_carry_their_range(synthetic_index):
    values = {value.value: value for value in synthetic_index.search("").facets["date"].values}
    assert (values["2024"].start, values["2024"].end) == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert values["unknown"].start is None
    narrowed = {v.value for v in synthetic_index.search("", since="2024-06-01").facets["date"].values}
    # The date facet ignores its own selection: every year is still there.
    assert narrowed == {"2019", "2024", "unknown"}


def test_month_buckets_end_on_the_first_of_the_next_month(synthetic_index):
    months = {v.value: (v.start, v.end) for v in synthetic_index.search("مسيرة").facets["date"].values}
    assert months == {"2024-06": (dt.date(2024, 6, 1), dt.date(2024, 7, 1)),
                      "2024-07": (dt.date(2024, 7, 1), dt.date(2024, 8, 1))}
    assert synthetic_index.search("مسيرة").to_dict()["facets"]["date"][0] == {
        "value": "2024-06", "count": 1, "selected": False, "start": "2024-06-01", "end": "2024-07-01"}


def test_facet_values_search_all_values_after_normalization(synthetic_index):
    found = synthetic_index.facet_values("actor", "الولايات")
    assert found.to_dict() == {"facet": "actor", "total": 1,
                               "values": [{"value": "الولايات المتحدة", "count": 2, "selected": False}]}
    # Hamza and ta marbuta forms meet: "الدوله" finds "تنظيم الدولة".
    assert [v.value for v in synthetic_index.facet_values("actor", "الدوله").values] == ["تنظيم الدولة"]
    # Counted over the current search: the query keeps only the drone article.
    assert [(v.value, v.count) for v in synthetic_index.facet_values("actor", "", query="سوريا").values] == [
        ("الحوثيون", 1), ("الولايات المتحدة", 1)]
    assert synthetic_index.facet_values("source", "نوب").total == 0


def test_facet_values_of_an_unknown_facet_is_an_error(synthetic_index):
    with pytest.raises(QueryError, match="no facet named"):
        synthetic_index.facet_values("colour", "")


def test_iter_hits_gives_the_whole_result_set_in_order(synthetic_index):
    every = list(synthetic_index.iter_hits("", sort="date"))
    assert ids(every) == ids(synthetic_index.search("", sort="date", limit=100).hits)
    assert all(hit.snippet == "" for hit in every)
    ranked = list(synthetic_index.iter_hits("مسيرة"))
    assert ids(ranked) == ids(synthetic_index.search("مسيرة", limit=100).hits)


def test_a_one_word_phrase_needs_no_text_check(synthetic_index):
    result = synthetic_index.search('"في"')
    # Every article but markup.json has في, in its title or its body.
    assert sorted(ids(result.hits)) == ["drone.json", "economy.json", "isis.json", "pentagon.json"]
    assert result.notices == []


# --- hostile queries (never a traceback) ------------------------------------------


def test_deep_brackets_are_flattened_with_a_note(synthetic_index):
    result = synthetic_index.search("(" * 200 + "العراق" + ")" * 200)
    # العراق also finds العراقي (markup.json) through stemming.
    assert sorted(ids(result.hits)) == ["isis.json", "markup.json", "pentagon.json"]
    assert [notice.code for notice in result.notices] == ["query_nesting_flattened"]


def test_long_chains_of_not_collapse(synthetic_index):
    assert sorted(ids(synthetic_index.search("NOT " * 240 + "العراق").hits)) == [
        "isis.json", "markup.json", "pentagon.json"]
    assert sorted(ids(synthetic_index.search("NOT " * 239 + "العراق").hits)) == ["drone.json", "economy.json"]


def test_a_dash_between_spaces_is_not_an_operator(synthetic_index):
    # A pasted headline "A - B" must find the article with both words, not exclude B.
    assert ids(synthetic_index.search("البنتاغون - الهجمات").hits) == ["pentagon.json"]
    assert "pentagon.json" not in ids(synthetic_index.search("العراق -الهجمات").hits)


# --- a search cannot stall the others ---------------------------------------------


def test_a_search_past_its_budget_is_partial_with_a_note(synthetic_index):
    full = synthetic_index.search('"هجوم على القاعدة"')
    assert ids(full.hits) == ["drone.json"] and full.notices == []
    partial = synthetic_index.search('"هجوم على القاعدة"', budget_ms=0)
    assert [notice.code for notice in partial.notices] == ["time_budget"]
    assert partial.total == 0
    # Plain words need no slow step: a zero budget changes nothing.
    assert ids(synthetic_index.search("مسيرة", budget_ms=0).hits) == ids(synthetic_index.search("مسيرة").hits)


def test_searches_do_not_wait_for_each_other(synthetic_index):
    # An export holds its searcher between batches; a search meanwhile takes another one.
    export = synthetic_index.iter_hits("")
    first = next(export)
    assert synthetic_index.search("مسيرة").total == 2
    assert [first.id, *(hit.id for hit in export)] == ids(synthetic_index.search("", limit=10).hits)


# --- highlights follow the query --------------------------------------------------


def test_a_phrase_is_marked_only_where_it_stands(synthetic_index):
    document = synthetic_index.document("drone.json", query='"هجوم على القاعدة"')
    assert document.match_count == 1
    assert "<mark>هجوم على القاعدة</mark>" in document.body_html
    # The same words as plain words are marked one by one.
    plain = synthetic_index.document("drone.json", query="هجوم القاعدة")
    assert plain.match_count == 2
    assert "<mark>هجوم</mark> على <mark>القاعدة</mark>" in plain.body_html


def test_phrase_patterns_keep_stop_words_and_variants(analyzer):
    from indexer.search.highlight import highlight_all

    terms = analyzer.plan('"وزارة الخارجية"').match_terms
    assert terms.stems == set() and len(terms.phrases) == 1
    html, count = highlight_all("خرج من خارج المبنى، وقالت وزارة الخارجية ثم للخارجية", terms)
    assert (html, count) == ("خرج من خارج المبنى، وقالت <mark>وزارة الخارجية</mark> ثم للخارجية", 1)
    wrong_stop_word = analyzer.plan('"هجوم على القاعدة"').match_terms
    assert highlight_all("هجوم في القاعدة", wrong_stop_word) == ("هجوم في القاعدة", 0)


def test_hit_titles_are_highlighted(synthetic_index):
    hit = synthetic_index.search("مسيرة سوريا").hits[0]
    assert hit.id == "drone.json"
    assert hit.title_html == "طائرة <mark>مسيَّرة</mark> تهاجم قاعدة أمريكية في <mark>سوريا</mark>"
    assert synthetic_index.search("مسيرة").to_dict()["hits"][0]["title_html"].count("<mark>") == 1


def test_an_unknown_source_is_an_error_naming_the_closest(synthetic_index):
    with pytest.raises(QueryError) as caught:
        synthetic_index.search("", sources=["الجزيره"])
    assert caught.value.code == "unknown_value"
    assert caught.value.params["suggestions"][0] == "الجزيرة"
    with pytest.raises(QueryError):
        list(synthetic_index.iter_hits("", exclude_sources=["Nope"]))
    assert synthetic_index.search("", sources=["الجزيرة"]).total == 2


def test_slow_phrase_checks_queue_in_one_lane(synthetic_index, monkeypatch):
    from indexer.search import engine

    monkeypatch.setattr(engine, "SLOW_AFTER_MS", 0)
    assert engine.SLOW_LANE.acquire(timeout=1)
    try:
        # Another slow check holds the lane: this one waits within its budget, then answers partially.
        waiting = synthetic_index.search('"هجوم على القاعدة"', budget_ms=50)
    finally:
        engine.SLOW_LANE.release()
    assert waiting.total == 0 and [notice.code for notice in waiting.notices] == ["time_budget"]
    assert ids(synthetic_index.search('"هجوم على القاعدة"', budget_ms=1000).hits) == ["drone.json"]
