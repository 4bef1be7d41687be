"""The search page in a real Chromium (Debian's package) driven by Playwright.

The app runs under Werkzeug's threaded server on a free port, against the
seeds plus the hostile-markup article.  Screenshots of the main states go to
``test-output/screenshots/`` for a human to look at.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import HOSTILE_TITLE, REPO_ROOT
from webui.display import date_label

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
QUERY = "العراق"
TIMEOUT_MS = 15_000

# CI sets FAHRAS_REQUIRE_BROWSER so that a missing browser fails there instead of passing quietly.
BROWSER_REQUIRED = bool(os.environ.get("FAHRAS_REQUIRE_BROWSER"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not BROWSER_REQUIRED,
        reason=f"{CHROMIUM} is absent (apt-get install -y chromium)",
    ),
]


@contextmanager
def serving(index):
    """The app over ``index`` on a free port, in a thread: yields its base URL."""
    from werkzeug.serving import make_server

    from webui import create_app

    server = make_server("127.0.0.1", 0, create_app({"INDEX": index}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def live_url(web_index):
    with serving(web_index) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Session:
    """A browser tab that records dialogs and console errors (CSP violations land there)."""

    def __init__(self, browser, viewport, javascript=True):
        self.context = browser.new_context(viewport=viewport, locale="ar", java_script_enabled=javascript)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on("console", self._on_console)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def screenshot(self, name: str, full_page: bool = True) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture()
def tab(browser):
    session = Session(browser, DESKTOP)
    yield session
    session.context.close()
    assert session.dialogs == [], "a dialog fired: markup from a document ran"
    assert session.console_errors == [], "console errors (CSP violation or script error)"


@pytest.fixture()
def phone_tab(browser):
    session = Session(browser, PHONE)
    yield session
    session.context.close()
    assert session.console_errors == []


def url_args(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def result_total(page) -> int:
    """The result count the page states (the summary's ``data-total``; its text is Arabic words)."""
    return int(page.locator(".summary").get_attribute("data-total"))


def test_typing_a_query_shows_highlighted_hits(tab, live_url):
    page = tab.page
    page.goto(live_url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#q", QUERY)
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    assert url_args(page.url)["q"] == [QUERY]
    assert page.locator("#q").input_value() == QUERY
    assert page.locator(".hit").count() > 0
    assert page.locator(".snippet mark").count() > 0
    assert result_total(page) >= page.locator(".hit").count()
    tab.screenshot("search-results")


def test_ticking_a_source_filters_results_and_counts(tab, live_url):
    page = tab.page
    page.goto(f"{live_url}/?q={QUERY}")
    total = result_total(page)
    rows = page.locator("#facet-source .facet-value")
    counts = [int(rows.nth(i).locator(".count").inner_text()) for i in range(rows.count())]
    assert len(counts) >= 2, "the seeds come from several outlets"
    chosen = counts.index(min(counts))
    assert counts[chosen] < total
    source = rows.nth(chosen).locator("input").get_attribute("value")

    with page.expect_navigation():
        rows.nth(chosen).locator("input").check()  # JavaScript submits on change
    assert url_args(page.url)["source"] == [source]
    assert result_total(page) == counts[chosen] == page.locator(".hit").count()
    assert page.locator(f'#facet-source input[value="{source}"]').is_checked()
    assert page.locator(".active-filters .chip").count() == 1
    tab.screenshot("filtered-by-source")

    page.go_back()
    assert result_total(page) == total


def test_filters_work_with_javascript_off(browser, live_url):
    session = Session(browser, DESKTOP, javascript=False)
    page = session.page
    try:
        page.goto(f"{live_url}/?q={QUERY}")
        first = page.locator("#facet-source .facet-value").first
        expected = int(first.locator(".count").inner_text())
        first.locator("input").check()
        with page.expect_navigation():
            page.click("text=تطبيق المرشحات")
        assert result_total(page) == expected
        boxes = page.locator(".facet-filter")
        assert boxes.count() >= 1 and not any(boxes.nth(i).is_visible() for i in range(boxes.count()))  # needs JS
    finally:
        session.context.close()


def test_clicking_a_month_bar_filters_to_that_month(tab, live_url):
    page = tab.page
    page.goto(live_url)
    bar = page.locator("a.bar").first
    label, count = bar.get_attribute("title").rsplit(": ", 1)
    with page.expect_navigation():
        bar.click()
    args = url_args(page.url)
    since, until = args["since"][0], args["until"][0]
    assert since[:7] == until[:7] and since.endswith("-01")
    assert result_total(page) == int(count)
    assert page.locator("a.bar.selected").count() == 1
    assert page.locator('input[name="since"]').input_value() == since
    chips = page.locator(".active-filters .chip").all_inner_texts()
    assert [" ".join(chip.split()) for chip in chips] == [f"من: {date_label(since)} ×", f"إلى: {date_label(until)} ×"]
    assert label.split()[-1] == since[:4]  # the bar's label names the month of that year
    tab.screenshot("month-filtered")


def test_document_page_highlights_and_jumps_to_first_match(tab, live_url):
    page = tab.page
    page.goto(f"{live_url}/?q={QUERY}")
    with page.expect_navigation():
        page.locator(".hit-title a").first.click()
    assert "/doc/" in page.url and url_args(page.url)["q"] == [QUERY]
    first_mark = page.locator("mark#first-match")
    assert first_mark.count() == 1
    assert page.locator(".doc-body mark").count() >= 1
    page.click("text=انتقل إلى أول تطابق")
    assert page.url.endswith("#first-match")
    assert first_mark.is_visible()
    tab.screenshot("document", full_page=False)
    original = page.locator("details.original")
    assert original.count() == 1  # every seed keeps its original text
    original.locator("summary").click()
    assert original.locator("pre").is_visible()


def test_hostile_markup_shows_as_text_and_never_runs(tab, live_url):
    page = tab.page
    page.goto(f"{live_url}/?q=الترميز")
    title_link = page.locator(".hit-title a").first
    assert "<script>alert(1)</script>" in title_link.inner_text()
    assert page.locator("script:not([src])").count() == 0
    with page.expect_navigation():
        title_link.click()
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    body = page.locator(".doc-body").inner_text()
    assert "<script>alert(1)</script>" in body and '<img src="x"' in body
    assert page.locator(".doc-body img, .doc-body b, .doc-body script").count() == 0
    tab.screenshot("hostile-document", full_page=False)
    # The fixture asserts after the test that no dialog fired.


def test_actor_search_box_finds_values_beyond_the_page(tab, live_url, web_index):
    page = tab.page
    page.goto(live_url)
    listed = page.locator("#facet-actor .facet-listed input").evaluate_all("inputs => inputs.map(i => i.value)")
    beyond = next(actor for actor in web_index.actors() if actor.value not in listed)
    box = page.locator("#facet-actor .facet-filter")
    assert box.is_visible()
    with page.expect_response(lambda response: "/api/facet/actor?" in response.url):
        box.fill(beyond.value)
    found = page.locator("#facet-actor .facet-found .facet-value")
    found.first.wait_for()
    assert page.locator("#facet-actor .facet-listed").is_hidden()
    labels = found.locator(".facet-label").all_inner_texts()
    assert beyond.value in labels
    row = found.nth(labels.index(beyond.value))
    assert int(row.locator(".count").inner_text()) == beyond.count
    tab.screenshot("facet-search")
    with page.expect_navigation():
        row.locator("input").click()  # JavaScript submits on change: click, as check() would wait on the old page
    assert url_args(page.url)["actor"] == [beyond.value]
    assert result_total(page) == beyond.count

    box = page.locator("#facet-actor .facet-filter")
    with page.expect_response(lambda response: "/api/facet/actor?" in response.url):
        box.fill("ققققققق")
    page.locator("#facet-actor .facet-empty").wait_for()
    assert page.locator("#facet-actor .facet-found").is_hidden()
    box.fill("")
    assert page.locator("#facet-actor .facet-listed").is_visible()


def test_phone_width_has_no_horizontal_overflow(phone_tab, live_url):
    page = phone_tab.page
    page.goto(f"{live_url}/?q={QUERY}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    results_box = page.locator(".results").bounding_box()
    facets_box = page.locator("#filters").bounding_box()
    assert facets_box["y"] >= results_box["y"] + results_box["height"] - 1, "filters go below the results"
    phone_tab.screenshot("phone-search")
    page.goto(f"{live_url}/doc/{page.locator('.hit-title a').first.get_attribute('href').split('/doc/', 1)[1]}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_tab.screenshot("phone-document", full_page=False)


def test_empty_state_offers_ways_out(tab, live_url):
    page = tab.page
    page.goto(live_url)
    source = page.locator("#facet-source input").first.get_attribute("value")
    page.goto(f"{live_url}/?q=زنجبيلستان&source={source}")
    empty = page.locator(".empty-state")
    assert empty.is_visible()
    assert "زنجبيلستان" in empty.inner_text()
    with page.expect_navigation():
        empty.locator("a.chip").first.click()
    assert "source" not in url_args(page.url)
    tab.screenshot("empty-state")


def test_keyboard_reaches_search_box_and_filters(tab, live_url):
    page = tab.page
    page.goto(f"{live_url}/?q={QUERY}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    focused = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.add(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert "q" in focused


def test_search_box_shortcut_and_clean_urls(tab, live_url):
    page = tab.page
    page.goto(live_url)
    assert page.evaluate("document.activeElement.id") == "q"  # focused on load
    page.keyboard.type(QUERY)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    assert url_args(page.url) == {"q": [QUERY]}  # no empty since=, until= or default per_page
    page.locator(".results-bar").click()
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").input_value() == QUERY  # "/" focused the box without typing into it
    page.locator("#facet-source input").first.focus()  # a checkbox takes no text: "/" still jumps
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.locator('input[name="since"]').focus()  # a text field keeps its "/"
    page.keyboard.press("/")
    assert page.locator('input[name="since"]').input_value() == "/"


def test_excluding_a_source_from_its_facet_row(tab, live_url):
    page = tab.page
    page.goto(f"{live_url}/?q={QUERY}")
    total = result_total(page)
    row = page.locator("#facet-source .facet-value").first
    source = row.locator("input").get_attribute("value")
    count = int(row.locator(".count").inner_text())
    with page.expect_navigation():
        row.locator(".facet-exclude").click()
    assert url_args(page.url)["not_source"] == [source]
    assert result_total(page) == total - count
    chip = page.locator(".active-filters .chip.excluding")
    assert chip.count() == 1 and "ليس المصدر" in chip.inner_text()
    tab.screenshot("source-excluded")
    with page.expect_navigation():
        chip.click()
    assert result_total(page) == total


def test_histogram_small_counts_are_visible_and_readable(tab, live_url):
    page = tab.page
    page.goto(live_url)
    bars = page.locator("a.bar")
    assert bars.count() >= 2
    for i in range(bars.count()):
        bar = bars.nth(i)
        count = bar.get_attribute("title").rsplit(": ", 1)[1]
        assert bar.bounding_box()["height"] >= 6
        label = bar.locator(".bar-count")
        assert label.is_visible() and label.inner_text() == count
    table = page.locator("details.histogram-table")
    table.locator("summary").click()
    rows = table.locator("tbody tr")
    assert rows.count() == bars.count()
    assert rows.first.locator(".count").inner_text() == bars.first.get_attribute("title").rsplit(": ", 1)[1]
    tab.page.locator("#facet-date").screenshot(path=str(SCREENSHOTS / "histogram.png"))


def test_export_link_downloads_the_whole_result_set(tab, live_url):
    page = tab.page
    page.goto(f"{live_url}/?q={QUERY}&per_page=2")
    total = result_total(page)
    assert page.locator(".hit").count() == 2 < total
    with page.expect_download() as download_info:
        page.click(".export a:text('CSV')")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "id,title,source,date,actors,url,path,score"
    assert len(lines) == total + 1


def test_phone_page_with_a_note_does_not_overflow(phone_tab, live_url):
    page = phone_tab.page
    page.goto(f"{live_url}/?q=العراق زنجبيلستان")
    note = page.locator(".notes li")
    assert note.count() == 1 and note.inner_text().startswith("لا توجد مقالة تضم كلمات البحث كلها")
    assert note.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_tab.screenshot("phone-note", full_page=False)
    page.goto(f"{live_url}/doc/nope")
    assert "لا توجد في الفهرس مقالة بالمعرّف" in page.locator(".error-message").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_tab.screenshot("phone-error", full_page=False)
    # The browser logs the 404 status itself; nothing else may have gone wrong.
    assert phone_tab.console_errors == ["Failed to load resource: the server responded with a status of 404 (NOT FOUND)"]
    phone_tab.console_errors.clear()


# --- ids a path would not carry, and bidi controls in the data (reliability item 8) ---------------


@pytest.fixture(scope="module")
def verbatim_live_url(tmp_path_factory):
    """The app on a free port, over an index whose ids are exactly ``test_webui.HOSTILE_IDS``."""
    from test_webui import build_verbatim_id_index

    with serving(build_verbatim_id_index(tmp_path_factory.mktemp("browser_verbatim_ids"))) as url:
        yield url


def test_every_result_link_opens_its_own_document(tab, verbatim_live_url):
    """The browser resolves ``..``/``.`` segments and Werkzeug merges ``//``: each result link must still
    land on the document it names, whatever its id holds."""
    from test_webui import DECOY_IDS, HOSTILE_IDS, id_tag

    page = tab.page
    results = f"{verbatim_live_url}/?q=العراق&per_page=100"
    for number, doc_id in enumerate(HOSTILE_IDS + DECOY_IDS):
        page.goto(results)
        with page.expect_navigation():
            page.locator(".hit-title a", has_text=id_tag(number)).click()
        assert page.locator("h1").inner_text() == f"وثيقة {id_tag(number)}", (doc_id, page.url)
        if "id" in url_args(page.url):
            assert url_args(page.url)["id"] == [doc_id]
        assert url_args(page.url)["q"] == ["العراق"] and page.locator(".doc-body mark").count() == 1
        # The document's own JSON twin, fetched by the page's origin, is the same document.
        api_url = page.url.replace(f"{verbatim_live_url}/doc", f"{verbatim_live_url}/api/doc", 1)
        assert page.request.get(api_url).json()["id"] == doc_id


def test_bidi_controls_in_the_data_do_not_reorder_the_page(tab, verbatim_live_url):
    from test_webui import BIDI_CONTROL_CHARACTERS, SPOOFED_ID

    page = tab.page
    page.goto(f"{verbatim_live_url}/?q=العراق&per_page=100")
    shown = page.locator("main").inner_text()
    assert not BIDI_CONTROL_CHARACTERS.search(shown)
    # Every piece of data sits in its own bidi isolate, so it cannot pull the text around it.
    for selector in (".hit-title a", ".hit-meta a.source", ".chips.actors a", ".facet-label"):
        isolation = page.locator(selector).first.evaluate("element => getComputedStyle(element).unicodeBidi")
        assert isolation in ("isolate", "plaintext"), (selector, isolation)
    assert "gpj.exe" in page.locator(".hit-title a", has_text="تحذير").inner_text()
    page.goto(f"{verbatim_live_url}/doc/{SPOOFED_ID}?q=العراق")
    assert page.locator("h1").inner_text() == "تحذير gpj.exe عن العراق مقلوب"
    assert not BIDI_CONTROL_CHARACTERS.search(page.locator("main").inner_text())
    assert not BIDI_CONTROL_CHARACTERS.search(page.title())
    assert page.locator("#more-title bdi").inner_text() == "Spoof News"
    tab.screenshot("bidi-document", full_page=False)


def test_the_actor_type_switch_shows_only_persons(tab, live_url, web_index):
    page = tab.page
    page.goto(f"{live_url}/?q={QUERY}")
    total = result_total(page)
    switch = page.locator("#facet-actor .facet-types")
    assert switch.locator("a").all_inner_texts() == ["الكل", "أشخاص", "منظمات", "أماكن"]
    assert switch.locator("a.selected").inner_text() == "الكل"
    before = set(page.locator("#facet-actor .actor-type").evaluate_all("tags => tags.map(t => t.dataset.type)"))
    assert {"place", "organisation"} <= before
    with page.expect_navigation():
        switch.locator("a", has_text="أشخاص").click()
    assert url_args(page.url)["actor_type"] == ["person"] and url_args(page.url)["q"] == [QUERY]
    assert result_total(page) == total  # the switch changes the facet, not the results
    assert switch.locator("a.selected").inner_text() == "أشخاص"
    assert switch.locator('a[aria-current="true"]').count() == 1
    tags = page.locator("#facet-actor .facet-listed .actor-type")
    assert tags.count() > 0 and set(tags.all_text_contents()) == {"شخص"}  # those under "المزيد" too
    assert tags.first.get_attribute("title") == "النوع: شخص"
    shown = page.locator("#facet-actor .facet-listed input").evaluate_all("inputs => inputs.map(i => i.value)")
    people = {v.value for v in web_index.search(QUERY, actor_type="person", facet_limit=1000).facets["actor"].values}
    assert shown and set(shown) <= people
    tab.screenshot("actor-facet-persons")
    # Ticking a person keeps the switch where it is.
    first = page.locator("#facet-actor .facet-listed input").first
    with page.expect_navigation():
        first.click()
    assert url_args(page.url)["actor_type"] == ["person"] and url_args(page.url)["actor"] == [shown[0]]
    with page.expect_navigation():
        switch.locator("a", has_text="الكل").click()
    assert "actor_type" not in url_args(page.url) and url_args(page.url)["actor"] == [shown[0]]


# --- a word too long for any line (reliability item 8) --------------------------------------------

UNBROKEN = "ب" * 5000


@pytest.fixture(scope="module")
def unbroken_live_url(tmp_path_factory):
    """The app over one article whose source, title and body hold a 5,000-letter word without a space."""
    import json

    from indexer import open_index, update_index

    folder = tmp_path_factory.mktemp("unbroken")
    (folder / "corpus").mkdir()
    article = {"id": "long", "title": f"خبر {UNBROKEN} عن العراق", "body": f"نص عن العراق {UNBROKEN} وبعده كلام.",
               "source": UNBROKEN, "date": "2024-03-01"}
    (folder / "corpus" / "long.jsonl").write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    update_index([folder / "corpus"], folder / "index", processes=1)
    with serving(open_index(folder / "index")) as url:
        yield url


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_word_without_spaces_never_widens_the_page(tab, phone_tab, unbroken_live_url, width):
    """The issue's probe: a 5,000-character source name made the page 77,869 px wide and its first screen blank."""
    page = (tab if width == "desktop" else phone_tab).page
    viewport = page.viewport_size["width"]
    page.goto(unbroken_live_url + "/?q=العراق")
    document = page.locator(".hit-title a").first.get_attribute("href")
    for path in ("/?q=العراق", "/", document):
        page.goto(unbroken_live_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport, path
        # The first screen shows the page, not an empty stretch beside it.
        assert page.locator("h1, .hit-title").first.is_visible(), path
    assert page.locator("h1").inner_text().startswith("خبر ب")
