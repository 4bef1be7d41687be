"""The OpenSearch backend against the embedded one, on a real one-node cluster.

The same records (the synthetic articles of conftest.py, and the bundled seeds) are indexed into
an embedded index and a cluster index; every behaviour both backends share must give the same
answer: hits (as sets, and in order where scores cannot tie), totals, notices, facets with
multi-select, exclusions, snippets and document highlights, malformed queries.  Then the cluster
writer's own promises: incremental runs by content hash, deletions, and a rebuild swapped in while
searches run.
"""

from __future__ import annotations

import itertools
import json
import threading

import pytest

from conftest import ARTICLES, SEEDS_DIR, read_article, write_articles
from indexer.errors import FahrasError, IndexNotFound
from indexer.opensearch.location import (
    PASSWORD_ENV,
    USER_ENV,
    LocationError,
    is_cluster_location,
    parse_location,
)

_counter = itertools.count()


# --- locations (no cluster needed) --------------------------------------------------------------


def test_location_is_parsed_and_credentials_never_shown():
    environ = {USER_ENV: "reader", PASSWORD_ENV: "s3cret-pass"}
    where = parse_location("opensearch+https://search.example:9443/news", environ)
    assert (where.scheme, where.host, where.port, where.index) == ("https", "search.example", 9443, "news")
    assert where.http_auth == ("reader", "s3cret-pass")
    assert "s3cret" not in repr(where) and "s3cret" not in str(where)
    assert str(where) == "opensearch+https://search.example:9443/news"


@pytest.mark.parametrize("location", [
    "opensearch+http://reader:s3cret@localhost:9200/news",
    "opensearch+http://localhost:9200/",
    "opensearch+http://localhost:9200/News",
    "opensearch+http://localhost:port/news",
    "opensearch+ftp://localhost:9200/news",
])
def test_bad_locations_are_one_line_errors_without_secrets(location):
    with pytest.raises(FahrasError) as caught:
        parse_location(location, {})
    message = str(caught.value)
    assert "\n" not in message and "s3cret" not in message


def test_a_path_made_from_a_url_is_still_a_cluster_location(tmp_path):
    from pathlib import Path

    folded = Path("opensearch+http://localhost:9200/news")  # pathlib folds the //
    assert is_cluster_location(folded) and not is_cluster_location(tmp_path)
    assert str(parse_location(folded, {})) == "opensearch+http://localhost:9200/news"
    with pytest.raises(LocationError):
        parse_location(str(tmp_path), {})


def test_default_index_location_keeps_a_url(monkeypatch):
    from indexer.config import default_index_location

    monkeypatch.setenv("FAHRAS_INDEX", "opensearch+http://localhost:9200/news")
    assert default_index_location() == "opensearch+http://localhost:9200/news"


# --- both backends over the same records ------------------------------------------------------


def cluster_location(url: str, name: str) -> str:
    return f"opensearch+{url}/{name}_{next(_counter)}"


@pytest.fixture(scope="module")
def synthetic_pair(tmp_path_factory, opensearch_url):
    """(embedded index, cluster index) of the synthetic articles."""
    from indexer import open_index, update_index

    folder = write_articles(tmp_path_factory.mktemp("os_synthetic"))
    embedded_dir = tmp_path_factory.mktemp("os_synthetic_embedded")
    update_index([folder], embedded_dir, read=read_article, processes=1)
    location = cluster_location(opensearch_url, "synthetic")
    report = update_index([folder], location, read=read_article)
    assert report.added == len(ARTICLES) and report.doc_count == len(ARTICLES)
    embedded, cluster = open_index(embedded_dir), open_index(location)
    yield embedded, cluster
    embedded.close()
    cluster.close()


