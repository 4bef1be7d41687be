"""The search page, the document page and their JSON twins.

Each page has one view function that builds one dict: ``/api/...`` returns it
as JSON, the HTML route renders it together with links derived from it
(facet toggles, filter chips, histogram bars, pager).  Every page state is a
plain GET URL, so the page works without JavaScript and the back button works.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

import indexer
from indexer.errors import QueryError
from indexer.search.facets import UNKNOWN_DATE
from webui import display

bp = Blueprint("fahras", __name__)

SORTS = ("relevance", "date")
SORT_LABELS = {"relevance": "الأقرب صلة", "date": "الأحدث"}
#: A page number beyond this is a crawler or a typo, not a reader.
MAX_PAGE = 10_000
#: Repeated ``source``/``actor`` parameters accepted per request.
MAX_FILTER_VALUES = 50
MAX_FILTER_CHARS = 300
MORE_FROM_SOURCE = 5
#: Actor chips under a hit (most mentioned first); the document page lists all.
HIT_ACTORS = 8

WEB_URL_SCHEMES = ("http://", "https://")
FIRST_MATCH_ID = "first-match"
LEFT_TO_RIGHT_ISOLATE = "\u2066"
POP_DIRECTIONAL_ISOLATE = "\u2069"
FIRST_MARK = "<mark>"

FILTER_LABELS = {"source": "المصدر", "actor": "الفاعل", "since": "من", "until": "إلى"}

_INDEX_KEY = "fahras_index"
_index_lock = threading.Lock()


# --- parameters -------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    """A validated search request: everything a search page URL can say."""

    query: str = ""
    sources: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    sort: str = "relevance"
    page: int = 1

    def replace(self, **changes) -> SearchParams:
        """A new state; any change but paging goes back to the first page."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)

    def url_args(self) -> list[tuple[str, str]]:
        """Query-string pairs, defaults left out so URLs stay short."""
        args = [("q", self.query)] if self.query else []
        args += [("source", value) for value in self.sources]
        args += [("actor", value) for value in self.actors]
        args += [(name, day.isoformat()) for name, day in (("since", self.since), ("until", self.until)) if day]
        if self.sort != "relevance":
            args.append(("sort", self.sort))
        if self.page != 1:
            args.append(("page", str(self.page)))
        return args

    def url(self) -> str:
        args = self.url_args()
        base = search_base()
        return f"{base}?{urlencode(args)}" if args else base

    def search_kwargs(self) -> dict:
        return {
            "query": self.query,
            "sources": self.sources,
            "actors": self.actors,
            "since": self.since,
            "until": self.until,
            "sort": self.sort,
            "page": self.page,
        }


def search_base() -> str:
    """The search page's path, built once per request: a results page links to it a hundred times."""
    if "search_base" not in g:
        g.search_base = url_for("fahras.search")
    return g.search_base


def ltr(value) -> str:
    """Isolate a Latin value (a date, a parameter) inside an Arabic message so bidi keeps its order."""
    return f"{LEFT_TO_RIGHT_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


def parse_query(args: MultiDict, max_chars: int) -> str:
    query = args.get("q", "").strip()
    if len(query) > max_chars:
        raise QueryError(f"نص البحث طويل جدًا ({len(query):,} حرفًا)؛ الحد الأقصى {max_chars:,} حرف.")
    return query


def parse_date(args: MultiDict, name: str) -> dt.date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    if not display.ISO_DAY.match(raw):
        raise QueryError(
            f"التاريخ «{name}» غير صالح: «{ltr(raw[:40])}»؛ الصيغة المطلوبة {ltr('YYYY-MM-DD')} (مثل {ltr('2024-07-28')})."
        )
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise QueryError(f"التاريخ «{name}» غير موجود في التقويم: «{ltr(raw)}».") from None


def parse_values(args: MultiDict, name: str) -> tuple[str, ...]:
    values = [value.strip() for value in args.getlist(name) if value.strip()]
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"قيم «{name}» كثيرة جدًا ({len(values)})؛ الحد الأقصى {MAX_FILTER_VALUES}.")
    if any(len(value) > MAX_FILTER_CHARS for value in values):
        raise QueryError(f"إحدى قيم «{name}» أطول من {MAX_FILTER_CHARS} حرف.")
    # Keep the user's order but drop repeats: ticking twice is still one filter.
    return tuple(dict.fromkeys(values))


