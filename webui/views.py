"""The search page, the document page, their JSON twins, facet search and exports.

Each page has one view function that builds one dict: ``/api/...`` returns it
as JSON, the HTML route renders it together with links derived from it
(facet toggles and exclusions, filter chips, histogram bars, pager).  Every
page state is a plain GET URL, so the page works without JavaScript and the
back button works.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

import indexer
from indexer.errors import QueryError
from indexer.ingest.sources import arabic_name
from indexer.search import export
from indexer.search.facets import UNKNOWN_DATE
from indexer.search.plan import parse_actor_type
from indexer.api import ACTOR_TYPES, SORTS
from webui import display, messages

bp = Blueprint("fahras", __name__)

SORT_LABELS = {"relevance": "الأقرب صلة", "date": "الأحدث", "oldest": "الأقدم"}
#: A page number beyond this is a crawler or a typo, not a reader.
MAX_PAGE = 10_000
#: Results per page a reader can ask for (``per_page``); the page offers these.
MAX_PER_PAGE = 100
PER_PAGE_CHOICES = (10, 25, 50, 100)
#: Repeated ``source``/``actor`` parameters accepted per request.
MAX_FILTER_VALUES = 50
MAX_FILTER_CHARS = 300
MORE_FROM_SOURCE = 5
#: Actor chips under a hit (most mentioned first); the document page lists all.
HIT_ACTORS = 8
#: Values the facet search box shows at most.
FACET_SEARCH_LIMIT = 50

WEB_URL_SCHEMES = ("http://", "https://")
#: The query parameter of ``/doc?id=...``, for ids that a path would not carry intact.
DOC_ID_PARAMETER = "id"
#: Path segments a browser resolves away (WHATWG URL: ``%2e`` is one too, but ``url_for``
#: sends an id's ``%`` as ``%25``, so only the literal forms reach a path).
DOT_SEGMENTS = frozenset({".", ".."})
#: Werkzeug's ``path`` converter (``[^/].*?``) does not match across a line break.
LINE_BREAKS = frozenset("\n\r")
FIRST_MATCH_ID = "first-match"
FIRST_MARK = "<mark>"

FILTER_LABELS = {
    "source": "المصدر",
    "actor": "الفاعل",
    "not_source": "ليس المصدر",
    "not_actor": "ليس الفاعل",
    "since": "من",
    "until": "إلى",
}
#: URL parameter -> ``SearchParams`` field, for the repeatable filters.
VALUE_FILTERS = {"source": "sources", "actor": "actors", "not_source": "exclude_sources", "not_actor": "exclude_actors"}
#: Facet name -> (include field, exclude field).
FACET_FIELDS = {"source": ("sources", "exclude_sources"), "actor": ("actors", "exclude_actors")}
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

_INDEX_KEY = "fahras_index"
_index_lock = threading.Lock()
ltr = messages.ltr


# --- parameters -------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    """A validated search request: everything a search page URL can say."""

    query: str = ""
    sources: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()
    exclude_actors: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int | None = None
    #: The actor facet's type switch (``actor_type=``): a way of viewing the facet, not a filter.
    actor_type: str | None = None

    def replace(self, **changes) -> SearchParams:
        """A new state; any change but paging goes back to the first page."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)

    def filter_args(self) -> list[tuple[str, str]]:
        """Query-string pairs of the query and filters (what an export or a facet search needs)."""
        args = [("q", self.query)] if self.query else []
        for name, field_name in VALUE_FILTERS.items():
            args += [(name, value) for value in getattr(self, field_name)]
        args += [(name, day.isoformat()) for name, day in (("since", self.since), ("until", self.until)) if day]
        return args

    def url_args(self) -> list[tuple[str, str]]:
        """Query-string pairs, defaults left out so URLs stay short."""
        args = self.filter_args()
        if self.actor_type:
            args.append(("actor_type", self.actor_type))
        if self.sort != "relevance":
            args.append(("sort", self.sort))
        if self.per_page is not None:
            args.append(("per_page", str(self.per_page)))
        if self.page != 1:
            args.append(("page", str(self.page)))
        return args

    def url(self) -> str:
        args = self.url_args()
        base = search_base()
        return f"{base}?{urlencode(args)}" if args else base

    def filter_kwargs(self) -> dict:
        """The library's query and filter arguments."""
        return {
            "query": self.query,
            "sources": self.sources,
            "actors": self.actors,
            "exclude_sources": self.exclude_sources,
            "exclude_actors": self.exclude_actors,
            "since": self.since,
            "until": self.until,
            "actor_type": self.actor_type,
        }

    def search_kwargs(self, default_per_page: int) -> dict:
        return self.filter_kwargs() | {"sort": self.sort, "page": self.page, "limit": self.per_page or default_per_page}


