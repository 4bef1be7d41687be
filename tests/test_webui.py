"""The web UI through Flask's test client, against a real index of the seeds."""

from __future__ import annotations

import datetime as dt
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from indexer.errors import QueryError
from webui import SECURITY_HEADERS, create_app, display
from webui.views import SearchParams, mark_first_match, parse_search_params

from conftest import HOSTILE_FILENAME

MAX_QUERY = 1000
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


# --- parameters -------------------------------------------------------------


def test_parse_reads_every_parameter():
    params = parse(
        q="  الانسحاب الأمريكي ",
        source=["سبوتنيك", "المدى", "سبوتنيك", " "],
        actor=["إيران"],
        since="2024-01-01",
        until="2024-12-31",
        sort="date",
        page="3",
    )
    assert params == SearchParams(
        query="الانسحاب الأمريكي",
        sources=("سبوتنيك", "المدى"),
        actors=("إيران",),
        since=dt.date(2024, 1, 1),
        until=dt.date(2024, 12, 31),
        sort="date",
        page=3,
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
    ],
)
def test_parse_rejects_bad_parameters_with_reason(params, reason):
    with pytest.raises(QueryError, match=re.escape(reason)):
        parse(**params)


def test_urls_round_trip_and_reset_page():
    params = parse(q="غزة", source=["أ", "ب"], since="2024-07-01", sort="date", page="4")
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


def test_bucket_range_covers_month_and_year():
    assert display.bucket_range("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29), "شباط 2024")
    assert display.bucket_range("2023") == (dt.date(2023, 1, 1), dt.date(2023, 12, 31), "2023")
    assert display.bucket_range("2024-13") is None
    assert display.bucket_range("soon") is None


def test_histogram_fills_empty_months_in_order():
    filled = display.fill_buckets({"2024-12": 2, "2024-10": 5, "2025-01": 1})
    assert filled == [("2024-10", 5), ("2024-11", 0), ("2024-12", 2), ("2025-01", 1)]
    assert display.fill_buckets({"2001": 1, "2003": 2}) == [("2001", 1), ("2002", 0), ("2003", 2)]
    sparse = {"1900-01": 1, "2024-01": 1}
    assert display.fill_buckets(sparse) == [("1900-01", 1), ("2024-01", 1)]


def test_bar_levels_keep_small_counts_visible():
    assert display.bar_level(0, 100) == 0
    assert display.bar_level(1, 1000) == 1
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
    assert f"<strong>{web_index.doc_count:,}</strong>" in text
    assert '<label class="visually-hidden" for="q">' in text
    assert_no_inline_script(text)


def test_search_page_shows_highlighted_hits_and_keeps_the_query(web_client, web_index):
    expected = library_search(web_index, query=QUERY)
    assert expected.total > 0
    text = html(web_client.get("/", query_string={"q": QUERY}))
    assert f'value="{QUERY}"' in text
    assert f"<strong>{expected.total:,}</strong>" in text
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
    assert f"<strong>{chosen.count:,}</strong>" in text
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
    assert f"<strong>{expected.total:,}</strong>" in html(filtered)
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
    assert f"<strong>{expected.total:,}</strong>" in text or (expected.total == 0 and "لم نجد" in text)
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
    if expected.original:
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
    assert api.status_code == 404 and api.json["error"]["type"] in ("DocumentNotFound", "NotFound")


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