def parse_page(args: MultiDict) -> int:
    raw = args.get("page", "1").strip() or "1"
    if not raw.isascii() or not raw.isdigit():
        raise QueryError(f"رقم الصفحة «page» يجب أن يكون عددًا صحيحًا موجبًا، لا «{ltr(raw[:40])}».")
    page = int(raw)
    if not 1 <= page <= MAX_PAGE:
        raise QueryError(f"رقم الصفحة «page» يجب أن يكون بين 1 و{MAX_PAGE:,}، لا {page}.")
    return page


def parse_sort(args: MultiDict) -> str:
    sort = args.get("sort", "relevance").strip() or "relevance"
    if sort not in SORTS:
        raise QueryError(f"الترتيب «sort» يجب أن يكون relevance أو date، لا «{ltr(sort[:40])}».")
    return sort


def parse_search_params(args: MultiDict, max_query_chars: int) -> SearchParams:
    """Validate a search URL's parameters; a bad one raises ``QueryError`` (HTTP 400) saying why."""
    since, until = parse_date(args, "since"), parse_date(args, "until")
    if since and until and since > until:
        raise QueryError(f"تاريخ البداية {ltr(since)} بعد تاريخ النهاية {ltr(until)}.")
    return SearchParams(
        query=parse_query(args, max_query_chars),
        sources=parse_values(args, "source"),
        actors=parse_values(args, "actor"),
        since=since,
        until=until,
        sort=parse_sort(args),
        page=parse_page(args),
    )


# --- the index ----------------------------------------------------------------


def current_index():
    """The app's open index, opened on first use (a missing index is retried on the next request)."""
    if current_app.config["INDEX"] is not None:
        return current_app.config["INDEX"]
    extensions = current_app.extensions
    index = extensions.get(_INDEX_KEY)
    if index is None:
        with _index_lock:
            index = extensions.get(_INDEX_KEY)
            if index is None:
                index_dir = current_app.config["INDEX_DIR"] or indexer.default_index_dir()
                index = extensions[_INDEX_KEY] = indexer.open_index(index_dir)
    return index


# --- page models --------------------------------------------------------------


def facet_entries(facet_values: list[dict], chosen: tuple[str, ...], toggle) -> list[dict]:
    """Checkbox rows ``{value, label, count, toggle_url, selected}``; chosen values always listed."""
    entries, listed = [], set()
    for item in facet_values:
        value = item["value"]
        listed.add(value)
        selected = value in chosen
        entries.append(
            {
                "value": value,
                "label": value,
                "count": item["count"],
                "selected": selected,
                "toggle_url": toggle(value, selected),
            }
        )
    # A chosen value outside the top-N must still be visible so it can be unticked.
    missing = [
        {"value": value, "label": value, "count": None, "selected": True, "toggle_url": toggle(value, True)}
        for value in chosen
        if value not in listed
    ]
    return missing + entries


def toggler(params: SearchParams, field_name: str):
    def toggle(value: str, selected: bool) -> str:
        current = getattr(params, field_name)
        changed = tuple(v for v in current if v != value) if selected else current + (value,)
        return params.replace(**{field_name: changed}).url()

    return toggle


def histogram(date_values: list[dict], params: SearchParams) -> list[dict]:
    """Bars in time order, each a link that narrows the search to its month (or year)."""
    counts = {item["value"]: item["count"] for item in date_values if display.bucket_range(item["value"])}
    buckets = display.fill_buckets(counts)
    largest = max((count for _, count in buckets), default=0)
    bars = []
    for value, count in buckets:
        first, last, label = display.bucket_range(value)
        selected = params.since == first and params.until == last
        target = params.replace(since=None, until=None) if selected else params.replace(since=first, until=last)
        bars.append(
            {
                "value": value,
                "label": label,
                "count": count,
                "level": display.bar_level(count, largest),
                "selected": selected,
                "url": target.url(),
            }
        )
    return bars


def filter_chips(params: SearchParams) -> list[dict]:
    """Active filters, each with the URL of the same search without it."""
    chips = [
        {"kind": FILTER_LABELS[kind], "label": value, "remove_url": toggler(params, field)(value, True)}
        for kind, field in (("source", "sources"), ("actor", "actors"))
        for value in getattr(params, field)
    ]
    for name in ("since", "until"):
        day = getattr(params, name)
        if day:
            chips.append(
                {
                    "kind": FILTER_LABELS[name],
                    "label": display.date_label(day.isoformat()),
                    "remove_url": params.replace(**{name: None}).url(),
                }
            )
    return chips