def search_base() -> str:
    """The search page's path, built once per request: a results page links to it a hundred times."""
    if "search_base" not in g:
        g.search_base = url_for("fahras.search")
    return g.search_base


def parse_query(args: MultiDict, max_chars: int) -> str:
    query = args.get("q", "").strip()
    if len(query) > max_chars:
        raise QueryError(f"the query is {len(query):,} characters long; at most {max_chars:,}",
                         code="query_too_long", params={"chars": len(query), "max": max_chars})
    return query


def parse_date(args: MultiDict, name: str) -> dt.date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    if not display.ISO_DAY.match(raw):
        raise QueryError(f"{name} must be a date written YYYY-MM-DD, not {raw[:40]!r}",
                         code="bad_date", params={"name": name, "value": raw[:40]})
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise QueryError(f"{name} is not a day of the calendar: {raw!r}",
                         code="date_not_in_calendar", params={"name": name, "value": raw}) from None


def parse_values(args: MultiDict, name: str) -> tuple[str, ...]:
    values = [value.strip() for value in args.getlist(name) if value.strip()]
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"too many {name} values ({len(values)}); at most {MAX_FILTER_VALUES}",
                         code="too_many_values", params={"name": name, "count": len(values), "max": MAX_FILTER_VALUES})
    if any(len(value) > MAX_FILTER_CHARS for value in values):
        raise QueryError(f"a {name} value is longer than {MAX_FILTER_CHARS} characters",
                         code="value_too_long", params={"name": name, "max": MAX_FILTER_CHARS})
    # Keep the user's order but drop repeats: ticking twice is still one filter.
    return tuple(dict.fromkeys(values))


def parse_whole_number(args: MultiDict, name: str, default: int | None, largest: int, code: str) -> int | None:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= largest:
        raise QueryError(f"{name} must be a whole number from 1 to {largest:,}, not {raw[:40]!r}",
                         code=code, params={"value": raw[:40], "max": largest})
    return int(raw)


def parse_page(args: MultiDict) -> int:
    raw = args.get("page", "").strip()
    if raw and (not raw.isascii() or not raw.isdigit()):
        raise QueryError(f"page must be a whole number, not {raw[:40]!r}", code="bad_page", params={"value": raw[:40]})
    return parse_whole_number(args, "page", 1, MAX_PAGE, "page_out_of_range")


def parse_sort(args: MultiDict) -> str:
    sort = args.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort[:40]!r}",
                         code="bad_sort", params={"value": sort[:40]})
    return sort


def parse_search_params(args: MultiDict, max_query_chars: int) -> SearchParams:
    """Validate a search URL's parameters; a bad one raises ``QueryError`` (HTTP 400) saying why."""
    since, until = parse_date(args, "since"), parse_date(args, "until")
    if since and until and since > until:
        raise QueryError(f"since ({since}) is after until ({until})",
                         code="inverted_range", params={"since": since.isoformat(), "until": until.isoformat()})
    values = {field_name: parse_values(args, name) for name, field_name in VALUE_FILTERS.items()}
    # A value both ticked and excluded (ticked in a list whose form still carries the exclusion) is wanted.
    for include, exclude in FACET_FIELDS.values():
        values[exclude] = tuple(value for value in values[exclude] if value not in values[include])
    return SearchParams(
        query=parse_query(args, max_query_chars),
        **values,
        since=since,
        until=until,
        sort=parse_sort(args),
        page=parse_page(args),
        per_page=parse_whole_number(args, "per_page", None, MAX_PER_PAGE, "bad_per_page"),
        actor_type=parse_actor_type(args.get("actor_type")),
    )