@pytest.fixture(scope="module")
def seeds_pair(tmp_path_factory, opensearch_url):
    """(embedded index, cluster index) of the bundled seeds, read by ingestion."""
    from indexer import open_index, update_index

    embedded_dir = tmp_path_factory.mktemp("os_seeds_embedded")
    update_index([SEEDS_DIR], embedded_dir, processes=1)
    location = cluster_location(opensearch_url, "seeds")
    update_index([SEEDS_DIR], location)
    embedded, cluster = open_index(embedded_dir), open_index(location)
    yield embedded, cluster
    embedded.close()
    cluster.close()


def same_answer(embedded, cluster, query: str = "", ordered: bool = True, **options):
    ours, theirs = embedded.search(query, **options), cluster.search(query, **options)
    assert theirs.total == ours.total, query
    assert [n.code for n in theirs.notices] == [n.code for n in ours.notices], query
    if ordered:
        assert [h.id for h in theirs.hits] == [h.id for h in ours.hits], query
    else:
        assert {h.id for h in theirs.hits} == {h.id for h in ours.hits}, query
    for mine, other in zip(sorted(ours.hits, key=lambda h: h.id), sorted(theirs.hits, key=lambda h: h.id)):
        assert (other.title, other.source, other.date, other.actors, other.path) == \
               (mine.title, mine.source, mine.date, mine.actors, mine.path)
        assert other.snippet == mine.snippet, (query, mine.id)
    facets = lambda result: {name: [v.to_dict() for v in facet.values] for name, facet in result.facets.items()}  # noqa: E731
    assert facets(theirs) == facets(ours), query
    assert theirs.to_dict()["facet_totals"] == ours.to_dict()["facet_totals"]
    assert theirs.to_dict()["date_interval"] == ours.to_dict()["date_interval"]
    return ours, theirs


SYNTHETIC_QUERIES = [
    "", "مسيرة", "طائرة مسيرة", "الأمريكية", "القوات الأمريكية", "البنتاغون", '"طائرة مسيرة"',
    "العراق OR مصر", "العراق -الموازنة", "العراق NOT بغداد", "مسي*", "=مسيَّرة", "(البرلمان OR الاقتصاد) الموازنة",
    "تنظيم الدولة بغداد عشرة أشخاص الرد", "في من على", "script alert", "مسيرة البرلمان", "البنتاغون الموازنة مصر",
]

MALFORMED_QUERIES = ['"طائرة مسيرة', "(العراق OR", "OR", "NOT", "-", "العراق )", "*", "=", "((()))", "AND OR NOT",
                     "name:value", '"', "\x00العراق\x07", "العراق " * 200]


@pytest.mark.parametrize("query", SYNTHETIC_QUERIES + MALFORMED_QUERIES)
def test_synthetic_queries_give_the_same_answer(synthetic_pair, query):
    embedded, cluster = synthetic_pair
    same_answer(embedded, cluster, query, ordered=False)
    same_answer(embedded, cluster, query, sort="date")
    same_answer(embedded, cluster, query, sort="oldest")


@pytest.mark.parametrize("options", [
    {"sources": ["الجزيرة"]},
    {"sources": ["الجزيرة", "العربية"]},
    {"actors": ["الولايات المتحدة"]},
    {"sources": ["العربية"], "actors": ["مصر"]},
    {"exclude_sources": ["الجزيرة"]},
    {"exclude_actors": ["الولايات المتحدة"], "sources": ["العربية", "المدى"]},
    {"since": "2024-06-01"},
    {"since": "2019-01-01", "until": "2024-06-30", "sources": ["الجزيرة"]},
    {"facet_limit": 1, "sources": ["المدى"]},
    {"facet_limit": 0},
])
@pytest.mark.parametrize("query", ["", "العراق", "الأمريكية"])
def test_filters_and_multi_select_facets_agree(synthetic_pair, query, options):
    embedded, cluster = synthetic_pair
    same_answer(embedded, cluster, query, sort="date", **options)


def test_an_unknown_source_is_the_same_error_on_both(synthetic_pair):
    from indexer import QueryError

    for index in synthetic_pair:
        with pytest.raises(QueryError) as caught:
            index.search("", sources=["الجزيره"])
        assert caught.value.code == "unknown_value" and caught.value.params["suggestions"][0] == "الجزيرة"


