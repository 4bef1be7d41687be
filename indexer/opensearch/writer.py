"""Building and updating a cluster index: the embedded build's inputs and records, sent in bulk.

The index a location names is an alias over one physical index ``<alias>-<stamp>`` and its file
table ``<alias>-<stamp>-files`` (size, modification time and hash of every input file).  A run:

1. discovers the inputs and splits them by file state, as the embedded build does
   (``indexer.build.tasks``): untouched files are not read, touched files with the same hash are
   not re-sent;
2. looks at the changed files as plain text for their words, so that the index written has the
   ``stemmer_override`` rules they need (``schema``): the live index, or a new one (``rebuild``, a
   first build, or new words needing rules the live analyzer lacks: the live documents are then
   copied into it, analysed again with every rule);
3. reads the changed files through ingestion (or the caller's ``read``), and sends the records
   whose ``content_hash`` differs from the one the index holds, and the deletions, from a thread of
   their own, so that the cluster indexes while ingestion reads on; words that ingestion made and
   the plain-text look missed are caught at the end (a new index with every rule, as above);
4. refreshes the index and, for a new one, swaps the alias in one atomic request, so that searches
   see the old index until the new one is complete.

Bulk requests are cut by size (``BULK_BYTES``); a request or a document refused for load (429) or
by a node going away is sent again after a growing pause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import gzip
import queue
import threading
import time
from collections.abc import Callable

from indexer.build.options import BuildOptions
from indexer.build.tasks import discover, file_states, iter_input, removed_files
from indexer.build.update import IndexReport
from indexer.config import bundled_seeds_dir
from indexer.errors import FahrasError, NothingToIndex, StaleIndex
from indexer.ingest import readers
from indexer.ingest.discover import file_kind
from indexer.opensearch import schema
from indexer.opensearch.location import ClusterLocation, cluster_error, connect, parse_location, scroll_hits
from indexer.records import Record, Skipped
from indexer.storage.store import FileState
from indexer.text import analysis

#: Bytes of bulk lines per request: large enough to amortize a round trip, small enough for a small heap.
BULK_BYTES = 4 << 20
#: Bulk requests read but not yet sent (memory: this many times ``BULK_BYTES``).
QUEUED_BATCHES = 3
#: Pauses before sending a refused request again (429, node gone): about two minutes in all.
RETRY_PAUSES = (0.5, 1, 2, 4, 8, 15, 30, 60)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
SHARDS_ENV = "FAHRAS_OPENSEARCH_SHARDS"
REPLICAS_ENV = "FAHRAS_OPENSEARCH_REPLICAS"
LONG_TIMEOUT = 600
#: A document id longer than this (bytes) is stored under its SHA-256 (OpenSearch's limit is 512).
MAX_ID_BYTES = 512


def document_id(record_id: str) -> str:
    if len(record_id.encode("utf-8")) <= MAX_ID_BYTES:
        return record_id
    return "sha256:" + hashlib.sha256(record_id.encode("utf-8")).hexdigest()


def typed_actors(record: Record) -> dict[str, list[str]]:
    """``schema.TYPED_ACTOR_FIELDS``: the record's actors of each type, as its ``entities`` type them."""
    types = {entity.get("name"): entity.get("type") for entity in record.entities if isinstance(entity, dict)}
    return {field: [name for name in record.actors if types.get(name) == kind]
            for kind, field in schema.TYPED_ACTOR_FIELDS.items()}


def record_document(record: Record, file_key: str) -> dict:
    """A record as the cluster stores it (``schema.mappings``)."""
    doc = {
        "id": record.id,
        "path": record.path,
        "display_title": record.title,
        # A title made from the first sentence repeats the body: it is shown, not indexed as a headline.
        "title": "" if record.title_derived else record.title,
        "body": record.body,
        "source": record.source,
        "date": record.date.isoformat() if record.date else None,
        "date_precision": record.date_precision,
        "date_origin": record.date_origin,
        "date_basis": record.date_basis,
        "date_reference": record.date_reference,
        "entities": list(record.entities),
        "url": record.url,
        "author": record.author,
        "actors": list(record.actors),
        **typed_actors(record),
        "actor_variants": record.actor_variants,
        "title_derived": record.title_derived,
        "warnings": list(record.warnings),
        "content_hash": record.content_hash,
        "file_key": file_key,
    }
    if record.original not in (None, record.body):
        doc["original"] = record.original
    return {key: value for key, value in doc.items() if value not in (None, [], {})}