def pager(params: SearchParams, pages: int) -> dict:
    def page_url(number: int) -> str:
        return params.replace(page=number).url()

    return {
        "previous": page_url(params.page - 1) if params.page > 1 else None,
        "next": page_url(params.page + 1) if params.page < pages else None,
        "last": page_url(pages),
        "pages": [
            {"number": number, "url": page_url(number) if number else None, "current": number == params.page}
            for number in display.pager_pages(params.page, pages)
        ],
    }


def search_page_model(data: dict, params: SearchParams) -> dict:
    """Everything the HTML page adds to the API dict: links for every state change."""
    facets = data["facets"]
    visible = current_app.config["FACET_VISIBLE"]
    return {
        "params": params,
        "sources": facet_entries(facets.get("source", []), params.sources, toggler(params, "sources")),
        "actors": facet_entries(facets.get("actor", []), params.actors, toggler(params, "actors")),
        "toggle_actor": toggler(params, "actors"),
        "toggle_source": toggler(params, "sources"),
        "facet_visible": visible,
        "hit_actors": HIT_ACTORS,
        "histogram": histogram(facets.get("date", []), params),
        "undated": sum(item["count"] for item in facets.get("date", []) if item["value"] == UNKNOWN_DATE),
        "chips": filter_chips(params),
        "clear_filters_url": SearchParams(query=params.query, sort=params.sort).url(),
        "sort_urls": {sort: params.replace(sort=sort).url() for sort in SORTS},
        "sort_labels": SORT_LABELS,
        "pager": pager(params, data["pages"]),
        "first_rank": (params.page - 1) * data["per_page"] + 1,
    }


def more_from_source(index, document) -> list[dict]:
    """A few other articles of the same outlet, newest first."""
    if not document.source:
        return []
    result = index.search(sources=(document.source,), sort="date", limit=MORE_FROM_SOURCE + 1, facet_limit=1)
    return [hit.to_dict() for hit in result.hits if hit.id != document.id][:MORE_FROM_SOURCE]


def mark_first_match(body_html: str) -> Markup:
    """Give the first ``<mark>`` an anchor; ``body_html`` is escaped text holding only ``<mark>``."""
    return Markup(body_html.replace(FIRST_MARK, f'<mark id="{FIRST_MATCH_ID}">', 1))


# --- routes -------------------------------------------------------------------


@bp.get("/", defaults={"as_json": False}, endpoint="search")
@bp.get("/api/search", defaults={"as_json": True}, endpoint="api_search")
def search(as_json: bool):
    config = current_app.config
    params = parse_search_params(request.args, config["MAX_QUERY_CHARS"])
    result = current_index().search(
        **params.search_kwargs(), limit=config["PER_PAGE"], facet_limit=config["FACET_LIMIT"]
    )
    data = result.to_dict()
    if as_json:
        return jsonify(data)
    return render_template("search.html", data=data, page=search_page_model(data, params))


@bp.get("/doc/<path:doc_id>", defaults={"as_json": False}, endpoint="document")
@bp.get("/api/doc/<path:doc_id>", defaults={"as_json": True}, endpoint="api_document")
def document(doc_id: str, as_json: bool):
    query = parse_query(request.args, current_app.config["MAX_QUERY_CHARS"])
    index = current_index()
    # The id is only ever a key looked up in the index, never a file path.
    doc = index.document(doc_id, query=query)
    data = doc.to_dict()
    data["query"] = query
    data["more_from_source"] = more_from_source(index, doc)
    if as_json:
        return jsonify(data)
    return render_template(
        "document.html",
        data=data,
        body=mark_first_match(doc.body_html),
        first_match_id=FIRST_MATCH_ID,
        params=SearchParams(query=query),
    )


@bp.app_template_filter("date_label")
def date_label_filter(iso_date: str | None, precision: str | None = "day") -> str:
    return display.date_label(iso_date, precision)


@bp.app_context_processor
def template_helpers() -> dict:
    return {
        "is_approximate": display.is_approximate,
        "approximate_reason": display.approximate_reason,
        "approximate_mark": display.APPROXIMATE_MARK,
        "doc_url": doc_url,
        "is_web_url": is_web_url,
    }


def is_web_url(url: str | None) -> bool:
    """Only http(s) links are clickable: a ``javascript:`` URL in a document stays text."""
    return bool(url) and url.lower().startswith(WEB_URL_SCHEMES)


def doc_url(doc_id: str, query: str = "") -> str:
    return url_for("fahras.document", doc_id=doc_id, **({"q": query} if query else {}))