@pytest.mark.parametrize("ranking", [{"match": "all"}, {"match": "any", "min_share": 0.5}, {"all_words_up_to": 0},
                                     {"match": "auto", "all_words_up_to": 0}, {"proximity_weight": 0.0}])
@pytest.mark.parametrize("query", ["مسيرة البرلمان", "طائرة مسيرة", "تنظيم الدولة بغداد الموازنة مصر"])
def test_ranking_overrides_match_alike(synthetic_pair, ranking, query):
    from indexer import Ranking

    embedded, cluster = synthetic_pair
    same_answer(embedded, cluster, query, ordered=False, ranking=Ranking(**ranking))
    same_answer(embedded, cluster, query, ordered=False, ranking=Ranking(**ranking), sources=["العربية"])


def test_best_match_falls_back_within_the_filters(synthetic_pair):
    embedded, cluster = synthetic_pair
    ours, theirs = same_answer(embedded, cluster, "طائرة الاقتصاد", ordered=False)
    assert [n.code for n in theirs.notices] == ["best_match"] and theirs.total == 3  # طائرة, الطائرات; الاقتصاد
    same_answer(embedded, cluster, "طائرة مسيرة", ordered=False, sources=["العربية"])


def test_a_selected_source_keeps_the_other_sources_counted(synthetic_pair):
    _embedded, cluster = synthetic_pair
    result = cluster.search("", sources=["الجزيرة"])
    sources = {v.value: (v.count, v.selected) for v in result.facets["source"].values}
    assert result.total == 2
    assert sources["الجزيرة"] == (2, True) and sources["العربية"] == (2, False)


def test_stemmed_and_variant_matches_mark_the_words_as_written(synthetic_pair):
    _embedded, cluster = synthetic_pair
    drone = cluster.search("مسيرة", limit=10)
    assert "<mark>مسيَّرة</mark>" in next(h.snippet for h in drone.hits if h.id == "drone.json")
    american = cluster.search("القوات الأمريكية")
    pentagon = next(h.snippet for h in american.hits if h.id == "pentagon.json")
    assert "<mark>الأميركية</mark>" in pentagon and "<mark>قواتها</mark>" in pentagon  # stem قوات
    markup = cluster.search("البرلمان").hits[0]
    assert "&lt;script&gt;" in markup.snippet and "<script>" not in markup.snippet


@pytest.mark.parametrize("query", ["", "مسيرة", "الأمريكية", '"طائرة مسيرة"', "مسي*", "=البرلمان", "العراق -بغداد"])
def test_documents_are_marked_alike(synthetic_pair, query):
    embedded, cluster = synthetic_pair
    for id_ in ARTICLES:
        ours, theirs = embedded.document(id_, query), cluster.document(id_, query)
        assert theirs.to_dict() == ours.to_dict(), (query, id_)


def test_a_missing_document_is_not_found(synthetic_pair):
    from indexer.errors import DocumentNotFound

    with pytest.raises(DocumentNotFound):
        synthetic_pair[1].document("no-such.json")


@pytest.mark.parametrize("name,contains", [("source", ""), ("source", "ال"), ("actor", "الولايات"), ("date", "2024"),
                                           ("actor", "")])
def test_facet_values_agree(synthetic_pair, name, contains):
    embedded, cluster = synthetic_pair
    for options in ({}, {"query": "العراق"}, {"sources": ["الجزيرة"]}):
        ours = embedded.facet_values(name, contains, **options)
        theirs = cluster.facet_values(name, contains, **options)
        assert theirs.to_dict() == ours.to_dict(), (name, contains, options)


