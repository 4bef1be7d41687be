"""The web UI through Flask's test client, against a real index of the seeds."""

from __future__ import annotations

import datetime as dt
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from indexer.errors import FahrasError, QueryError
from indexer.search.query import MAX_QUERY_CHARS
from webui import SECURITY_HEADERS, create_app, display, messages
from webui.views import SearchParams, mark_first_match, parse_search_params

from conftest import HOSTILE_FILENAME, REPO_ROOT

MAX_QUERY = MAX_QUERY_CHARS
QUERY = "العراق"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
HREF = re.compile(r'href="([^"]+)"')


def parse(**params) -> SearchParams:
    args = MultiDict()
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            args.add(name, item)
    return parse_search_params(args, MAX_QUERY)


def query_args(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url.replace("&amp;", "&")).query)


def html(response) -> str:
    return response.get_data(as_text=True)


def shown_total(page: str) -> int:
    """The result count the page states (``data-total`` of the summary line)."""
    return int(re.search(r'class="summary" role="status" data-total="(\d+)"', page)[1])


# --- parameters -------------------------------------------------------------


def test_parse_reads_every_parameter():
    params = parse(
        q="  الانسحاب الأمريكي ",
        source=["سبوتنيك", "المدى", "سبوتنيك", " "],
        actor=["إيران"],
        not_source=["عكا"],
        not_actor=["إسرائيل", "إسرائيل"],
        since="2024-01-01",
        until="2024-12-31",
        sort="oldest",
        page="3",
        per_page="25",
    )
    assert params == SearchParams(
        query="الانسحاب الأمريكي",
        sources=("سبوتنيك", "المدى"),
        actors=("إيران",),
        exclude_sources=("عكا",),
        exclude_actors=("إسرائيل",),
        since=dt.date(2024, 1, 1),
        until=dt.date(2024, 12, 31),
        sort="oldest",
        page=3,
        per_page=25,
    )


def test_parse_defaults_and_empty_form_fields():
    assert parse(q="", since="", until="", page="", sort="") == SearchParams()


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"since": "2024-13-01"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-02-30"}, "until"),
        ({"until": "2024/02/03"}, "until"),
        ({"since": "2024-05-01", "until": "2024-04-01"}, "2024-05-01"),
        ({"page": "0"}, "page"),
        ({"page": "-2"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "99999999"}, "page"),
        ({"sort": "random"}, "sort"),
        ({"q": "ب" * 10_000}, "10,000"),
        ({"source": ["x"] * 51}, "source"),
        ({"actor": "ا" * 301}, "actor"),
        ({"not_actor": "ا" * 301}, "not_actor"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
    ],
)
def test_parse_rejects_bad_parameters_with_reason(params, reason):
    with pytest.raises(QueryError, match=re.escape(reason)):
        parse(**params)


def test_urls_round_trip_and_reset_page():
    params = parse(q="غزة", source=["أ", "ب"], not_actor=["ج"], since="2024-07-01", sort="date", page="4",
                   per_page="50")
    with create_app().test_request_context():
        url = params.url()
        assert parse(**{k: v for k, v in query_args(url).items()}) == params
        assert "page" not in query_args(params.replace(sources=("أ",)).url())
        assert SearchParams().url() == "/"


# --- display helpers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("iso", "precision", "label"),
    [
        ("2024-09-15", "day", "15 أيلول 2024"),
        ("2024-09-01", "month", "أيلول 2024"),
        ("2024-01-01", "year", "2024"),
        ("2023-12-31", None, "31 كانون الأول 2023"),
        (None, "day", ""),
    ],
)
def test_date_label(iso, precision, label):
    assert display.date_label(iso, precision) == label


@pytest.mark.parametrize(
    ("precision", "origin", "approximate"),
    [("day", "metadata", False), ("day", "text", False), ("month", "text", True), ("day", "inferred", True),
     ("year", "metadata", True), (None, None, False)],
)
def test_approximate_dates_are_marked(precision, origin, approximate):
    assert display.is_approximate(precision, origin) is approximate
    assert bool(display.approximate_reason(precision, origin)) is approximate


def bucket(start: str, end: str, count: int) -> display.Bucket:
    return display.Bucket(dt.date.fromisoformat(start), dt.date.fromisoformat(end), count)


def test_buckets_know_their_days_and_labels():
    february = bucket("2024-02-01", "2024-03-01", 3)
    assert (february.first_day, february.last_day) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert display.bucket_label(february, "month") == "شباط 2024"
    year = bucket("2023-01-01", "2024-01-01", 3)
    assert year.last_day == dt.date(2023, 12, 31) and display.bucket_label(year, "year") == "2023"
    assert display.next_start(dt.date(2024, 12, 1), "month") == dt.date(2025, 1, 1)


def test_histogram_fills_empty_months_in_order():
    months = [bucket("2024-12-01", "2025-01-01", 2), bucket("2024-10-01", "2024-11-01", 5),
              bucket("2025-01-01", "2025-02-01", 1)]
    filled = display.fill_buckets(months, "month")
    assert [(b.start.isoformat(), b.count) for b in filled] == [
        ("2024-10-01", 5), ("2024-11-01", 0), ("2024-12-01", 2), ("2025-01-01", 1)]
    assert filled[1].end == dt.date(2024, 12, 1)
    years = display.fill_buckets([bucket("2001-01-01", "2002-01-01", 1), bucket("2003-01-01", "2004-01-01", 2)], "year")
    assert [(b.start.year, b.count) for b in years] == [(2001, 1), (2002, 0), (2003, 2)]
    sparse = [bucket("1900-01-01", "1900-02-01", 1), bucket("2024-01-01", "2024-02-01", 1)]
    assert [b.start.year for b in display.fill_buckets(sparse, "month")] == [1900, 2024]


def test_bar_levels_keep_small_counts_visible():
    assert display.bar_level(0, 100) == 0
    assert display.bar_level(1, 1000) == display.bar_level(5, 5000) == display.MIN_BAR_LEVEL > 1
    assert display.bar_level(400, 1000) == 8
    assert display.bar_level(100, 100) == display.BAR_LEVELS
    assert display.bar_level(50, 100) == display.BAR_LEVELS // 2


def test_pager_pages_window_and_gaps():
    assert display.pager_pages(1, 1) == [1]
    assert display.pager_pages(1, 4) == [1, 2, 3, 4]
    assert display.pager_pages(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]


def test_mark_first_match_anchors_only_the_first():
    marked = mark_first_match("أ <mark>ب</mark> ج <mark>ب</mark> &lt;script&gt;")
    assert marked.count('<mark id="first-match">') == 1
    assert marked.count("<mark>") == 1
    assert "&lt;script&gt;" in marked


# --- errors and headers without an index --------------------------------------


@pytest.fixture()
def no_index_client(tmp_path):
    return create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "nowhere")}).test_client()


@pytest.mark.parametrize(
    ("query_string", "reason"),
    [
        ("since=2024-99-01", "since"),
        ("until=tomorrow", "until"),
        ("page=0", "page"),
        ("sort=popular", "sort"),
        ("q=" + "ك" * 10_000, "10,000"),
    ],
)
def test_bad_parameters_give_400_page_and_json(no_index_client, query_string, reason):
    page = no_index_client.get("/?" + query_string)
    assert page.status_code == 400
    assert page.mimetype == "text/html"
    assert "طلب غير صالح" in html(page) and reason in html(page)
    assert "Traceback" not in html(page)
    api = no_index_client.get("/api/search?" + query_string)
    assert api.status_code == 400
    assert api.json["error"]["status"] == 400
    assert reason in api.json["error"]["message"]