# --- the cluster side ----------------------------------------------------------------------------


class _Cluster:
    """The requests a run makes, with their errors turned into one-line ``FahrasError``s."""

    def __init__(self, where: ClusterLocation, sleep: Callable[[float], None] = time.sleep):
        self.where = where
        self.client = connect(where)
        self.sleep = sleep

    def call(self, doing: str, method, *args, retry: bool = True, **kwargs):
        """``method(*args, **kwargs)``, sent again after ``RETRY_PAUSES`` while the cluster is overloaded or a
        node is gone (unless ``retry`` is false: the first contact fails fast when there is no cluster)."""
        from opensearchpy.exceptions import ConnectionError, OpenSearchException, TransportError

        for pause in (*RETRY_PAUSES, None) if retry else (None,):
            try:
                return method(*args, **kwargs)
            except (ConnectionError, TransportError) as error:
                status = getattr(error, "status_code", None)
                retry = isinstance(error, ConnectionError) or status in RETRY_STATUSES
                if not retry or pause is None:
                    raise cluster_error(self.where, error, doing) from None
                self.sleep(pause)
            except OpenSearchException as error:
                raise cluster_error(self.where, error, doing) from None
        raise AssertionError("unreachable")

    def alias_target(self) -> str | None:
        """The physical index the alias points at; None when there is no index of that name."""
        indices = self.client.indices
        found = self.call("reading the index alias", indices.get_alias, name=self.where.index, ignore=[404],
                          retry=False)
        targets = sorted(key for key in found if key not in ("error", "status")) if isinstance(found, dict) else []
        if targets:
            return targets[-1]
        if self.call("looking for the index", indices.exists, index=self.where.index):
            raise FahrasError(f"{self.where.index!r} on {self.where.node_url} is an index Fahras did not make "
                              f"(Fahras's index names are aliases): choose another name", code="cluster_foreign_index")
        return None

    def meta(self, physical: str) -> dict[str, str]:
        mapping = self.call("reading the index mapping", self.client.indices.get_mapping, index=physical)
        return {key: str(value) for key, value in (mapping[physical]["mappings"].get("_meta") or {}).items()}

    def overrides(self, physical: str) -> list[str]:
        settings = self.call("reading the index settings", self.client.indices.get_settings, index=physical)
        filters = settings[physical]["settings"]["index"].get("analysis", {}).get("filter", {})
        return list(filters.get("fahras_stem_overrides", {}).get("rules", []))

    def create(self, physical: str, stemmer: str, stopwords: bool, overrides: list[str], shards, replicas) -> None:
        body = schema.index_body(stemmer, stopwords, overrides, shards=shards, replicas=replicas)
        # Building goes faster without refreshes; ``finish`` turns them back on.
        body["settings"]["index"]["refresh_interval"] = "-1"
        self.call("creating the index", self.client.indices.create, index=physical, body=body,
                  request_timeout=LONG_TIMEOUT)
        files_settings = {"number_of_shards": 1, "auto_expand_replicas": "0-1"}
        self.call("creating the file table", self.client.indices.create, index=files_index(physical),
                  body={"settings": {"index": files_settings}, "mappings": schema.FILES_MAPPINGS})

    def copy(self, source: str, target: str) -> None:
        """Every document and file state of ``source`` into ``target``, re-analysed there.

        Read back and sent in bulk rather than with ``_reindex``: that is a module some clusters
        (the dev cluster among them) do not load.
        """
        for old, new in ((source, target), (files_index(source), files_index(target))):
            self.call("refreshing the index", self.client.indices.refresh, index=old, request_timeout=LONG_TIMEOUT)
            lines: list[bytes] = []
            for item in self.scan(old, {"match_all": {}}, True, with_ids=True):
                lines.append(_json_line({"index": {"_id": item["_id"]}}))
                lines.append(_json_line(item["_source"]))
                if len(lines) >= 2000:
                    self.bulk(new, lines)
                    lines = []
            if lines:
                self.bulk(new, lines)

    def files(self, physical: str) -> dict[str, FileState]:
        found = {}
        for source in self.scan(files_index(physical), {"match_all": {}}, ["key", "size", "mtime_ns", "hash"]):
            found[source["key"]] = FileState(int(source["size"]), int(source["mtime_ns"]), source["hash"])
        return found

    def hashes_for_files(self, physical: str, keys: list[str]) -> dict[str, dict[str, str]]:
        """``file key -> {record id -> content hash}`` of the indexed records of those files."""
        known: dict[str, dict[str, str]] = {key: {} for key in keys}
        for start in range(0, len(keys), 500):
            query = {"terms": {"file_key": keys[start:start + 500]}}
            for source in self.scan(physical, query, ["id", "content_hash", "file_key"]):
                known.setdefault(source["file_key"], {})[source["id"]] = source.get("content_hash", "")
        return known

    def counts_by_file(self, physical: str, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        body = {"size": 0, "query": {"terms": {"file_key": keys}},
                "aggs": {"files": {"terms": {"field": "file_key", "size": len(keys)}}}}
        found = self.call("counting records", self.client.search, index=physical, body=body)
        return {bucket["key"]: bucket["doc_count"] for bucket in found["aggregations"]["files"]["buckets"]}

    def scan(self, index: str, query: dict, fields, with_ids: bool = False):
        """The ``_source`` (``fields`` of it) of every document matching ``query`` (with ``with_ids``: the hits)."""
        body = {"query": query, "size": 1000, "_source": fields, "sort": ["_doc"]}
        for item in scroll_hits(self.client, self.call, index, body):
            yield item if with_ids else item["_source"]

    def bulk(self, index: str, lines: list[bytes]) -> list[tuple[str, str]]:
        """Send bulk lines, again for the documents refused for load; the (id, reason) of those that failed."""
        failed: list[tuple[str, str]] = []
        pending = lines
        for pause in (*RETRY_PAUSES, None):
            response = self.call("writing documents", self.client.bulk, index=index, body=b"".join(pending),
                                 request_timeout=LONG_TIMEOUT)
            if not response.get("errors"):
                return failed
            again = []
            for number, item in enumerate(response["items"]):
                outcome = next(iter(item.values()))
                if outcome.get("status", 200) < 300 or (outcome.get("status") == 404 and "delete" in item):
                    continue
                action_lines = _action_lines(pending, number)
                if outcome.get("status") in RETRY_STATUSES and pause is not None:
                    again.extend(action_lines)
                else:
                    error = outcome.get("error") or {}
                    failed.append((outcome.get("_id", "?"), str(error.get("reason") or error)[:200]))
            if not again:
                return failed
            self.sleep(pause)
            pending = again
        return failed

    def put_files(self, physical: str, states: dict[str, FileState]) -> None:
        lines = []
        for key, state in states.items():
            lines.append(_json_line({"index": {"_id": _file_id(key)}}))
            lines.append(_json_line({"key": key, "size": state.size, "mtime_ns": state.mtime_ns, "hash": state.hash}))
        for batch in _batches(lines):
            self.bulk(files_index(physical), batch)

    def delete_files(self, physical: str, keys: list[str]) -> None:
        lines = [_json_line({"delete": {"_id": _file_id(key)}}) for key in keys]
        for batch in _batches(lines, pairs=False):
            self.bulk(files_index(physical), batch)

    def finish(self, physical: str) -> None:
        self.call("refreshing the index", self.client.indices.put_settings, index=physical,
                  body={"index": {"refresh_interval": None}})
        for index in (physical, files_index(physical)):
            self.call("refreshing the index", self.client.indices.refresh, index=index, request_timeout=LONG_TIMEOUT)

    def swap(self, new: str, old: str | None) -> None:
        actions = [{"add": {"index": new, "alias": self.where.index}}]
        if old is not None:
            actions.insert(0, {"remove": {"index": old, "alias": self.where.index}})
        self.call("switching the alias", self.client.indices.update_aliases, body={"actions": actions})

    def drop(self, physical: str) -> None:
        for index in (physical, files_index(physical)):
            self.call("removing an old index", self.client.indices.delete, index=index, ignore=[404])

    def doc_count(self, physical: str) -> int:
        return int(self.call("counting documents", self.client.count, index=physical)["count"])


def files_index(physical: str) -> str:
    return f"{physical}-files"


def _file_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _json_line(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _action_lines(lines: list[bytes], number: int) -> list[bytes]:
    """The lines of bulk action ``number`` (an action line, and a source line unless it is a delete)."""
    index = 0
    for current in range(number + 1):
        width = 1 if lines[index].startswith(b'{"delete"') else 2
        if current == number:
            return lines[index:index + width]
        index += width
    raise IndexError(number)


def _batches(lines: list[bytes], pairs: bool = True):
    """Bulk lines cut into requests of about ``BULK_BYTES``, never between an action and its source."""
    batch, size, step = [], 0, 2 if pairs else 1
    for start in range(0, len(lines), step):
        group = lines[start:start + step]
        batch.extend(group)
        size += sum(map(len, group))
        if size >= BULK_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# --- a run ---------------------------------------------------------------------------------------


def _physical_name(alias: str) -> str:
    return f"{alias}-{dt.datetime.now(dt.timezone.utc).strftime('%Y%m%d%H%M%S%f')}"


def _choose(value, environment: str, default):
    if value is not None:
        return value
    return os.environ.get(environment) or default


class _Sender:
    """Bulk lines sent by a thread of their own, so that OpenSearch indexes while ingestion reads on.

    ``add``/``delete`` queue lines; every ``BULK_BYTES`` they go to the sender thread (at most
    ``QUEUED_BATCHES`` wait, which bounds memory).  The words of the records sent are kept: the
    stemming rules they need are checked against the index's at the end (``missing_rules``).
    """

    def __init__(self, cluster: _Cluster, target: str, report: IndexReport):
        self.cluster, self.target, self.report = cluster, target, report
        self.words: set[str] = set()
        self.lines: list[bytes] = []
        self.size = 0
        self.batches: queue.Queue = queue.Queue(QUEUED_BATCHES)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._send, name="fahras-bulk", daemon=True)
        self.thread.start()

    def add(self, record: Record, file_key: str) -> None:
        self.words.update(analysis.WORD_PATTERN.findall(record.title))
        self.words.update(analysis.WORD_PATTERN.findall(record.body))
        self._queue(_json_line({"index": {"_id": document_id(record.id)}}),
                    _json_line(record_document(record, file_key)))

    def delete(self, record_id: str) -> None:
        self._queue(_json_line({"delete": {"_id": document_id(record_id)}}))

    def _queue(self, *lines: bytes) -> None:
        self.lines.extend(lines)
        self.size += sum(map(len, lines))
        if self.size >= BULK_BYTES:
            self._hand_over()

    def _hand_over(self) -> None:
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.batches.put(self.lines, timeout=1)
                break
            except queue.Full:
                continue
        self.lines, self.size = [], 0

    def _send(self) -> None:
        while (batch := self.batches.get()) is not None:
            if self.error is not None:
                continue  # drain: the run is failing
            try:
                for record_id, reason in self.cluster.bulk(self.target, batch):
                    self.report.skipped.append(Skipped(record_id, f"refused by OpenSearch: {reason}"))
            except BaseException as error:  # noqa: BLE001 - raised again in the reading thread
                self.error = error

    def close(self) -> None:
        """Send what is left and wait for the thread; raise what sending raised."""
        if self.lines and self.error is None:
            self._hand_over()
        self.batches.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        self.error = self.error or FahrasError("the run was stopped")
        self.batches.put(None)
        self.thread.join()

    def forms(self) -> set[str]:
        exact = analysis.exact_chain()
        return {form for form in map(exact.term, self.words) if form}


def _raw_words(items, options: BuildOptions) -> set[str]:
    """The normalized words of the changed inputs read as plain text (JSON Lines: every string of each
    line), before ingestion: enough to create the index with the stemming rules it will need."""
    words: set[str] = set()
    for item in items:
        try:
            if options.read is None and file_kind(item.path) == "jsonl":
                opener = gzip.open if item.path.name.lower().endswith(".gz") else open
                with opener(item.path, "rb") as handle:
                    for line in handle:
                        try:
                            words.update(analysis.WORD_PATTERN.findall(" ".join(_strings(json.loads(line)))))
                        except ValueError:
                            continue
            else:
                words.update(analysis.WORD_PATTERN.findall(item.path.read_bytes().decode("utf-8", "replace")))
        except (OSError, EOFError):
            continue  # reading it properly reports the problem
    exact = analysis.exact_chain()
    return {form for form in map(exact.term, words) if form}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def update_cluster_index(
    paths=(),
    location: str | ClusterLocation | None = None,
    *,
    rebuild: bool = False,
    reference_date: dt.date | None = None,
    stemmer: str | None = None,
    stopwords: bool | None = None,
    progress=None,
    read=None,
    read_progress=None,
    shards: int | None = None,
    replicas: int | str | None = None,
) -> IndexReport:
    """Index ``paths`` into the cluster index at ``location`` (``opensearch+http://HOST:PORT/NAME``).

    The same contract as ``indexer.build.update.update_index``: incremental unless ``rebuild``
    (unchanged files skipped by size and modification time, then hash; changed records replaced;
    records of vanished files removed), ``progress(n)`` as files are done, ``read_progress(bytes_read,
    bytes_total)`` as they are read, ``read`` for other formats.  ``shards`` and ``replicas`` (default
    ``$FAHRAS_OPENSEARCH_SHARDS``, 1, and ``$FAHRAS_OPENSEARCH_REPLICAS``, ``0-1``: one replica once a
    second node is there) apply to a new or rebuilt index.
    """
    started = time.perf_counter()
    where = parse_location(location) if isinstance(location, str) else location
    if where is None:
        raise FahrasError("update_cluster_index needs an opensearch+http(s):// location")
    options = BuildOptions(reference_date=reference_date, read=read, stemmer=stemmer, stopwords=stopwords,
                           progress=progress, paths_given=bool(list(paths)))
    paths = list(paths) or [bundled_seeds_dir()]
    report = IndexReport(index_dir=str(where))
    cluster = _Cluster(where)
    live = cluster.alias_target()
    previous = cluster.meta(live) if live else {}
    if live and not rebuild:
        if not schema.is_current(previous):
            raise StaleIndex(f"the index {where.index!r} was built by another version of Fahras; rebuild it with "
                             f"`fahras index --rebuild --index {where}`")
        if (stemmer and stemmer != previous.get("stemmer")) or (
                stopwords is not None and int(stopwords) != int(previous.get("stopwords", 1))):
            raise StaleIndex(f"the index {where.index!r} was built with stemmer {previous.get('stemmer')!r} and stop "
                             f"words {'on' if previous.get('stopwords') == '1' else 'off'}; to change them run "
                             f"`fahras index --rebuild --index {where}` with the new choice")
    stemmer = stemmer or previous.get("stemmer") or analysis.DEFAULT_STEMMER
    if stemmer not in schema.CLUSTER_STEMMERS:
        raise FahrasError(f"a cluster index cannot use the {stemmer!r} stemmer: choose one of "
                          f"{', '.join(schema.CLUSTER_STEMMERS)}", code="bad_stemmer")
    stopwords = stopwords if stopwords is not None else previous.get("stopwords", "1") == "1"
    fresh = rebuild or live is None

    inputs, folders, skipped = discover(paths, options)
    report.skipped.extend(skipped)
    known = {} if fresh else cluster.files(live)
    changed, same_hash, unchanged, unreadable = file_states(inputs, known, force=fresh)
    report.skipped.extend(unreadable)
    if not fresh:
        counts = cluster.counts_by_file(live, [item.key for item in [*same_hash, *unchanged]])
        report.unchanged += sum(counts.values())
    gone_files = [] if fresh else removed_files(known, inputs, folders, paths)
    if progress is not None and hasattr(progress, "total"):
        progress.total = len(changed)
    bytes_total, bytes_read = sum(item.size for item in changed), 0

    shards, replicas = _choose(shards, SHARDS_ENV, 1), _choose(replicas, REPLICAS_ENV, "0-1")
    hashes = {} if fresh else cluster.hashes_for_files(live, [item.key for item in changed] + gone_files)
    wanted = schema.stem_overrides(_raw_words(changed, options), stemmer)
    target = _target(cluster, report, live, fresh, stemmer, stopwords, wanted, shards, replicas)
    sender = _Sender(cluster, target, report)
    try:
        for key in gone_files:
            for record_id in hashes.get(key, {}):
                sender.delete(record_id)
                report.removed += 1
        for item in changed:
            before = hashes.get(item.key, {})
            found: set[str] = set()
            for result in iter_input(item, options):
                if isinstance(result, Skipped):
                    report.skipped.append(result)
                    continue
                if result.id in found:
                    report.skipped.append(Skipped(result.id, "duplicate id in the same input (the last one is kept)"))
                found.add(result.id)
                if before.get(result.id) == result.content_hash:
                    report.unchanged += 1
                    continue
                if result.id in before:
                    report.updated += 1
                else:
                    report.added += 1
                sender.add(result, item.key)
            for record_id in before:
                if record_id not in found:
                    sender.delete(record_id)
                    report.removed += 1
            if progress is not None:
                progress(1)
            bytes_read += item.size
            if read_progress is not None:
                read_progress(bytes_read, bytes_total)
        sender.close()
        if options.paths_given and report.read_nothing and not known:
            raise NothingToIndex(f"nothing to index: no records could be read from {', '.join(map(str, paths))}",
                                 report)
        missing = sorted(set(schema.stem_overrides(sender.forms(), stemmer)) - set(cluster.overrides(target)))
        if missing:
            # Ingestion made words the plain-text look missed: an index with every rule re-analyses them.
            previous = target
            target = _target(cluster, report, previous, False, stemmer, stopwords, missing, shards, replicas)
            if previous != live:
                cluster.drop(previous)
        states = {item.key: item.state for item in [*changed, *same_hash] if item.state is not None}
        cluster.put_files(target, states)
        cluster.delete_files(target, gone_files)
        cluster.finish(target)
        if target != live:
            cluster.swap(target, live)
    except BaseException:
        sender.abandon()
        if target != live:
            cluster.drop(target)
        raise
    if target != live and live is not None:
        cluster.drop(live)
    report.rebuilt = target != live and live is not None
    report.doc_count = cluster.doc_count(target)
    report.seconds = time.perf_counter() - started
    return report


def _target(cluster: _Cluster, report: IndexReport, live: str | None, fresh: bool, stemmer: str, stopwords: bool,
            wanted: list[str], shards, replicas) -> str:
    """The index to write: a new one for a fresh run, else the live one, unless the stemming rules
    ``wanted`` are not all in its analyzer: then a new one with every rule, the live documents copied in."""
    if fresh:
        target = _physical_name(cluster.where.index)
        cluster.create(target, stemmer, stopwords, wanted, int(shards), replicas)
        return target
    have = cluster.overrides(live)
    missing = sorted(set(wanted) - set(have))
    if not missing:
        return live
    target = _physical_name(cluster.where.index)
    settings = cluster.call("reading the index settings", cluster.client.indices.get_settings, index=live)
    index_settings = settings[live]["settings"]["index"]
    cluster.create(target, stemmer, stopwords, sorted(set(have) | set(missing)),
                   int(index_settings.get("number_of_shards", 1)),
                   index_settings.get("auto_expand_replicas") or index_settings.get("number_of_replicas", 0))
    try:
        cluster.copy(live, target)
    except BaseException:
        cluster.drop(target)
        raise
    report.notes.append(f"{len(missing)} new words needed stemming rules: the index was copied into a new one")
    return target


def delete_cluster_index(location: str | ClusterLocation) -> bool:
    """Remove the index at ``location`` (its alias, physical index and file table); False if there was none."""
    where = parse_location(location) if isinstance(location, str) else location
    cluster = _Cluster(where)
    live = cluster.alias_target()
    if live is None:
        return False
    cluster.call("removing the alias", cluster.client.indices.delete_alias, index=live, name=where.index)
    cluster.drop(live)
    return True