def test_lists_exports_and_counts_agree(synthetic_pair):
    embedded, cluster = synthetic_pair
    assert cluster.doc_count == embedded.doc_count == len(ARTICLES)
    assert [v.to_dict() for v in cluster.sources()] == [v.to_dict() for v in embedded.sources()]
    assert [v.to_dict() for v in cluster.actors()] == [v.to_dict() for v in embedded.actors()]
    assert [v.to_dict() for v in cluster.actors(limit=1)] == [v.to_dict() for v in embedded.actors(limit=1)]
    for query, sort in (("", "date"), ("العراق", "oldest"), ("العراق OR مصر", "date")):
        assert [h.id for h in cluster.iter_hits(query, sort=sort)] == [h.id for h in embedded.iter_hits(query, sort=sort)]
    assert cluster.meta["stemmer"] == embedded.meta["stemmer"] == "fahras"


SEED_QUERIES = ["غزة", "القوات الأمريكية", "وزارة الدفاع", '"وزارة الدفاع"', "حماس إسرائيل غزة مصر قطر",
                "اسرائ*", "=القوات", "بيان", "واشنطن", "العراق OR لبنان", "غزة -حماس", "الولايات المتحدة"]


@pytest.mark.parametrize("query", SEED_QUERIES)
def test_seed_queries_give_the_same_answer(seeds_pair, query):
    embedded, cluster = seeds_pair
    same_answer(embedded, cluster, query, ordered=False)
    same_answer(embedded, cluster, query, sort="date")


def test_seed_documents_and_actors_agree(seeds_pair):
    embedded, cluster = seeds_pair
    for hit in embedded.search("", limit=50).hits:
        assert cluster.document(hit.id, "القوات الأمريكية").to_dict() == embedded.document(hit.id, "القوات الأمريكية").to_dict()
    assert [s.__dict__ for s in cluster.backend.actor_summaries()] == [s.__dict__ for s in embedded.actor_summaries()]


def test_an_unknown_cluster_index_is_not_found(opensearch_url):
    from indexer import open_index

    with pytest.raises(IndexNotFound) as caught:
        open_index(cluster_location(opensearch_url, "missing"))
    assert "fahras index --index opensearch+http" in str(caught.value)


def test_an_unreachable_cluster_is_a_one_line_error():
    from indexer import open_index

    with pytest.raises(FahrasError) as caught:
        open_index("opensearch+http://127.0.0.1:9/nothing")
    assert "cannot reach OpenSearch" in str(caught.value) and "\n" not in str(caught.value)


# --- the writer's own promises ---------------------------------------------------------------


def test_a_node_going_away_is_retried_with_growing_pauses_then_one_line():
    from indexer.opensearch import writer

    pauses = []
    cluster = writer._Cluster(parse_location("opensearch+http://127.0.0.1:9/gone", {}), sleep=pauses.append)
    with pytest.raises(FahrasError) as caught:
        cluster.call("writing documents", cluster.client.bulk, body=b'{"delete":{"_id":"x"}}\n', index="gone")
    assert pauses == list(writer.RETRY_PAUSES)
    with pytest.raises(FahrasError):
        cluster.alias_target()  # the first contact: no cluster there, no waiting
    assert pauses == list(writer.RETRY_PAUSES)
    assert "cannot reach OpenSearch at http://127.0.0.1:9" in str(caught.value) and "\n" not in str(caught.value)