def test_missing_index_page_names_the_command(no_index_client):
    page = no_index_client.get("/?q=" + QUERY)
    assert page.status_code == 503
    assert "fahras index" in html(page)
    api = no_index_client.get("/api/search")
    assert api.status_code == 503 and api.json["error"]["type"] == "IndexNotFound"
    assert "fahras index" in api.json["error"]["hint"]


def test_unknown_route_is_an_arabic_404(no_index_client):
    page = no_index_client.get("/nothing/here")
    assert page.status_code == 404 and 'dir="rtl"' in html(page)
    assert no_index_client.get("/api/nothing").json["error"]["status"] == 404
    assert no_index_client.post("/").status_code == 405


class ExplodingIndex:
    def search(self, **kwargs):
        raise RuntimeError("secret internal detail")


def test_unexpected_errors_never_show_a_stack_trace():
    client = create_app({"INDEX": ExplodingIndex()}).test_client()
    page = client.get("/")
    assert page.status_code == 500
    assert "secret internal detail" not in html(page) and "Traceback" not in html(page)
    api = client.get("/api/search")
    assert api.status_code == 500 and "secret" not in api.json["error"]["message"]


def test_security_headers_on_every_response(no_index_client):
    for url in ("/", "/?page=0", "/api/search", "/static/fahras.css", "/missing"):
        with no_index_client.get(url) as response:
            for name, value in SECURITY_HEADERS.items():
                assert response.headers[name] == value, (url, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_static_files_stay_inside_the_package(no_index_client):
    with no_index_client.get("/static/fahras.js") as script:
        assert script.status_code == 200 and script.mimetype == "text/javascript"
    for escape in ("/static/../views.py", "/static/%2e%2e/views.py", "/static/..%2f__init__.py"):
        with no_index_client.get(escape) as response:
            assert response.status_code == 404, escape


# --- templates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("precision", "origin", "shown", "marked"),
    [
        ("day", "metadata", "15 أيلول 2024", False),
        ("month", "text", "أيلول 2024", True),
        ("day", "inferred", "15 أيلول 2024", True),
    ],
)
def test_dates_show_a_visible_mark_when_approximate(precision, origin, shown, marked):
    app = create_app()
    template = '{% from "_macros.html" import dated with context %}{{ dated(iso, precision, origin) }}'
    with app.test_request_context():
        from flask import render_template_string

        rendered = render_template_string(template, iso="2024-09-15", precision=precision, origin=origin)
    assert shown in rendered
    assert ("تقريبي" in rendered and display.APPROXIMATE_MARK in rendered) is marked


# --- against a real index of the seeds ----------------------------------------


def library_search(index, **kwargs):
    kwargs.setdefault("limit", 10)
    kwargs.setdefault("facet_limit", 40)
    return index.search(**kwargs)


def without_timing(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "took_ms"}


def assert_no_inline_script(page: str) -> None:
    assert not INLINE_SCRIPT.search(page)
    assert not EVENT_ATTRIBUTE.search(page)


def test_landing_page_lists_every_document(web_client, web_index):
    page = web_client.get("/")
    assert page.status_code == 200
    text = html(page)
    assert '<html lang="ar" dir="rtl">' in text
    assert shown_total(text) == web_index.doc_count
    assert '<label class="visually-hidden" for="q">' in text
    assert_no_inline_script(text)


def test_search_page_shows_highlighted_hits_and_keeps_the_query(web_client, web_index):
    expected = library_search(web_index, query=QUERY)
    assert expected.total > 0
    text = html(web_client.get("/", query_string={"q": QUERY}))
    assert f'value="{QUERY}"' in text
    assert shown_total(text) == expected.total
    assert text.count('<li class="hit">') == len(expected.hits)
    assert "<mark>" in text
    for hit in expected.hits:
        assert f'href="/doc/{hit.id}?q=' in text
    assert_no_inline_script(text)