def is_canonical(args: MultiDict, params: SearchParams) -> bool:
    """False for a URL the page redirects to its short form: empty form fields (``&since=&until=``),
    the default ``per_page``, repeated values, unknown parameters."""
    return sorted(args.items(multi=True)) == sorted(params.url_args())


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


def source_label(source: str | None) -> str:
    """An outlet as the Arabic page shows it: its Arabic name when the outlets file has one."""
    if not source:
        return ""
    return arabic_name(source) or source


def value_label(facet: str, value: str, label: str | None = None) -> str:
    """What a facet value shows (the value itself stays as stored): bidi controls could reorder its neighbours."""
    return display.strip_bidi_controls(label or (source_label(value) if facet == "source" else value), marks=True)


def value_display(facet: str, value: str, label: str | None = None, kind: str | None = None) -> dict:
    """The shown parts of a facet value, on the page and in ``/api/facet``: its label, and an actor's type."""
    shown = {"label": value_label(facet, value, label)}
    if kind:
        shown.update(type=kind, type_label=messages.ACTOR_TYPE_LABELS.get(kind))
    return shown


def toggler(params: SearchParams, field_name: str):
    """``toggle(value, selected)``: the URL with ``value`` added to or removed from a filter.

    Including a value drops it from the facet's exclusions and the other way round.
    """
    opposite = next(
        (exclude if field_name == include else include)
        for include, exclude in FACET_FIELDS.values()
        if field_name in (include, exclude)
    )

    def toggle(value: str, selected: bool) -> str:
        current = getattr(params, field_name)
        changed = tuple(v for v in current if v != value) if selected else current + (value,)
        others = tuple(v for v in getattr(params, opposite) if v != value)
        return params.replace(**{field_name: changed, opposite: others}).url()

    return toggle


def facet_entries(facet: str, facet_values: list[dict], params: SearchParams) -> list[dict]:
    """Checkbox rows ``{value, label, count, selected, excluded, toggle_url, exclude_url}``.

    Chosen and excluded values are always listed (first), so they can be undone.
    """
    include_field, exclude_field = FACET_FIELDS[facet]
    chosen, excluded = getattr(params, include_field), getattr(params, exclude_field)
    toggle, exclude = toggler(params, include_field), toggler(params, exclude_field)

    def entry(value: str, count: int | None, label: str | None = None, kind: str | None = None) -> dict:
        selected, is_excluded = value in chosen, value in excluded
        return {
            "value": value,
            **value_display(facet, value, label, kind),
            "count": count,
            "selected": selected,
            "excluded": is_excluded,
            "toggle_url": toggle(value, selected),
            "exclude_url": exclude(value, is_excluded),
        }

    listed = {item["value"] for item in facet_values}
    # A chosen value outside the top-N must still be visible so it can be unticked.
    missing = [entry(value, None) for value in (*chosen, *excluded) if value not in listed]
    return missing + [entry(item["value"], item["count"], item.get("label"), item.get("type")) for item in facet_values]


def actor_type_switch(params: SearchParams) -> list[dict]:
    """The actor facet's type links (all, then each type), each keeping the rest of the search."""
    return [
        {
            "type": kind,
            "label": messages.ACTOR_TYPE_SWITCH_LABELS[kind or "all"],
            "selected": params.actor_type == kind,
            "url": params.replace(actor_type=kind).url(),
        }
        for kind in (None, *ACTOR_TYPES)
    ]


def histogram(date_values: list[dict], interval: str | None, params: SearchParams) -> list[dict]:
    """Bars in time order, each a link that narrows the search to its month (or year)."""
    buckets = display.fill_buckets(
        [
            display.Bucket(dt.date.fromisoformat(item["start"]), dt.date.fromisoformat(item["end"]), item["count"])
            for item in date_values
            if item.get("start")  # the "unknown" bucket has no days
        ],
        interval or "month",
    )
    largest = max((bucket.count for bucket in buckets), default=0)
    bars = []
    for bucket in buckets:
        first, last = bucket.first_day, bucket.last_day
        selected = params.since == first and params.until == last
        target = params.replace(since=None, until=None) if selected else params.replace(since=first, until=last)
        bars.append(
            {
                "label": display.bucket_label(bucket, interval),
                "count": bucket.count,
                "level": display.bar_level(bucket.count, largest),
                "selected": selected,
                "url": target.url(),
            }
        )
    return bars


