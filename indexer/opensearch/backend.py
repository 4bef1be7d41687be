"""The cluster backend: a ``SearchBackend`` over an OpenSearch index (an alias over a physical index).

Queries are planned by ``indexer.api.Index`` as for the embedded index and translated by
``dsl.Translator``.  One search is one request: the hits (``post_filter`` applies the facet
selections), the three facets as aggregations that each ignore their own selection (multi-select),
and the unified highlighter's marks over the whole body of each hit, from which the snippet is cut
here exactly as ``highlight.snippet`` cuts it (so both backends' snippets read alike).  The
highlighter runs with private-use marker characters; the text is HTML-escaped here with
``highlight.mark``, the embedded backend's escaping.

``refresh`` follows the alias: a rebuild (``writer``) swaps it to a new physical index, which this
backend notices within ``ALIAS_CHECK_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

from indexer.errors import DocumentNotFound, FahrasError, IndexNotFound, QueryError, StaleIndex
from indexer.ingest.actors import ActorSummary, summarize_actors
from indexer.models import Document, Facet, FacetSearch, FacetValue, Hit, Notice, SearchResult
from indexer.search.backend import model_from, search_result
from indexer.opensearch import dsl, schema
from indexer.opensearch.location import ClusterLocation, cluster_error, connect, parse_location, scroll_hits
from indexer.search.engine import Ranking
from indexer.records import ACTOR_TYPES
from indexer.search.facets import FACET_NAMES, MAX_MONTH_BUCKETS, UNKNOWN_DATE, dominant_type
from indexer.search.highlight import (
    SNIPPET_LOOKAHEAD_CHARS,
    SNIPPET_SCAN_CHARS,
    MatchTerms,
    highlight_all,
    mark,
    merge_spans,
    snippet_of_spans,
)
from indexer.search.plan import QueryAnalyzer, QueryPlan, SearchRequest
from indexer.text.analysis import WORD_PATTERN, chain, exact_chain
from indexer.text.normalize import normalize_with_digits

#: The unified highlighter's tags: characters no article holds, replaced by ``<mark>`` after escaping.
OPEN, CLOSE = "\ue000", "\ue001"
ALIAS_CHECK_SECONDS = 1.0
EXPORT_BATCH = 500
#: Values read per facet when listing or searching all of them (``search.max_buckets`` is 65,535 by default).
ALL_VALUES = 65_000
HIT_SOURCE = ["id", "path", "display_title", "source", "date", "date_precision", "date_origin", "date_basis",
              "date_reference", "url", "actors"]


def _stop_words_only() -> Notice:
    return Notice("stop_words_only", "the query has only very common words (stop words); "
                                     "put = before a word to search it as written, e.g. =في")


class OpenSearchBackend:
    """The index at ``opensearch+http(s)://HOST:PORT/INDEX``."""

    def __init__(self, location: ClusterLocation | str, ranking: Ranking):
        self._where = parse_location(location) if isinstance(location, str) else location
        self.ranking = ranking
        self.client = connect(self._where)
        self.lock = threading.Lock()
        self._physical: str | None = None
        self._checked = 0.0
        self._open()

    @property
    def location(self) -> str:
        return str(self._where)

    # --- opening and following the alias

    def _call(self, doing: str, method, *args, **kwargs):
        from opensearchpy.exceptions import OpenSearchException

        try:
            return method(*args, **kwargs)
        except OpenSearchException as error:
            if getattr(error, "status_code", None) == 404 and "index_not_found" in str(error):
                raise self._missing() from None
            raise cluster_error(self._where, error, doing) from None

    def _missing(self) -> IndexNotFound:
        return IndexNotFound(f"no index {self._where.index!r} on {self._where.node_url}: build one with "
                             f"`fahras index --index {self._where} [PATH...]`")

    def _physical_index(self) -> str:
        aliases = self._call("reading the index alias", self.client.indices.get_alias,
                             name=self._where.index, ignore=[404])
        if not isinstance(aliases, dict) or not aliases or "error" in aliases or "status" in aliases:
            raise self._missing()
        return sorted(aliases)[-1]

    def _open(self) -> None:
        physical = self._physical_index()
        mapping = self._call("reading the index mapping", self.client.indices.get_mapping, index=physical)
        meta = dict(mapping[physical]["mappings"].get("_meta") or {})
        if not schema.is_current(meta):
            raise StaleIndex(f"the index {self._where.index!r} was built by another version of Fahras; rebuild it "
                             f"with `fahras index --rebuild --index {self._where}`")
        self.meta = {key: str(value) for key, value in meta.items()}
        self.analyzer = QueryAnalyzer(self.meta.get("stemmer", "fahras"), self.meta.get("stopwords", "1") == "1")
        self._physical = physical
        self._checked = time.monotonic()

    def refresh(self) -> bool:
        """Follow a rebuild's alias swap; True when the alias now points at another index."""
        with self.lock:
            if time.monotonic() - self._checked < ALIAS_CHECK_SECONDS:
                return False
            self._checked = time.monotonic()
            if self._physical_index() == self._physical:
                return False
            self._open()
            return True

    def close(self) -> None:
        self.client.close()

    @property
    def doc_count(self) -> int:
        return int(self._call("counting documents", self.client.count, index=self._where.index)["count"])

    # --- requests

    def _search(self, body: dict, **params) -> dict:
        return self._call("searching", self.client.search, index=self._where.index, body=body, **params)

    def _translator(self, request: SearchRequest) -> dsl.Translator:
        return dsl.Translator(request.ranking or self.ranking)

    def _resolved_query(self, request: SearchRequest) -> tuple[dict, list[Notice]]:
        """The query before filters, the best-match fallback decided by counting (no facets, no hits)."""
        top = self._translator(request).top_level(request.plan)
        if top is None:
            return dsl.MATCH_NONE, [_stop_words_only()]
        if top.fallback is None or self._count(dsl.restricted(top.strict, request.filters)):
            return top.strict, []
        if self._count(dsl.restricted(top.fallback, request.filters)):
            return top.fallback, [_best_match(top)]
        return top.strict, []

    def _count(self, query: dict) -> int:
        return int(self._call("counting", self.client.count, index=self._where.index, body={"query": query})["count"])

    # --- searching

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        notices = list(request.plan.notices)
        sort = "date" if request.plan.is_empty and request.sort == "relevance" else request.sort
        translator = self._translator(request)
        top = translator.top_level(request.plan)
        if top is None:
            notices.append(_stop_words_only())
            top = dsl.TopLevel(dsl.MATCH_NONE, None, 0, 0)
        response = self._search(self._body(request, top.strict, sort, translator))
        if _total(response) == 0 and top.fallback is not None:
            fallback = self._search(self._body(request, top.fallback, sort, translator))
            if _total(fallback):
                response = fallback
                notices.append(_best_match(top))
        facets = _facets(response.get("aggregations", {}), request) if request.facets else {}
        if "actor" in facets:
            self._add_actor_types(facets["actor"].values, request.filters.actor_type)
        terms = request.plan.match_terms
        hits = [_hit(item, terms) for item in response["hits"]["hits"]]
        return search_result(request, total=_total(response), hits=hits, facets=facets, started=started, sort=sort,
                             notices=notices)

    def _body(self, request: SearchRequest, query: dict, sort: str, translator: dsl.Translator) -> dict:
        filters = request.filters
        start = (request.page - 1) * request.limit
        body = {
            "query": dsl.restricted(query, filters, selections_too=False),
            "post_filter": dsl.selection_filter(filters),
            # Past the result window a page is empty, as past the last hit (from + size may not exceed it).
            "from": min(start, schema.MAX_RESULT_WINDOW),
            "size": max(0, min(request.limit, schema.MAX_RESULT_WINDOW - start)),
            "sort": _sort(sort),
            "track_total_hits": True,
            "track_scores": True,
            "_source": [*HIT_SOURCE, "body"],
        }
        if request.facets:
            body["aggs"] = _facet_aggregations(request)
        highlight = translator.highlight_query(request.plan)
        if highlight is not None:
            body["highlight"] = _highlight(highlight)
        return body

    def iter_hits(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit in sort order, without snippets: a scroll over the whole result set."""
        sort = "date" if request.plan.is_empty and request.sort == "relevance" else request.sort
        query, _notices = self._resolved_query(request)
        body = {"query": dsl.restricted(query, request.filters), "sort": _sort(sort), "size": EXPORT_BATCH,
                "track_scores": True, "_source": HIT_SOURCE}
        physical = self._physical_index()
        try:
            for item in self._scroll(body):
                yield _hit(item, None)
        except FahrasError:
            if self._physical_index() == physical:
                raise
            # A rebuild swapped the alias and removed the index under a long export: stop at what was read,
            # as the embedded index does.

    def _scroll(self, body: dict) -> Iterator[dict]:
        return scroll_hits(self.client, self._call, self._where.index, body)

    # --- documents

    def document(self, id: str, plan: QueryPlan) -> Document:
        body = {"query": {"bool": {"filter": [{"term": {"id": id}}]}}, "size": 1}
        highlight = dsl.Translator(self.ranking).highlight_query(plan)
        if highlight is not None:
            body["highlight"] = _highlight(highlight)
        found = self._search(body)["hits"]["hits"]
        if not found:
            raise DocumentNotFound(f"no document with id {id!r} in this index", code="document_not_found",
                                   params={"id": id})
        source = found[0]["_source"]
        text = source.get("body", "")
        spans = _spans(found[0], text, plan.match_terms)
        return model_from(Document, source, **_required(source), body=text, body_html=mark(text, spans),
                          match_count=len(spans))

    # --- facet values, actors, sources

    def facet_values(self, name: str, contains: str, request: SearchRequest, limit: int) -> FacetSearch:
        if name not in FACET_NAMES:
            raise QueryError(f"no facet named {name!r}: use one of {', '.join(FACET_NAMES)}", code="unknown_facet")
        query, _notices = self._resolved_query(request)
        filters = request.filters
        body = {"query": dsl.restricted(query, filters, ignoring=name), "size": 0, "track_total_hits": False}
        if name == "date":
            body["aggs"] = {"date": {"filter": dsl.MATCH_ALL, "aggs": _date_aggregations()}}
            facet = _date_facet(self._search(body)["aggregations"]["date"])
            wanted = contains.strip()
            values = [value for value in facet.values if wanted in value.value]
            return FacetSearch(name, values[:limit], len(values))
        field = _field(name, filters.actor_type)
        body["aggs"] = {"values": {"terms": {"field": field, "size": ALL_VALUES}}}
        buckets = self._search(body)["aggregations"]["values"]["buckets"]
        wanted = normalize_with_digits(contains.strip())
        selected = set(filters.selected[name])
        matching = [(bucket["key"], bucket["doc_count"]) for bucket in buckets
                    if not wanted or wanted in normalize_with_digits(bucket["key"])]
        matching.sort(key=lambda pair: (-pair[1], pair[0]))
        values = [FacetValue(key, count, key in selected) for key, count in matching[:limit]]
        if name == "actor":
            self._add_actor_types(values, filters.actor_type)
        return FacetSearch(name, values, len(matching))

    def _add_actor_types(self, values: list[FacetValue], actor_type: str | None) -> None:
        """As ``facets.add_actor_types``: the type asked for where a value was counted under it, else the
        type most of the index's documents give it (one request for those values)."""
        unknown = []
        for value in values:
            if actor_type is not None and value.count:
                value.type = actor_type
            else:
                unknown.append(value)
        if not unknown:
            return
        names = list(dict.fromkeys(value.value for value in unknown))
        body = {"size": 0, "track_total_hits": False, "aggs": {
            kind: {"terms": {"field": field, "include": names, "size": len(names)}}
            for kind, field in schema.TYPED_ACTOR_FIELDS.items()}}
        found = self._search(body)["aggregations"]
        counts = {kind: {bucket["key"]: bucket["doc_count"] for bucket in found[kind]["buckets"]}
                  for kind in ACTOR_TYPES}
        for value in unknown:
            value.type = dominant_type([counts[kind].get(value.value, 0) for kind in ACTOR_TYPES])

    def _all_values(self, field: str, limit: int | None) -> list[FacetValue]:
        body = {"size": 0, "aggs": {"values": {"terms": {"field": field, "size": limit or ALL_VALUES,
                                                           "order": [{"_count": "desc"}, {"_key": "asc"}]}}}}
        buckets = self._search(body)["aggregations"]["values"]["buckets"]
        return [FacetValue(bucket["key"], bucket["doc_count"]) for bucket in buckets]

    def actors(self, limit: int | None = None) -> list[FacetValue]:
        return self._all_values("actors", limit)

    def sources(self) -> list[FacetValue]:
        return self._all_values("source", None)

    def actor_summaries(self, limit: int | None = None) -> list[ActorSummary]:
        from indexer.storage.store import ActorMentions

        body = {"query": {"exists": {"field": "actors"}}, "size": EXPORT_BATCH,
                "_source": ["actors", "actor_variants", "entities"]}
        mentions = [ActorMentions(list(item["_source"].get("actors") or []),
                                  dict(item["_source"].get("actor_variants") or {}),
                                  list(item["_source"].get("entities") or []))
                    for item in self._scroll(body)]
        return summarize_actors(mentions)[:limit]


# --- request parts -----------------------------------------------------------------------------

_FIELDS = {"source": "source", "actor": "actors"}


def _field(name: str, actor_type: str | None) -> str:
    """The field a facet aggregates: for the actor facet restricted to a type, that type's field."""
    if name == "actor" and actor_type is not None:
        return schema.TYPED_ACTOR_FIELDS[actor_type]
    return _FIELDS[name]


def _best_match(top: dsl.TopLevel) -> Notice:
    return Notice("best_match", f"no document has all {top.words} words: showing those with at least {top.needed}",
                  {"words": top.words, "needed": top.needed})


def _total(response: dict) -> int:
    total = response["hits"]["total"]
    return int(total["value"] if isinstance(total, dict) else total)


def _sort(sort: str) -> list:
    tie = {"id": {"order": "asc"}}
    if sort == "date":
        return [{"date": {"order": "desc", "missing": "_last"}}, {"_score": {"order": "desc"}}, tie]
    if sort == "oldest":
        return [{"date": {"order": "asc", "missing": "_last"}}, {"_score": {"order": "desc"}}, tie]
    return [{"_score": {"order": "desc"}}, tie]


def _highlight(query: dict) -> dict:
    field = {"type": "unified", "number_of_fragments": 0}
    return {"pre_tags": [OPEN], "post_tags": [CLOSE], "highlight_query": query, "require_field_match": True,
            "fields": {"body": field, "body.exact": field}}


def _date_aggregations() -> dict:
    return {
        "months": {"date_histogram": {"field": "date", "calendar_interval": "month", "min_doc_count": 1,
                                      "format": "yyyy-MM"}},
        "unknown": {"missing": {"field": "date"}},
    }


def _facet_aggregations(request: SearchRequest) -> dict:
    filters = request.filters
    aggregations = {}
    for name in _FIELDS:
        field = _field(name, filters.actor_type)
        inner = {"distinct": {"cardinality": {"field": field, "precision_threshold": 40_000}}}
        if request.facet_limit:
            inner["values"] = {"terms": {"field": field, "size": request.facet_limit,
                                         "order": [{"_count": "desc"}, {"_key": "asc"}]}}
        selected = filters.selected[name]
        if selected:
            inner["selected"] = {"terms": {"field": field, "include": list(selected), "size": len(selected)}}
        aggregations[name] = {"filter": dsl.selection_filter(filters, ignoring=name), "aggs": inner}
    aggregations["date"] = {"filter": dsl.selection_filter(filters, ignoring="date"), "aggs": _date_aggregations()}
    return aggregations


# --- answers -----------------------------------------------------------------------------------


def _facets(aggregations: dict, request: SearchRequest) -> dict[str, Facet]:
    facets = {}
    for name in _FIELDS:
        found = aggregations[name]
        selected = request.filters.selected[name]
        values = [FacetValue(bucket["key"], bucket["doc_count"], bucket["key"] in selected)
                  for bucket in found.get("values", {}).get("buckets", [])]
        shown = {value.value for value in values}
        counts = {bucket["key"]: bucket["doc_count"] for bucket in found.get("selected", {}).get("buckets", [])}
        # A selected value stays visible (with its count, maybe 0) so it can be unticked.
        values += [FacetValue(value, counts.get(value, 0), True) for value in selected if value not in shown]
        facets[name] = Facet(name, values, int(found["distinct"]["value"]))
    facets["date"] = _date_facet(aggregations["date"])
    return facets


def _date_facet(found: dict) -> Facet:
    months = []
    for bucket in found["months"]["buckets"]:
        year, month = map(int, bucket["key_as_string"].split("-"))
        months.append((year, month, bucket["doc_count"]))
    values: list[FacetValue] = []
    interval = "month"
    if months:
        first, last = months[0][0] * 12 + months[0][1], months[-1][0] * 12 + months[-1][1]
        if last - first + 1 > MAX_MONTH_BUCKETS:
            interval = "year"
            years: dict[int, int] = {}
            for year, _month, count in months:
                years[year] = years.get(year, 0) + count
            values = [FacetValue(f"{year:04d}", count, start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1))
                      for year, count in years.items()]
        else:
            values = [FacetValue(f"{year:04d}-{month:02d}", count, start=dt.date(year, month, 1),
                                 end=dt.date(year + month // 12, month % 12 + 1, 1))
                      for year, month, count in months]
    unknown = found["unknown"]["doc_count"]
    if unknown:
        values.append(FacetValue(UNKNOWN_DATE, int(unknown)))
    return Facet("date", values, len(values), interval=interval)


def _spans(item: dict, text: str, terms: MatchTerms) -> list[tuple[int, int]]:
    """What to mark in ``text``: the words the highlighter marked (both body fields), each whole, and
    every phrase of the query where it stands, as one span (as ``highlight.match_spans`` marks them)."""
    marked = []
    for field in ("body", "body.exact"):
        for fragment in item.get("highlight", {}).get(field, []):
            plain, spans = _unmark(fragment)
            if plain == text:  # number_of_fragments 0: the whole value, so offsets are the body's
                marked.extend(spans)
    words = []
    if marked:
        for match in WORD_PATTERN.finditer(text):
            start, end = match.span()
            if any(span_start < end and start < span_end for span_start, span_end in marked):
                words.append((start, end))
    if not terms.phrases:
        return words
    return merge_spans(words + _phrase_spans(text, terms))


def _phrase_spans(text: str, terms: MatchTerms) -> list[tuple[int, int]]:
    """Where each of the query's phrases stands in ``text`` (the highlighter marks its words one by one)."""
    stemmed = chain(terms.stemmer, bool(terms.stopwords))
    tokens = list(exact_chain().tokens(text))
    words = [(form, stemmed.term(text[start:end])) for form, _, start, end in tokens]
    return [(tokens[index][2], tokens[index + len(pattern.slots) - 1][3])
            for index in range(len(tokens)) for pattern in terms.phrases if pattern.matches_at(words, index)]


def _unmark(fragment: str) -> tuple[str, list[tuple[int, int]]]:
    pieces, spans, length = [], [], 0
    for index, piece in enumerate(fragment.replace(CLOSE, OPEN).split(OPEN)):
        if index % 2 == 1:
            spans.append((length, length + len(piece)))
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces), spans


def _hit(item: dict, terms) -> Hit:
    source = item["_source"]
    snippet = ""
    if terms is not None:
        text = source.get("body", "")[:SNIPPET_SCAN_CHARS]
        spans = _spans(item, text, terms)
        if spans and not terms.phrases:  # as ``match_spans(stop_after=...)`` reads no further
            spans = [span for span in spans if span[0] <= spans[0][0] + SNIPPET_LOOKAHEAD_CHARS]
        snippet = snippet_of_spans(text, spans)
    score = item.get("_score")
    return model_from(
        Hit, source, **_required(source),
        score=round(float(score), 4) if score is not None else 0.0,
        snippet=snippet,
        title_html=highlight_all(source.get("display_title", ""), terms)[0] if terms is not None else "",
    )


def _required(source: dict) -> dict:
    """The fields a hit and a document always have, which the cluster leaves out when empty; the shown title."""
    return {"id": source["id"], "path": source.get("path", ""), "title": source.get("display_title", ""),
            "source": source.get("source"), "date": source.get("date"), "actors": list(source.get("actors") or [])}