def test_bulk_requests_are_cut_by_size_between_documents():
    from indexer.opensearch import writer

    lines = []
    for number in range(40):
        lines += [b'{"index":{"_id":"%d"}}\n' % number, b'{"body":"' + b"x" * (writer.BULK_BYTES // 10) + b'"}\n']
    batches = list(writer._batches(lines))
    assert sum(batches, []) == lines and len(batches) > 3
    for batch in batches:
        assert batch[0].startswith(b'{"index"') and len(batch) % 2 == 0
        assert sum(map(len, batch)) < writer.BULK_BYTES + len(lines[1]) * 2


def test_incremental_runs_update_and_delete_by_content_hash(tmp_path, opensearch_url):
    from indexer import open_index, update_index

    folder = write_articles(tmp_path / "corpus")
    location = cluster_location(opensearch_url, "incremental")
    first = update_index([folder], location, read=read_article)
    assert (first.added, first.updated, first.removed) == (len(ARTICLES), 0, 0)
    again = update_index([folder], location, read=read_article)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(ARTICLES))

    changed = dict(ARTICLES["economy.json"], body="تقرير جديد عن البورصة في القاهرة.")
    (folder / "economy.json").write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    (folder / "isis.json").unlink()
    (folder / "extra.json").write_text(json.dumps(dict(ARTICLES["markup.json"], title="ملحق"), ensure_ascii=False),
                                       encoding="utf-8")
    third = update_index([folder], location, read=read_article)
    assert (third.added, third.updated, third.removed, third.unchanged) == (1, 1, 1, len(ARTICLES) - 2)
    assert third.doc_count == len(ARTICLES)
    with open_index(location) as index:
        assert index.search("البورصة").total == 1
        assert index.search("أسعار الصرف").total == 0
        assert index.search("تنظيم الدولة").total == 0
        assert {h.id for h in index.search("", limit=50).hits} == {*ARTICLES, "extra.json"} - {"isis.json"}


def test_new_words_needing_stem_rules_reach_the_index(tmp_path, opensearch_url):
    """A word the live analyzer has no rule for (light10 cuts القوات to قو) is found after an update."""
    from indexer import open_index, update_index

    folder = write_articles(tmp_path / "corpus", {"a.json": ARTICLES["isis.json"]})
    location = cluster_location(opensearch_url, "rules")
    update_index([folder], location, read=read_article)
    write_articles(folder, {"b.json": dict(ARTICLES["isis.json"], body="انسحبت القوات من البلدات، وقال البيان إن وزارة الداخلية تتابع.")})
    report = update_index([folder], location, read=read_article)
    assert report.added == 1 and report.doc_count == 2
    with open_index(location) as index:
        for word in ("القوات", "البيان", "وزارة"):
            assert [h.id for h in index.search(word).hits] == ["b.json"], word


def test_a_rebuild_is_swapped_in_while_searches_run(tmp_path, opensearch_url):
    from indexer import open_index, update_index

    folder = write_articles(tmp_path / "corpus")
    location = cluster_location(opensearch_url, "rebuild")
    update_index([folder], location, read=read_article)
    failures, totals, stop = [], set(), threading.Event()

    def search_until_stopped():
        with open_index(location) as index:
            while not stop.is_set():
                try:
                    totals.add(index.search("").total)
                    index.search("العراق", sources=["الجزيرة"])
                except Exception as error:  # noqa: BLE001 - collected and asserted below
                    failures.append(repr(error))

    searchers = [threading.Thread(target=search_until_stopped) for _ in range(2)]
    for thread in searchers:
        thread.start()
    try:
        report = update_index([folder], location, read=read_article, rebuild=True)
    finally:
        stop.set()
        for thread in searchers:
            thread.join()
    assert report.rebuilt and report.added == len(ARTICLES)
    assert failures == []
    assert totals == {len(ARTICLES)}  # never a half-built index
    with open_index(location) as index:
        assert index.search("").total == len(ARTICLES)


def test_a_changed_analysis_needs_a_rebuild(tmp_path, opensearch_url):
    from indexer import update_index
    from indexer.errors import StaleIndex

    folder = write_articles(tmp_path / "corpus", {"a.json": ARTICLES["isis.json"]})
    location = cluster_location(opensearch_url, "stemmer")
    update_index([folder], location, read=read_article)
    with pytest.raises(StaleIndex):
        update_index([folder], location, read=read_article, stemmer="light10")
    assert update_index([folder], location, read=read_article, stemmer="light10", rebuild=True).rebuilt


def test_words_made_by_the_reader_get_their_rules_too(tmp_path, opensearch_url):
    """Words that are not in the file as written (a reader that adds them) are caught after reading."""
    from indexer import open_index, update_index
    from indexer.records import Record

    def read_with_extra_words(path, root, reference_date):
        return [Record(id=path.name, path=path.name, title="عنوان", body=path.read_text(encoding="utf-8")[::-1],
                       content_hash=path.name)]

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("تاوقلا", encoding="utf-8")  # read backwards: القوات (light10: قو)
    location = cluster_location(opensearch_url, "reader")
    report = update_index([folder], location, read=read_with_extra_words)
    assert report.added == 1 and any("stemming rules" in note for note in report.notes)
    with open_index(location) as index:
        assert [h.id for h in index.search("قوات").hits] == ["a.txt"]


def test_pages_past_the_end_and_past_the_result_window_are_empty(synthetic_pair):
    embedded, cluster = synthetic_pair
    for page in (2, 100_001):
        ours, theirs = embedded.search("", page=page, limit=5), cluster.search("", page=page, limit=5)
        assert (theirs.total, theirs.hits) == (ours.total, ours.hits) == (len(ARTICLES), [])


def test_an_index_of_another_analysis_version_is_stale(tmp_path, opensearch_url, opensearch_client):
    from indexer import open_index, update_index
    from indexer.errors import StaleIndex
    from indexer.opensearch import schema

    folder = write_articles(tmp_path / "corpus", {"a.json": ARTICLES["isis.json"]})
    location = cluster_location(opensearch_url, "stale")
    update_index([folder], location, read=read_article)
    name = location.rsplit("/", 1)[1]
    physical = next(iter(opensearch_client.indices.get_alias(name=name)))
    meta = dict(schema.index_meta("fahras", True), analyzer_version="0")
    opensearch_client.indices.put_mapping(index=physical, body={"_meta": meta})
    with pytest.raises(StaleIndex) as caught:
        open_index(location)
    assert "--rebuild" in str(caught.value)
    with pytest.raises(StaleIndex):
        update_index([folder], location, read=read_article)
    assert update_index([folder], location, read=read_article, rebuild=True).rebuilt
    with open_index(location) as index:
        assert index.doc_count == 1


# --- the actor facet by type (actor_type) ----------------------------------------------------


@pytest.mark.parametrize("actor_type", [None, "person", "organisation", "place"])
def test_the_actor_type_restricts_the_actor_facet_alike(seeds_pair, actor_type):
    embedded, cluster = seeds_pair
    selected = "محمد شياع السوداني"
    for query, options in (("", {}), ("العراق", {}), ("", {"actors": [selected]}), ("غزة", {"facet_limit": 3}),
                           ("", {"exclude_actors": ["جو بايدن"], "facet_limit": 50})):
        ours, theirs = same_answer(embedded, cluster, query, sort="date", actor_type=actor_type, **options)
        values = [value.to_dict() for value in ours.facets["actor"].values]
        assert values and all("type" in value for value in values), (query, options)
        if actor_type is not None:
            # Counted under the type asked for: every counted value is of that type; the documents are not filtered.
            assert {value["type"] for value in values if value["count"]} <= {actor_type}
            assert theirs.total == cluster.search(query, sort="date", **options).total
    for contains in ("", "ال"):
        ours = embedded.facet_values("actor", contains, actor_type=actor_type)
        assert cluster.facet_values("actor", contains, actor_type=actor_type).to_dict() == ours.to_dict()
    summaries = [s.__dict__ for s in embedded.actor_summaries(actor_type=actor_type)]
    assert [s.__dict__ for s in cluster.actor_summaries(actor_type=actor_type)] == summaries
    assert summaries and all(s["type"] == actor_type for s in summaries if actor_type)


def test_a_bad_actor_type_is_the_same_error_on_both(seeds_pair):
    from indexer import QueryError

    for index in seeds_pair:
        with pytest.raises(QueryError) as caught:
            index.search("", actor_type="people")
        assert caught.value.code == "bad_actor_type"