def filter_chips(params: SearchParams) -> list[dict]:
    """Active filters, each with the URL of the same search without it."""
    chips = [
        {
            "kind": FILTER_LABELS[name],
            "label": source_label(value) if name.endswith("source") else value,
            "excluded": name.startswith("not_"),
            "remove_url": toggler(params, field_name)(value, True),
        }
        for name, field_name in VALUE_FILTERS.items()
        for value in getattr(params, field_name)
    ]
    for name in ("since", "until"):
        day = getattr(params, name)
        if day:
            chips.append(
                {
                    "kind": FILTER_LABELS[name],
                    "label": display.date_label(day.isoformat()),
                    "excluded": False,
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


def export_url(params: SearchParams, fmt: str) -> str:
    args = params.filter_args()
    if params.sort != "relevance":
        args.append(("sort", params.sort))
    base = url_for("fahras.export", fmt=fmt)
    return f"{base}?{urlencode(args)}" if args else base


def facet_search_url(facet: str) -> str:
    return url_for("fahras.api_facet", name=facet)


def search_page_model(data: dict, params: SearchParams) -> dict:
    """Everything the HTML page adds to the API dict: links for every state change."""
    facets = data["facets"]
    visible = current_app.config["FACET_VISIBLE"]
    return {
        "params": params,
        "sources": facet_entries("source", facets.get("source", []), params),
        "actors": facet_entries("actor", facets.get("actor", []), params),
        "actor_type_switch": actor_type_switch(params),
        "toggle_actor": toggler(params, "actors"),
        "toggle_source": toggler(params, "sources"),
        "facet_visible": visible,
        "facet_totals": data.get("facet_totals", {}),
        "facet_search_urls": {name: facet_search_url(name) for name in FACET_FIELDS},
        "hit_actors": HIT_ACTORS,
        "histogram": histogram(facets.get("date", []), data.get("date_interval"), params),
        "undated": sum(item["count"] for item in facets.get("date", []) if item["value"] == UNKNOWN_DATE),
        "chips": filter_chips(params),
        "clear_filters_url": SearchParams(query=params.query, sort=params.sort, per_page=params.per_page,
                                          actor_type=params.actor_type).url(),
        "sort_urls": {sort: params.replace(sort=sort).url() for sort in SORTS},
        "sort_labels": SORT_LABELS,
        "per_page_choices": PER_PAGE_CHOICES,
        "notices": [messages.notice_text(item["code"], item.get("params")) for item in data.get("notices", [])],
        "export_urls": {fmt: export_url(params, fmt) for fmt in EXPORT_FORMATS},
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
    if params.per_page == config["PER_PAGE"]:
        params = dataclasses.replace(params, per_page=None)
    if not as_json and not is_canonical(request.args, params):
        return redirect(params.url())
    result = current_index().search(**params.search_kwargs(config["PER_PAGE"]), facet_limit=config["FACET_LIMIT"],
                                    budget_ms=config["SEARCH_BUDGET_MS"])
    data = result.to_dict()
    if as_json:
        return jsonify(data)
    return render_template("search.html", data=data, page=search_page_model(data, params))


@bp.get("/api/facet/<name>", endpoint="api_facet")
def facet_search(name: str):
    """Values of one facet containing ``contains``, counted over the search the other parameters describe."""
    params = parse_search_params(request.args, current_app.config["MAX_QUERY_CHARS"])
    contains = request.args.get("contains", "").strip()[:MAX_FILTER_CHARS]
    found = current_index().facet_values(name, contains, **params.filter_kwargs(), limit=FACET_SEARCH_LIMIT)
    include_field, exclude_field = FACET_FIELDS.get(name, (None, None))
    chosen = getattr(params, include_field) if include_field else ()
    excluded = getattr(params, exclude_field) if exclude_field else ()
    values = [
        {
            "value": value.value,
            **value_display(name, value.value, value.label, value.type),
            "count": value.count,
            "selected": value.selected or value.value in chosen,
            "excluded": value.value in excluded,
        }
        for value in found.values
    ]
    return jsonify({"facet": found.facet, "values": values, "total": found.total})


@bp.get("/export.<fmt>", endpoint="export")
def export_results(fmt: str):
    """The whole result set, one row per document, streamed as CSV (with a BOM) or JSON Lines."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    params = parse_search_params(request.args, current_app.config["MAX_QUERY_CHARS"])
    hits = current_index().iter_hits(**params.filter_kwargs(), sort=params.sort)
    # Take the first hit now: an error in the search must be a 400 page, not a broken download.
    first = list(itertools.islice(hits, 1))
    lines = export.csv_lines if fmt == "csv" else export.jsonl_lines
    filename = f"fahras-{dt.date.today().isoformat()}.{fmt}"
    return Response(
        stream_with_context(lines(itertools.chain(first, hits))),
        content_type=EXPORT_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/doc/<path:doc_id>", defaults={"as_json": False}, endpoint="document")
@bp.get("/api/doc/<path:doc_id>", defaults={"as_json": True}, endpoint="api_document")
# The same pages for an id given as ``?id=``: the form ``doc_url`` uses for ids a browser would
# rewrite in a path (see ``id_survives_in_path``).
@bp.get("/doc", defaults={"as_json": False, "doc_id": None}, endpoint="document_by_id")
@bp.get("/api/doc", defaults={"as_json": True, "doc_id": None}, endpoint="api_document_by_id")
def document(doc_id: str | None, as_json: bool):
    if doc_id is None:
        # No ``id`` at all is an unknown document (404), like any other id the index lacks.
        doc_id = request.args.get(DOC_ID_PARAMETER, "")
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


@bp.app_template_filter("source_label")
def source_label_filter(source: str | None) -> str:
    return source_label(source)


@bp.app_template_filter("no_bidi")
def no_bidi_filter(text: str | None, marks: bool = False) -> str:
    """Stored text as a page shows it: ``display.strip_bidi_controls``; escaped HTML (``title_html``,
    snippets, the marked body) passed in as ``Markup`` stays ``Markup``."""
    cleaned = display.strip_bidi_controls(text, marks=marks)
    return Markup(cleaned) if isinstance(text, Markup) else cleaned


@bp.app_context_processor
def template_helpers() -> dict:
    return {
        "is_approximate": display.is_approximate,
        "approximate_reason": display.approximate_reason,
        "approximate_mark": display.APPROXIMATE_MARK,
        "counted": messages.counted,
        "doc_url": doc_url,
        "is_web_url": is_web_url,
    }


def is_web_url(url: str | None) -> bool:
    """Only http(s) links are clickable: a ``javascript:`` URL in a document stays text."""
    return bool(url) and url.lower().startswith(WEB_URL_SCHEMES)


def id_survives_in_path(doc_id: str) -> bool:
    """Whether ``/doc/<doc_id>`` reaches the server as written.

    ``url_for`` percent-encodes ``?``, ``#``, ``%``, spaces and non-ASCII, but leaves ``/`` and
    ``.`` as they are: a browser resolves ``.`` and ``..`` segments before sending the request
    (``/doc/a/../b`` is requested as ``/doc/b``), and Werkzeug redirects ``/doc//a`` (an id with
    a leading ``/``) to ``/doc/a``, another document.  Empty segments (a doubled or trailing ``/``)
    reach the server today, but a proxy that merges slashes would change them, so they take the
    query form too; so does a line break, which the path converter does not match.
    """
    segments = doc_id.split("/")
    return all(segment and segment not in DOT_SEGMENTS for segment in segments) and not LINE_BREAKS & set(doc_id)


def doc_url(doc_id: str, query: str = "") -> str:
    """The document page's URL: ``/doc/<id>`` for an ordinary id, ``/doc?id=<id>`` for one that
    would not survive a path (the query string is sent as encoded, never normalized)."""
    extra = {"q": query} if query else {}
    if id_survives_in_path(doc_id):
        return url_for("fahras.document", doc_id=doc_id, **extra)
    return url_for("fahras.document_by_id", **{DOC_ID_PARAMETER: doc_id}, **extra)