def test_api_search_returns_the_library_contract(web_client, web_index):
    source = library_search(web_index, query=QUERY).facets["source"].values[0].value
    response = web_client.get("/api/search", query_string={"q": QUERY, "source": source, "sort": "date"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    expected = library_search(web_index, query=QUERY, sources=(source,), sort="date").to_dict()
    assert without_timing(response.json) == without_timing(expected)
    assert {"query", "total", "page", "hits", "facets"} <= response.json.keys()
    assert set(response.json["facets"]) == {"source", "actor", "date"}


def test_ticking_a_source_narrows_results_and_shows_a_removable_chip(web_client, web_index):
    facet = library_search(web_index, query=QUERY).facets["source"].values
    chosen = min(facet, key=lambda value: value.count)
    text = html(web_client.get("/", query_string={"q": QUERY, "source": chosen.value}))
    assert shown_total(text) == chosen.count
    assert re.search(rf'name="source" value="{re.escape(chosen.value)}" checked', text)
    chips = re.findall(r'class="chip removable" href="([^"]+)"', text)
    assert len(chips) == 1 and query_args(chips[0]) == {"q": [QUERY]}


def test_several_sources_combine_like_the_library(web_client, web_index):
    values = [value.value for value in library_search(web_index).facets["source"].values[:2]]
    response = web_client.get("/api/search", query_string=[("source", values[0]), ("source", values[1])])
    assert response.json["total"] == library_search(web_index, sources=values).total
    text = html(web_client.get("/", query_string=[("source", values[0]), ("source", values[1])]))
    assert text.count("checked") == 2


def test_actor_chips_link_to_the_actor_filter(web_client, web_index):
    hit = next(hit for hit in library_search(web_index, query=QUERY, limit=50).hits if hit.actors)
    text = html(web_client.get("/", query_string={"q": QUERY}))
    actor_links = [url for url in HREF.findall(text) if "actor=" in url]
    assert actor_links
    filtered = web_client.get(actor_links[0].replace("&amp;", "&"))
    actor = query_args(actor_links[0])["actor"][0]
    expected = library_search(web_index, query=QUERY, actors=(actor,))
    assert shown_total(html(filtered)) == expected.total
    assert hit.actors  # the seeds do name actors


def test_histogram_bars_filter_to_their_month(web_client, web_index):
    text = html(web_client.get("/"))
    bars = re.findall(r'<a class="bar bar-(\d+)[^"]*" href="([^"]+)"\s+title="([^"]+)"', text)
    assert bars, "the seeds have dates"
    for level, url, title in bars:
        args = query_args(url)
        since, until = dt.date.fromisoformat(args["since"][0]), dt.date.fromisoformat(args["until"][0])
        assert (since.year, since.month, since.day) == (until.year, until.month, 1)
        assert (until + dt.timedelta(days=1)).day == 1
        count = int(title.rsplit(": ", 1)[1])
        assert 1 <= int(level) <= display.BAR_LEVELS
        assert library_search(web_index, since=since, until=until).total == count
    selected = html(web_client.get(bars[0][1].replace("&amp;", "&")))
    assert len(re.findall(r'class="bar bar-\d+ selected"', selected)) == 1 and 'aria-current="true"' in selected


def test_date_range_fields_filter_and_show_their_values(web_client, web_index):
    args = {"since": "2024-01-01", "until": "2024-12-31"}
    expected = library_search(web_index, **args)
    text = html(web_client.get("/", query_string=args))
    assert expected.total > 0  # the hostile article is dated 2024-09-15, seeds are too
    assert shown_total(text) == expected.total
    assert 'name="since" value="2024-01-01"' in text and 'name="until" value="2024-12-31"' in text


def test_sort_by_date_is_shown_and_kept(web_client, web_index):
    text = html(web_client.get("/", query_string={"q": QUERY, "sort": "date"}))
    assert '<span class="sort-current" aria-current="true">الأحدث</span>' in text
    assert '<input type="hidden" name="sort" value="date">' in text
    api = web_client.get("/api/search", query_string={"q": QUERY, "sort": "date"}).json
    assert [hit["id"] for hit in api["hits"]] == [
        hit.id for hit in library_search(web_index, query=QUERY, sort="date").hits
    ]


def test_pagination_links_walk_every_page(web_index):
    client = create_app({"INDEX": web_index, "PER_PAGE": 2}).test_client()
    total = library_search(web_index).total
    seen, url = [], "/"
    while url:
        text = html(client.get(url))
        seen += re.findall(r'href="/doc/([^"?]+)"', text)
        match = re.search(r'rel="next" href="([^"]+)"', text)
        url = match[1].replace("&amp;", "&") if match else None
    assert len(seen) == len(set(seen)) == total
    past_end = client.get("/?page=999")  # past the end: a way back, not an error
    assert past_end.status_code == 200 and "الانتقال إلى الصفحة الأخيرة" in html(past_end)
    assert f'href="/?page={-(-total // 2)}"' in html(past_end)


def test_empty_state_says_what_was_searched_and_which_filter_to_drop(web_client, web_index):
    source = library_search(web_index).facets["source"].values[0].value
    text = html(web_client.get("/", query_string={"q": "زنجبيلستان", "source": source}))
    assert "لم نجد مقالات" in text and "زنجبيلستان" in text
    assert '<li class="hit">' not in text
    removals = re.findall(r'class="chip removable" href="([^"]+)"', text)
    assert removals and all("source" not in query_args(url) for url in removals)
    assert "تحقّق من الإملاء" in text


def first_hit(index):
    return library_search(index, query=QUERY).hits[0]


def test_document_page_marks_matches_and_offers_the_jump(web_client, web_index):
    hit = first_hit(web_index)
    expected = web_index.document(hit.id, query=QUERY)
    text = html(web_client.get(f"/doc/{hit.id}", query_string={"q": QUERY}))
    assert expected.match_count > 0
    assert text.count('<mark id="first-match">') == 1
    assert text.count("<mark") == expected.match_count
    assert 'href="#first-match"' in text
    assert expected.original  # every seed keeps its original text
    assert "<summary>النص الأصلي</summary>" in text
    for actor in expected.actors:
        assert f">{actor}</a>" in text
    assert_no_inline_script(text)


def test_document_page_links_more_from_the_same_source(web_client, web_index):
    hit = first_hit(web_index)
    others = [h for h in library_search(web_index, sources=(hit.source,), sort="date").hits if h.id != hit.id]
    api = web_client.get(f"/api/doc/{hit.id}").json
    assert [h["id"] for h in api["more_from_source"]] == [h.id for h in others][:5]
    assert all(h["source"] == hit.source for h in api["more_from_source"])


def test_api_document_is_the_library_document(web_client, web_index):
    hit = first_hit(web_index)
    api = web_client.get(f"/api/doc/{hit.id}", query_string={"q": QUERY}).json
    expected = web_index.document(hit.id, query=QUERY).to_dict()
    assert {key: api[key] for key in expected} == expected
    assert api["query"] == QUERY


@pytest.mark.parametrize(
    "doc_id",
    ["missing.txt", "../../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", "..%2fpyproject.toml"],
)
def test_unknown_or_path_like_ids_are_404_and_never_read(web_client, doc_id):
    page = web_client.get(f"/doc/{doc_id}", follow_redirects=True)  # "//" is merged by a redirect first
    assert page.status_code == 404
    assert "root:" not in html(page) and "[project]" not in html(page)
    api = web_client.get(f"/api/doc/{doc_id}", follow_redirects=True)
    assert api.status_code == 404
    assert (api.json["error"]["type"], api.json["error"]["code"]) == ("DocumentNotFound", "document_not_found")


def test_document_query_too_long_is_400(web_client, web_index):
    response = web_client.get(f"/doc/{first_hit(web_index).id}", query_string={"q": "م" * 10_000})
    assert response.status_code == 400


def test_hostile_markup_is_shown_as_text(web_client, web_index):
    hostile = library_search(web_index, query="الترميز").hits
    assert [hit.path.rsplit("/", 1)[-1] for hit in hostile] == [HOSTILE_FILENAME]
    for url in ("/?q=الترميز", f"/doc/{hostile[0].id}?q=الترميز", f"/doc/{hostile[0].id}", "/?q=script"):
        text = html(web_client.get(url))
        assert "<script>alert" not in text and "<img src" not in text and "<b onmouseover" not in text
        assert_no_inline_script(text)
    document = html(web_client.get(f"/doc/{hostile[0].id}"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "&lt;img src=" in document


def test_a_changed_index_is_seen_without_restart(web_index_dir, web_corpus_dir, tmp_path):
    """The app keeps one open index; the library reopens it when an update lands."""
    from indexer import open_index, update_index

    index_dir = tmp_path / "live"
    update_index([web_corpus_dir], index_dir, processes=1)
    client = create_app({"INDEX": open_index(index_dir)}).test_client()
    before = client.get("/api/search").json["total"]
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "late.txt").write_text("خبر متأخر\n\nوصل هذا الخبر عن بغداد بعد تشغيل الخادم.\n", encoding="utf-8")
    update_index([web_corpus_dir, extra], index_dir, processes=1)
    assert client.get("/api/search").json["total"] == before + 1


# --- fahras serve -------------------------------------------------------------


def test_prepare_index_builds_only_the_default_index(tmp_path, monkeypatch):
    from indexer.errors import IndexNotFound
    from webui.server import prepare_index

    monkeypatch.setenv("FAHRAS_INDEX", str(tmp_path / "default"))
    with pytest.raises(IndexNotFound):
        prepare_index(tmp_path / "elsewhere", echo=lambda message: None)
    messages = []
    index = prepare_index(None, echo=messages.append)
    assert index.doc_count > 0 and "building" in messages[0]
    assert prepare_index(tmp_path / "default", echo=messages.append).doc_count == index.doc_count
    assert len(messages) == 2  # the second call found the index and said nothing


def test_serve_command_prints_the_url_and_serves(tmp_path):
    import os
    import subprocess
    import sys
    import urllib.request

    env = {**os.environ, "FAHRAS_INDEX": str(tmp_path / "default")}
    command = [sys.executable, "-m", "indexer", "serve", "--port", "0", "--threads", "2"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as server:
        watchdog = threading.Timer(60, server.kill)  # a server that never prints its URL must not hang the run
        watchdog.start()
        try:
            lines = []
            for line in server.stdout:
                lines.append(line)
                if "serving on" in line:
                    break
            url = re.search(r"http://127\.0\.0\.1:\d+/", lines[-1])[0]
            assert any("building" in line for line in lines)
            with urllib.request.urlopen(url + "?q=" + "%D8%A7%D9%84%D8%B9%D8%B1%D8%A7%D9%82") as response:
                assert response.status == 200
                assert response.headers["Server"] == "fahras"
                assert "<mark>" in response.read().decode("utf-8")
        finally:
            watchdog.cancel()
            server.terminate()
            server.wait(timeout=10)
            server.stdout.close()


def test_prepare_index_rebuilds_a_stale_default_index_of_the_seeds_only(tmp_path, monkeypatch):
    from indexer.errors import StaleIndex
    from indexer.storage.generations import current_generation
    from indexer.storage.store import Store
    from webui.server import prepare_index

    def make_stale(index_dir):
        store = Store(current_generation(index_dir))
        store.set_meta(schema_version=0)
        store.commit()
        store.close()

    monkeypatch.setenv("FAHRAS_INDEX", str(tmp_path / "default"))
    seeds_only = prepare_index(None, echo=lambda message: None).doc_count
    make_stale(tmp_path / "default")
    messages = []
    assert prepare_index(None, echo=messages.append).doc_count == seeds_only
    assert "older Fahras" in messages[0]
    # With the user's own files in it, the default index is not rebuilt behind their back.
    own = tmp_path / "own"
    own.mkdir()
    (own / "article.txt").write_text("عنوان الخبر\n\nنص الخبر عن بغداد والحكومة العراقية.", encoding="utf-8")
    indexer_module = __import__("indexer")
    indexer_module.update_index([own], tmp_path / "default")
    make_stale(tmp_path / "default")
    with pytest.raises(StaleIndex, match="--rebuild"):
        prepare_index(None, echo=lambda message: None)


# --- Arabic texts: number agreement, notes and errors by code ----------------------


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (0, "result", "لا نتائج"),
        (1, "result", "نتيجة واحدة"),
        (2, "result", "نتيجتان"),
        (3, "result", "3 نتائج"),
        (10, "result", "10 نتائج"),
        (11, "result", "11 نتيجة"),
        (99, "result", "99 نتيجة"),
        (100, "result", "100 نتيجة"),
        (101, "result", "101 نتيجة"),
        (102, "result", "102 نتيجة"),
        (103, "result", "103 نتائج"),
        (111, "result", "111 نتيجة"),
        (1200, "result", "1,200 نتيجة"),
        (1205, "result", "1,205 نتائج"),
        (1, "match", "تطابق واحد"),
        (2, "match", "تطابقان"),
        (5, "match", "5 تطابقات"),
        (16, "match", "16 تطابقًا"),
        (300, "match", "300 تطابق"),
        (1, "other_actor", "فاعل آخر"),
        (2, "other_actor", "فاعلان آخران"),
        (4, "other_actor", "4 فاعلين آخرين"),
        (12, "other_actor", "12 فاعلًا آخر"),
        (7, "article", "7 مقالات"),
        (25, "page", "25 صفحة"),
    ],
)
def test_counted_nouns_agree_with_the_number(count, noun, text):
    assert messages.counted(count, noun) == text


def test_the_dual_after_a_verb_is_oblique():
    assert messages.counted(2, "word", oblique=True) == "كلمتين"
    assert messages.counted(3, "word", oblique=True) == "3 كلمات"


LIBRARY_SOURCES = [REPO_ROOT / "indexer", REPO_ROOT / "webui"]
NOTICE_CODE = re.compile(r"""Notice\(\s*["'](\w+)["']""")
ERROR_CODE = re.compile(r"""\bcode=["'](\w+)["']""")


def codes_in_sources(pattern: re.Pattern) -> set[str]:
    return {
        code
        for folder in LIBRARY_SOURCES
        for path in folder.rglob("*.py")
        for code in pattern.findall(path.read_text(encoding="utf-8"))
    }


def error_classes(base=FahrasError):
    for subclass in base.__subclasses__():
        yield subclass
        yield from error_classes(subclass)


def test_every_notice_code_has_an_arabic_text():
    codes = codes_in_sources(NOTICE_CODE)
    assert {"best_match", "stop_words_only", "query_cut"} <= codes  # the scan does find them
    assert codes <= set(messages.NOTICES), codes - set(messages.NOTICES)


def test_every_error_code_has_an_arabic_text():
    codes = codes_in_sources(ERROR_CODE) - set(messages.NOTICES)
    codes |= {cls.code for cls in error_classes()} | {FahrasError.code}
    assert {"inverted_range", "document_not_found", "index_not_found", "bad_date"} <= codes
    assert codes <= set(messages.ERRORS), codes - set(messages.ERRORS)


def test_texts_never_fall_back_to_english():
    assert messages.notice_text("no_such_code") == messages.GENERIC_NOTICE
    assert messages.notice_text("best_match", {}) == messages.GENERIC_NOTICE  # params missing
    assert messages.error_text("document_not_found", {}) == messages.ERRORS["document_not_found"].plain
    assert "«\u2068x.txt\u2069»" in messages.error_text("document_not_found", {"id": "x.txt"})
    for text in [messages.error_text(code) for code in messages.ERRORS] + [messages.GENERIC_NOTICE]:
        # Parameter names and formats are isolated left-to-right runs or quoted; the rest is Arabic.
        prose = re.sub("\u2066[^\u2069]*\u2069|«[^»]*»", "", text)
        assert not re.search(r"[A-Za-z]{3,}", prose), text


def test_notes_on_the_page_are_arabic_and_chosen_by_code(web_client, web_index):
    expected = library_search(web_index, query="العراق زنجبيلستان")
    assert [notice.code for notice in expected.notices] == ["best_match"]
    text = html(web_client.get("/", query_string={"q": "العراق زنجبيلستان"}))
    assert "لا توجد مقالة تضم كلمات البحث كلها (كلمتان)؛ تظهر المقالات التي تضم كلمة واحدة منها على الأقل." in text
    assert expected.notices[0].message not in text
    stop_words = html(web_client.get("/", query_string={"q": "في من على"}))
    assert "كلمات وقف" in stop_words and "stop words" not in stop_words
    api = web_client.get("/api/search", query_string={"q": "العراق زنجبيلستان"}).json
    assert api["notices"] == [{"code": "best_match", "message": expected.notes[0], "params": {"words": 2, "needed": 1}}]
    assert api["notes"] == expected.notes


#: The id sits in a first-strong isolate so the guillemets and full stop keep their places in the Arabic sentence.
NOPE_TEXT = "لا توجد في الفهرس مقالة بالمعرّف «\u2068nope\u2069»."


def test_unknown_document_is_arabic_and_names_no_server_path(web_client, web_index):
    page = web_client.get("/doc/nope")
    assert page.status_code == 404
    assert NOPE_TEXT in html(page)
    assert str(web_index.index_dir) not in html(page) and "no document" not in html(page)
    api = web_client.get("/api/doc/nope").json["error"]
    assert api["code"] == "document_not_found" and api["params"] == {"id": "nope"}
    assert api["message"] == NOPE_TEXT and str(web_index.index_dir) not in str(api)


def test_missing_index_names_no_server_path(no_index_client, tmp_path):
    page = html(no_index_client.get("/"))
    assert str(tmp_path) not in page and "لا يوجد فهرس بعد" in page
    api = no_index_client.get("/api/search").json["error"]
    assert api["code"] == "index_not_found" and str(tmp_path) not in str(api)


def test_bad_parameters_carry_a_code(no_index_client):
    api = no_index_client.get("/api/search?since=2024-05-01&until=2024-04-01").json["error"]
    assert {key: api[key] for key in ("status", "type", "code")} == {
        "status": 400, "type": "QueryError", "code": "inverted_range"}
    assert api["params"] == {"since": "2024-05-01", "until": "2024-04-01"}
    assert "تاريخ البداية" in api["message"] and "2024-05-01" in api["message"]


# --- source names, exclusions, per page, oldest first, clean URLs ------------------


def test_sources_are_shown_by_their_arabic_name_and_kept_latin_in_json(web_client, web_index):
    from indexer.ingest.sources import arabic_name

    sources = [value.value for value in library_search(web_index).facets["source"].values]
    assert "Sputnik Arabic" in sources and arabic_name("Sputnik Arabic") == "سبوتنيك عربي"
    text = html(web_client.get("/"))
    assert re.search(r'value="Sputnik Arabic"[^>]*>\s*<span class="facet-label" dir="auto">سبوتنيك عربي</span>', text)
    assert '<a class="source" dir="auto"' in text and ">سبوتنيك عربي</a>" in text
    chip = html(web_client.get("/", query_string={"source": "Sputnik Arabic"}))
    assert '<span dir="auto">سبوتنيك عربي</span>' in chip
    api = web_client.get("/api/search").json
    assert "Sputnik Arabic" in {hit["source"] for hit in api["hits"]}
    assert arabic_name("No Such Outlet") is None and arabic_name(None) is None


def test_excluding_a_source_drops_its_documents_and_shows_a_chip(web_client, web_index):
    everything = library_search(web_index, query=QUERY)
    excluded = everything.facets["source"].values[0]
    expected = library_search(web_index, query=QUERY, exclude_sources=(excluded.value,))
    assert expected.total == everything.total - excluded.count
    api = web_client.get("/api/search", query_string={"q": QUERY, "not_source": excluded.value}).json
    assert api["total"] == expected.total
    assert excluded.value not in {hit["source"] for hit in api["hits"]}
    text = html(web_client.get("/", query_string={"q": QUERY, "not_source": excluded.value}))
    assert shown_total(text) == expected.total
    assert 'class="chip removable excluding"' in text and "ليس المصدر:" in text
    chip_url = re.search(r'class="chip removable excluding" href="([^"]+)"', text)[1]
    assert query_args(chip_url) == {"q": [QUERY]}


def test_each_facet_value_has_an_exclude_link(web_client, web_index):
    actor = library_search(web_index, query=QUERY).facets["actor"].values[0].value
    text = html(web_client.get("/", query_string={"q": QUERY, "actor": actor}))
    links = [query_args(url) for url in re.findall(r'class="facet-exclude" href="([^"]+)"', text)]
    assert {"q": [QUERY], "not_actor": [actor]} in links  # excluding a chosen actor unticks it
    excluded = html(web_client.get("/", query_string={"q": QUERY, "not_actor": actor}))
    assert shown_total(excluded) == library_search(web_index, query=QUERY, exclude_actors=(actor,)).total
    assert re.search(r'<li class="facet-value excluded">', excluded)
    assert '<input type="hidden" name="not_actor" value="%s">' % actor in excluded


def test_per_page_is_honoured_by_the_api_and_the_page(web_client, web_index):
    api = web_client.get("/api/search", query_string={"per_page": "4"}).json
    assert api["per_page"] == 4 and len(api["hits"]) == 4 and api["pages"] == -(-web_index.doc_count // 4)
    text = html(web_client.get("/", query_string={"per_page": "4"}))
    assert text.count('<li class="hit">') == 4
    next_page = re.search(r'rel="next" href="([^"]+)"', text)[1]
    assert query_args(next_page) == {"per_page": ["4"], "page": ["2"]}
    assert '<option value="4" selected>' in text
    assert web_client.get("/api/search", query_string={"per_page": "101"}).json["error"]["code"] == "bad_per_page"
    default = web_client.get("/", query_string={"per_page": "10"})
    assert default.status_code == 302 and default.location == "/"


def test_oldest_first(web_client, web_index):
    api = web_client.get("/api/search", query_string={"sort": "oldest"}).json
    expected = library_search(web_index, sort="oldest")
    assert [hit["id"] for hit in api["hits"]] == [hit.id for hit in expected.hits]
    dates = [hit["date"] for hit in api["hits"] if hit["date"]]
    assert dates == sorted(dates) and len(dates) >= 2
    text = html(web_client.get("/", query_string={"sort": "oldest"}))
    assert '<span class="sort-current" aria-current="true">الأقدم</span>' in text


def test_empty_form_fields_are_redirected_away(web_client):
    response = web_client.get("/?q=%D8%BA%D8%B2%D8%A9&since=&until=&per_page=10&page=")
    assert response.status_code == 302
    assert query_args(response.location) == {"q": ["غزة"]}
    assert web_client.get("/?q=&since=").location == "/"
    assert web_client.get("/api/search?since=").status_code == 200  # the API answers, it does not redirect


def test_date_fields_are_plain_text_with_the_format_shown(web_client):
    text = html(web_client.get("/"))
    assert 'type="date"' not in text  # Chromium would show mm/dd/yyyy in the Arabic page
    for name in ("since", "until"):
        field = re.search(rf'<input type="text" name="{name}"[^>]+>', text)[0]
        assert r'pattern="\d{4}-\d{2}-\d{2}"' in field and 'dir="ltr"' in field and "placeholder=" in field


def test_search_box_is_focused_on_the_landing_page_and_has_a_shortcut(web_client):
    landing = re.search(r'<input id="q"[^>]+>', html(web_client.get("/")))[0]
    assert "autofocus" in landing and 'aria-keyshortcuts="/"' in landing
    results = re.search(r'<input id="q"[^>]+>', html(web_client.get("/", query_string={"q": QUERY})))[0]
    assert "autofocus" not in results  # a reader coming back to the results keeps their scroll position


# --- histogram ------------------------------------------------------------------------


def test_histogram_shows_counts_on_the_bars_and_in_a_table(web_client, web_index):
    text = html(web_client.get("/"))
    dated = [value for value in library_search(web_index).facets["date"].values if value.start]
    counts = re.findall(r'<span class="bar-count" aria-hidden="true">(\d+)</span>', text)
    assert sorted(map(int, counts)) == sorted(value.count for value in dated)
    table = re.search(r'<details class="histogram-table">.*?</details>', text, re.S)[0]
    rows = re.findall(r'<td><a href="([^"]+)">([^<]+)</a></td><td class="count">(\d+)</td>', table)
    assert len(rows) == len(dated)
    for url, label, count in rows:
        since = dt.date.fromisoformat(query_args(url)["since"][0])
        assert label == display.month_label(since.year, since.month)
        assert library_search(web_index, since=since, until=query_args(url)["until"][0]).total == int(count)


# --- facet search on the server ---------------------------------------------------------


def test_facet_search_finds_values_beyond_the_page_after_normalization(web_client, web_index):
    data = web_client.get("/api/facet/actor", query_string={"contains": "المتحده"}).json
    assert data == {
        "facet": "actor",
        "values": [{"value": "الولايات المتحدة", "label": "الولايات المتحدة", "count": 5, "selected": False,
                    "excluded": False, "type": "place", "type_label": "مكان"}],
        "total": 1,
    }


def test_facet_search_counts_over_the_current_search(web_client, web_index):
    args = {"q": QUERY, "contains": "ه", "actor": "حركة حماس"}
    data = web_client.get("/api/facet/actor", query_string=args).json
    expected = web_index.facet_values("actor", "ه", query=QUERY, actors=("حركة حماس",), limit=50)
    assert data["total"] == expected.total > len(data["values"]) - 1
    assert [(v["value"], v["count"]) for v in data["values"]] == [(v.value, v.count) for v in expected.values]
    assert [v["value"] for v in data["values"] if v["selected"]] == ["حركة حماس"]


def test_facet_search_of_sources_gives_arabic_labels(web_client):
    data = web_client.get("/api/facet/source", query_string={"contains": "sputnik"}).json
    assert [(v["value"], v["label"]) for v in data["values"]] == [("Sputnik Arabic", "سبوتنيك عربي")]


def test_facet_search_of_an_unknown_facet_is_400(web_client):
    response = web_client.get("/api/facet/colour", query_string={"contains": "x"})
    assert response.status_code == 400 and response.json["error"]["code"] == "unknown_facet"


# --- export ------------------------------------------------------------------------------


def test_csv_export_has_every_hit_a_bom_and_the_columns(web_client, web_index):
    import csv
    import io

    response = web_client.get("/export.csv", query_string={"q": QUERY, "sort": "date"})
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="fahras-')
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    expected = list(web_index.iter_hits(QUERY, sort="date"))
    assert len(expected) == library_search(web_index, query=QUERY).total
    assert [row["id"] for row in rows] == [hit.id for hit in expected]
    assert list(rows[0]) == ["id", "title", "source", "date", "actors", "url", "path", "score"]
    assert rows[0]["actors"] == "; ".join(expected[0].actors) and float(rows[0]["score"]) == expected[0].score


def test_jsonl_export_follows_the_filters(web_client, web_index):
    import json

    source = library_search(web_index).facets["source"].values[0].value
    response = web_client.get("/export.jsonl", query_string={"not_source": source})
    assert response.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(rows) == library_search(web_index, exclude_sources=(source,)).total == web_index.doc_count - 1
    assert all(row["source"] != source and isinstance(row["actors"], list) for row in rows)
    assert set(rows[0]) == {"id", "title", "source", "date", "actors", "url", "path", "score"}


def test_export_errors_are_pages_not_broken_downloads(web_client):
    response = web_client.get("/export.csv", query_string={"since": "2024-99-01"})
    assert response.status_code == 400 and "Content-Disposition" not in response.headers
    assert web_client.get("/export.xlsx").status_code == 404


def test_the_page_links_the_exports_with_its_parameters(web_client):
    text = html(web_client.get("/", query_string={"q": QUERY, "sort": "oldest", "page": "2", "per_page": "2"}))
    for fmt in ("csv", "jsonl"):
        url = re.search(rf'href="(/export\.{fmt}\?[^"]+)" download', text)[1]
        assert query_args(url) == {"q": [QUERY], "sort": ["oldest"]}


# --- dates: what they were inferred from ---------------------------------------------------


def test_the_date_tooltip_says_what_a_date_was_inferred_from():
    app = create_app()
    template = ('{% from "_macros.html" import dated with context %}'
                '{{ dated(iso, precision, origin, basis, reference) }}')
    with app.test_request_context():
        from flask import render_template_string

        inferred = render_template_string(template, iso="2024-03-01", precision="month", origin="inferred",
                                          basis="relative:mtime", reference="2024-09-15")
        crawl = render_template_string(template, iso="2015-07-21", precision="day", origin="crawl",
                                       basis="crawl", reference=None)
    assert "محسوب من تاريخ تعديل الملف؛ المرجع: 15 أيلول 2024" in inferred
    assert "تقريبي" in crawl and "تاريخ جمع المقالة من موقعها" in crawl and "21 تموز 2015" in crawl


def test_every_date_basis_of_ingestion_has_an_arabic_text():
    from indexer.ingest import dates

    bases = {value for name, value in vars(dates).items() if name.startswith("BASIS_")}
    bases |= {dates.RELATIVE_BASIS.format(reference) for reference in ("mtime", "today", "reference")}
    assert len(bases) == 7 and bases <= set(display.DATE_BASES), bases - set(display.DATE_BASES)


def test_hit_titles_are_highlighted(web_client, web_index):
    hit = next(hit for hit in library_search(web_index, query=QUERY).hits if "<mark>" in hit.title_html)
    text = html(web_client.get("/", query_string={"q": QUERY}))
    assert f'dir="auto">{hit.title_html}</a></h2>' in text


def test_counts_on_the_page_agree_with_their_numbers(web_client, web_index):
    result = library_search(web_index, query=QUERY)
    text = html(web_client.get("/", query_string={"q": QUERY}))
    assert f"<strong>{messages.counted(result.total, 'result')}</strong>" in text
    crowded = [hit for hit in result.hits if len(hit.actors) > 8]
    assert crowded  # the seeds name many actors
    for hit in crowded:
        assert f'<li class="more-actors">و{messages.counted(len(hit.actors) - 8, "other_actor")}</li>' in text
    hit = result.hits[0]
    document = web_index.document(hit.id, query=QUERY)
    page = html(web_client.get(f"/doc/{hit.id}", query_string={"q": QUERY}))
    assert f"{messages.counted(document.match_count, 'match')} لـ «" in page


def test_a_value_both_ticked_and_excluded_is_wanted():
    params = parse(source=["أ"], not_source=["أ", "ب"], not_actor=["ج"])
    assert (params.sources, params.exclude_sources, params.exclude_actors) == (("أ",), ("ب",), ("ج",))


def test_an_unknown_filter_value_names_the_closest_ones_in_arabic():
    from indexer.search.suggest import check_known_values

    with pytest.raises(QueryError) as raised:
        check_known_values("source", ["Sputnik"], ["Sputnik Arabic", "Al-Mada"])
    text = messages.error_text(raised.value.code, raised.value.params)
    assert text == "لا يوجد في الفهرس مصدر باسم «\u2068Sputnik\u2069»؛ لعلك تقصد: «\u2068Sputnik Arabic\u2069»."
    assert messages.error_text("unknown_value", {"facet": "actor", "value": "س", "suggestions": []}) == (
        "لا يوجد في الفهرس فاعل باسم «\u2068س\u2069».")


def test_the_page_tooltip_carries_the_indexed_date_basis(web_client, web_index):
    import html as html_module

    hits = [hit for hit in library_search(web_index).hits if hit.date_basis in display.DATE_BASES]
    assert any(display.is_approximate(hit.date_precision, hit.date_origin) for hit in hits)
    tooltips = [html_module.unescape(title) for title in re.findall(r'<abbr class="approx" title="([^"]+)"', html(web_client.get("/")))]
    for hit in hits:
        if display.is_approximate(hit.date_precision, hit.date_origin):
            expected = display.approximate_reason(hit.date_precision, hit.date_origin, hit.date_basis, hit.date_reference)
            assert display.DATE_BASES[hit.date_basis] in expected and expected in tooltips


# --- bidi controls and ids that a path would not carry (reliability item 8) ------------------

RLO, PDF, RLE, LRO = "\u202e", "\u202c", "\u202b", "\u202d"
RLI, FSI, PDI = "\u2067", "\u2068", "\u2069"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"
#: What the page must never carry from the data: embeddings, overrides and isolates.
BIDI_CONTROL_CHARACTERS = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: Attributes that are data, not text: form values go back to the server as stored (a ticked source must
#: match), and a link target is percent-encoded by the browser before use.
DATA_ATTRIBUTE = re.compile(r'\b(?:value|href)="[^"]*"')


@pytest.mark.parametrize(
    ("text", "marks", "shown"),
    [
        (f"invoice{RLO}fdp.exe", False, "invoicefdp.exe"),
        (f"{RLE}عنوان{PDF} و{LRO}Latin{PDF}", False, "عنوان وLatin"),
        (f"{RLI}مصدر{PDI} {FSI}x{PDI}{PDI}", False, "مصدر x"),
        ("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", False, ""),
        # Marks stay in titles and text (Arabic uses them around numbers and Latin words) ...
        (f"{RLM}العراق{LRM} 2024{ALM}", False, f"{RLM}العراق{LRM} 2024{ALM}"),
        # ... and go from labels, with the controls.
        (f"{RLM}العراق{LRM} {RLO}2024{ALM}", True, "العراق 2024"),
        # Escaped HTML stays the same markup: the controls are never part of a tag or an entity.
        (f"&lt;b{RLO}&gt; <mark>غزة{PDI}</mark>", False, "&lt;b&gt; <mark>غزة</mark>"),
        ("نص عادي بلا محارف تحكم", False, "نص عادي بلا محارف تحكم"),
        ("", False, ""),
        (None, True, ""),
    ],
)
def test_strip_bidi_controls(text, marks, shown):
    assert display.strip_bidi_controls(text, marks=marks) == shown


def test_every_named_bidi_control_is_stripped_and_no_other_character():
    controls = "".join(display.BIDI_CONTROLS)
    assert set(controls) == {chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
    assert display.strip_bidi_controls(controls + "".join(display.BIDI_MARKS), marks=True) == ""
    ordinary = "".join(chr(code) for code in range(0x20, 0x2100) if chr(code) not in controls + "".join(display.BIDI_MARKS))
    assert display.strip_bidi_controls(ordinary, marks=True) == ordinary


#: Ids a browser or Werkzeug would change in a ``/doc/<id>`` path, and ordinary ones beside them.
#: ``a`` and ``b`` are decoys: ``a/../b`` normalized is ``b``, ``/a`` merged is ``a``.
HOSTILE_IDS = (
    "a/../b", "a/./b", "a//b", "/a", "a/", "a?b", "a#b", "a%2Fb", "a%2e%2e/b", "..", "./a",
    "خبر/../عاجل", "تقرير عن العراق", "a b", " a ", "a\nb", "a&q=x", "feed.jsonl#7",
)
DECOY_IDS = ("a", "b", "عاجل")
VERBATIM_IDS_FILE = "ids.jsonl"
SPOOFED_ID = "spoof"
SPOOFED = {
    "id": SPOOFED_ID,
    "title": f"تحذير {RLO}gpj.exe{PDF} عن العراق {RLI}مقلوب",
    "body": f"نص {RLE}مضمّن{PDF} عن العراق و{LRO}override{PDI} وعلامة {RLM}مشروعة.",
    "source": f"{RLO}Spoof News{PDI}",
    "actors": [f"{FSI}فاعل{PDI}{PDI} مزيف", f"{LRM}{RLO}Actor"],
    "author": f"{RLO}الكاتب",
    "url": f"https://example.com/{RLO}fdp.exe",
}


def id_tag(number: int) -> str:
    """A word only one document's title holds, so a page shows which document it is."""
    return f"docmark{number:02d}"


def verbatim_id_articles() -> list[dict]:
    articles = [
        {"id": doc_id, "title": f"وثيقة {id_tag(number)}", "body": f"خبر عن العراق رقم {number}."}
        for number, doc_id in enumerate(HOSTILE_IDS + DECOY_IDS)
    ]
    # The decoys share the spoofed source, so the spoofed document lists "more from" it.
    for article in articles[len(HOSTILE_IDS):]:
        article["source"] = SPOOFED["source"]
    return articles + [SPOOFED]


def read_verbatim_ids(path, root, reference_date) -> list:
    """A ``read`` for ``update_index``: one article a line, its ``id`` kept exactly as written
    (ingestion's own reader prefixes ``file.jsonl#``, and no file name can hold most of these ids)."""
    import hashlib
    import json

    from indexer.records import Record

    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = json.loads(line)
        records.append(Record(
            id=fields["id"], path=fields["id"], title=fields["title"], body=fields["body"],
            source=fields.get("source"), actors=fields.get("actors", []), author=fields.get("author"),
            url=fields.get("url"), content_hash=hashlib.sha256(line.encode("utf-8")).hexdigest(),
        ))
    return records


def build_verbatim_id_index(folder):
    """An index of ``verbatim_id_articles()`` under ``folder``; returns the open index."""
    import json

    from indexer import open_index, update_index

    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / VERBATIM_IDS_FILE).write_text(
        "\n".join(json.dumps(article, ensure_ascii=False) for article in verbatim_id_articles()), encoding="utf-8")
    update_index([corpus], folder / "index", processes=1, read=read_verbatim_ids)
    return open_index(folder / "index")


@pytest.fixture(scope="module")
def verbatim_index(tmp_path_factory):
    return build_verbatim_id_index(tmp_path_factory.mktemp("verbatim_ids"))


@pytest.fixture()
def verbatim_client(verbatim_index):
    return create_app({"TESTING": True, "INDEX": verbatim_index}).test_client()


def test_the_page_shows_no_bidi_control_of_the_data(verbatim_client):
    pages = {
        "results": html(verbatim_client.get("/", query_string={"q": "العراق", "per_page": "100"})),
        "landing": html(verbatim_client.get("/")),
        "filtered": html(verbatim_client.get("/", query_string={"source": SPOOFED["source"], "actor": SPOOFED["actors"][0]})),
        "document": html(verbatim_client.get(f"/doc/{SPOOFED_ID}", query_string={"q": "العراق"})),
    }
    for name, page in pages.items():
        shown = DATA_ATTRIBUTE.sub("", page)
        assert not BIDI_CONTROL_CHARACTERS.search(shown), (name, BIDI_CONTROL_CHARACTERS.search(shown))
    results, document = pages["results"], pages["document"]
    assert "gpj.exe" in results and "<mark>العراق</mark>" in results  # the title and its highlight, cleaned
    assert ">Spoof News</a>" in results and "فاعل مزيف" in results and ">Actor</a>" in results
    assert '<span class="facet-label" dir="auto">Spoof News</span>' in pages["landing"]
    assert '<h1 id="doc-title" dir="auto">تحذير gpj.exe عن العراق مقلوب</h1>' in document
    assert "مضمّن" in document and "override" in document and f"{RLM}مشروعة" in document  # a mark in text stays
    assert "https://example.com/fdp.exe" in document and ">الكاتب</dd>" in document
    # The filters still carry the stored values: a filter value is data, not display.
    assert query_args(re.search(r'class="source" dir="auto" href="([^"]+)"', results)[1])["source"] == [SPOOFED["source"]]


def test_user_text_is_isolated_from_its_neighbours(verbatim_client):
    """Every title, label and query echo sits in an element of its own direction (``dir`` or ``<bdi>``),
    so a Latin title cannot pull the Arabic around it out of order."""
    results = html(verbatim_client.get("/", query_string={"q": "العراق"}))
    assert re.search(r'<h2 class="hit-title"><a href="[^"]+" dir="auto">', results)
    assert re.search(r'<a class="chip" href="[^"]+" dir="auto"', results)
    document = html(verbatim_client.get(f"/doc/{SPOOFED_ID}", query_string={"q": "العراق"}))
    assert "المزيد من <bdi>Spoof News</bdi>" in document and "كل مقالات <bdi>Spoof News</bdi>" in document
    assert re.search(r'<a class="chip" href="[^"]+" dir="auto" title="المقالات التي تذكر فاعل مزيف">فاعل مزيف</a>', document)


def test_the_json_api_keeps_stored_text_as_stored(verbatim_client):
    api = verbatim_client.get(f"/api/doc/{SPOOFED_ID}").json
    assert api["title"] == SPOOFED["title"] and api["source"] == SPOOFED["source"]
    assert api["actors"] == SPOOFED["actors"]


@pytest.mark.parametrize("doc_id", HOSTILE_IDS + DECOY_IDS)
def test_every_document_link_opens_its_own_document(verbatim_client, doc_id):
    from webui.views import doc_url

    number = (HOSTILE_IDS + DECOY_IDS).index(doc_id)
    with create_app().test_request_context():
        url, with_query = doc_url(doc_id), doc_url(doc_id, "العراق")
    # What a browser would rewrite never reaches the path: no dot segment, no empty segment.
    segments = urlsplit(url).path.split("/")[2:]
    assert all(segment and segment not in (".", "..") for segment in segments), url
    page = verbatim_client.get(url)
    assert page.status_code == 200 and id_tag(number) in html(page)
    api = verbatim_client.get(f"/api{url}")
    assert api.status_code == 200 and api.json["id"] == doc_id
    marked = verbatim_client.get(with_query)
    assert "<mark" in html(marked) and query_args(with_query)["q"] == ["العراق"]


def test_ordinary_ids_keep_the_path_form_and_hostile_ones_take_the_query(verbatim_client):
    from webui.views import doc_url

    with create_app().test_request_context():
        assert doc_url("seed.txt") == "/doc/seed.txt"
        assert doc_url("feed.jsonl#7", "غزة") == "/doc/feed.jsonl%237?q=%D8%BA%D8%B2%D8%A9"
        assert doc_url("a/../b") == "/doc?id=a/../b" and doc_url("/a").startswith("/doc?id=")
    # The query form serves ordinary ids too, and both forms are the same document.
    assert verbatim_client.get("/api/doc", query_string={"id": "a"}).json == verbatim_client.get("/api/doc/a").json


def test_results_page_links_open_the_documents_they_name(verbatim_client, verbatim_index):
    text = html(verbatim_client.get("/", query_string={"q": "العراق", "per_page": "100"}))
    links = [link.replace("&amp;", "&") for link in re.findall(r'<h2 class="hit-title"><a href="([^"]+)"', text)]
    assert len(links) == len(HOSTILE_IDS + DECOY_IDS) + 1
    opened = {verbatim_client.get(f"/api{link}").json["id"] for link in links}
    assert opened == set(HOSTILE_IDS + DECOY_IDS) | {SPOOFED_ID}


def test_a_missing_id_parameter_is_an_unknown_document(verbatim_client):
    page = verbatim_client.get("/doc")
    assert page.status_code == 404 and NOPE_TEXT.split("«")[0] in html(page)
    api = verbatim_client.get("/api/doc")
    assert api.status_code == 404 and api.json["error"]["code"] == "document_not_found"


# --- the actor facet's type switch (actor_type) -------------------------------------------------

TYPE_SWITCH = re.compile(r'<nav class="facet-types"[^>]*>(.*?)</nav>', re.DOTALL)
TYPE_LINK = re.compile(r'<a href="([^"]+)" class="facet-type( selected)?"\s+data-type="(\w+)"( aria-current="true")?>([^<]+)</a>')


def type_switch(response) -> list[tuple[str, bool, str, str]]:
    """``(url, selected, type, label)`` of each link of the actor facet's type switch."""
    block = TYPE_SWITCH.search(html(response)).group(1)
    links = [(url.replace("&amp;", "&"), bool(selected), kind, label) for url, selected, kind, current, label
             in TYPE_LINK.findall(block)]
    assert all(bool(selected) == bool(current) for _, selected, _, current, _ in TYPE_LINK.findall(block))
    return links


def test_the_actor_facet_has_a_type_switch_keeping_the_other_parameters(web_client):
    source = web_client.get("/api/search", query_string={"q": QUERY}).json["facets"]["source"][0]["value"]
    response = web_client.get("/", query_string={"q": QUERY, "source": source, "sort": "date", "per_page": "25",
                                                 "page": "2"})
    links = type_switch(response)
    assert [(kind, label) for _, _, kind, label in links] == [
        ("all", "الكل"), ("person", "أشخاص"), ("organisation", "منظمات"), ("place", "أماكن")]
    assert [selected for _, selected, _, _ in links] == [True, False, False, False]
    for url, _, kind, _ in links:
        args = query_args(url)
        assert args["q"] == [QUERY] and args["source"] == [source]
        assert args["sort"] == ["date"] and args["per_page"] == ["25"]
        assert "page" not in args  # a new view of the facet starts at the first page
        assert args.get("actor_type") == (None if kind == "all" else [kind])
    chosen = web_client.get(links[1][0])
    assert chosen.status_code == 200
    after = type_switch(chosen)
    assert [selected for _, selected, _, _ in after] == [False, True, False, False]
    assert query_args(after[0][0]).get("actor_type") is None  # "all" goes back
    page = html(chosen)
    assert '<input type="hidden" name="actor_type" value="person">' in page  # ticking a value keeps the type
    facet = page[page.index('id="facet-actor"'):]
    facet = facet[:facet.index("</fieldset>")]
    kinds = re.findall(r'<span class="actor-type" data-type="(\w+)" title="النوع: ([^"]+)">', facet)
    assert kinds and set(kinds) == {("person", "شخص")}


def test_every_actor_value_shows_its_type_in_arabic(web_client):
    page = html(web_client.get("/", query_string={"q": QUERY}))
    facet = page[page.index('id="facet-actor"'):]
    facet = facet[:facet.index("</fieldset>")]
    rows = facet.count('<li class="facet-value')
    kinds = re.findall(r'<span class="actor-type" data-type="(\w+)" title="النوع: ([^"]+)">\2</span>', facet)
    assert len(kinds) == rows and {"place", "organisation"} <= {kind for kind, _ in kinds}
    assert set(kinds) <= {("person", "شخص"), ("organisation", "منظمة"), ("place", "مكان")}


def test_api_search_actor_type_only_adds_keys(web_client):
    plain = web_client.get("/api/search", query_string={"q": QUERY}).json
    people = web_client.get("/api/search", query_string={"q": QUERY, "actor_type": "person"}).json
    assert set(people) == set(plain) and people["hits"] == plain["hits"] and people["total"] == plain["total"]
    assert people["facets"]["source"] == plain["facets"]["source"]
    assert people["facets"]["actor"] and {value["type"] for value in people["facets"]["actor"]} == {"person"}
    assert all(set(value) == {"value", "count", "selected", "type"} for value in plain["facets"]["actor"])
    assert people["facet_totals"]["actor"] < plain["facet_totals"]["actor"]


def test_facet_value_search_honours_the_actor_type(web_client):
    args = {"contains": "ال", "q": QUERY}
    every = web_client.get("/api/facet/actor", query_string=args).json
    places = web_client.get("/api/facet/actor", query_string=args | {"actor_type": "place"}).json
    assert places["values"] and {(v["type"], v["type_label"]) for v in places["values"]} == {("place", "مكان")}
    assert places["total"] < every["total"]
    assert {v["value"] for v in places["values"]} <= {v["value"] for v in every["values"]}


@pytest.mark.parametrize("path", ["/", "/api/search", "/api/facet/actor"])
def test_a_bad_actor_type_is_a_400_in_arabic(web_client, path):
    response = web_client.get(path, query_string={"q": QUERY, "actor_type": "people"})
    assert response.status_code == 400
    text = html(response)
    assert "نوع الفاعل" in text and "people" in text
    if path.startswith("/api/"):
        assert response.json["error"]["code"] == "bad_actor_type"


def test_actor_type_urls_are_canonical(web_client):
    upper = web_client.get("/", query_string={"q": QUERY, "actor_type": "Person"})
    assert upper.status_code == 302 and query_args(upper.headers["Location"])["actor_type"] == ["person"]
    empty = web_client.get("/", query_string={"q": QUERY, "actor_type": ""})
    assert empty.status_code == 302 and "actor_type" not in query_args(empty.headers["Location"])
    assert parse(actor_type="place").url_args()[-1] == ("actor_type", "place")


def test_facet_search_labels_carry_no_bidi_control(verbatim_client):
    """The facet filter box writes these labels into the page; the values stay as stored, to filter with."""
    found = verbatim_client.get("/api/facet/source", query_string={"contains": "Spoof"}).json
    labels = [value["label"] for value in found["values"]]
    assert labels == ["Spoof News"]
    assert [value["value"] for value in found["values"]] == [SPOOFED["source"]]


def test_a_value_isolated_in_a_message_cannot_close_its_isolate_early():
    from webui.messages import isolated

    assert isolated(f"a{PDI}{RLO}b") == f"{FSI}ab{PDI}"
