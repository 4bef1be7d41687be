"""Building and updating an index: incremental by default, ``rebuild`` with an atomic swap.

An incremental run updates the live generation in place (a Whoosh commit and a
SQLite commit).  A rebuild writes a new generation directory and only then
points ``CURRENT`` at it, so searches keep using the old one until the new one
is complete; a crash or Ctrl-C leaves ``CURRENT`` untouched and the half-built
directory is removed by the next run.

Large batches are built by worker processes: each worker reads its share of
the inputs, analyzes them and writes its own Whoosh segments (a new one every
``WRITER_OPTIONS["flush_docs"]`` documents, with ``segments.FastSegmentWriter``);
the main process stores the records' fields in SQLite as they arrive and
finally adds the workers' segments to the index's table of contents (Whoosh's
"multisegment" mode, without sending every document through a pipe).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import multiprocessing
import os
import queue
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.text import analysis
from indexer.errors import FahrasError, IndexLocked, IndexNotFound, StaleIndex
from indexer.records import Record, Skipped
from indexer.storage.schema import SCHEMA_VERSION, build_schema
from indexer.storage.segments import FastSegmentWriter
from indexer.storage.store import STORE_FILENAME, FileState, Store, record_row
from indexer.config import bundled_seeds_dir, default_index_dir
from indexer.storage.generations import (
    check_generation,
    current_generation,
    next_generation,
    point_current_at,
    remove_other_generations,
)
from indexer.storage.lock import WriterLock

HASH_CHUNK_BYTES = 1 << 20
#: Below this many bytes of changed input, one process does everything:
#: starting workers costs more than it saves.
PARALLEL_MIN_BYTES = 4 << 20
WRITER_OPTIONS = {
    # Documents per segment: bounds each writer's in-memory postings.
    "flush_docs": 25_000,
    # Whoosh reads a compound segment's postings through BytesIO(mmap slice),
    # i.e. copies them all into memory when an index is opened; separate files
    # are read in place (and the build skips copying them into one file).
    "compound": False,
}
WORKER_POLL_SECONDS = 1.0
#: Tasks queued ahead per worker (bounds the memory of lines read but not yet processed).
TASK_QUEUE_PER_WORKER = 4
#: JSON Lines files are cut into chunks of this many lines for the workers.
LINES_PER_CHUNK = 500
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class IndexReport:
    index_dir: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    doc_count: int = 0
    rebuilt: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        return (self.added + self.updated) / self.seconds if self.seconds else 0.0

    def skipped_reasons(self) -> dict[str, int]:
        return dict(Counter(item.reason for item in self.skipped).most_common())

    def summary(self) -> str:
        reasons = self.skipped_reasons()
        skipped = f"skipped {len(self.skipped)}"
        if reasons:
            skipped += " (" + "; ".join(f"{reason}: {count}" for reason, count in reasons.items()) + ")"
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, unchanged {self.unchanged}, "
            f"{skipped} in {self.seconds:.1f} s ({self.docs_per_second:.0f} docs/s); "
            f"{self.doc_count} documents in {self.index_dir}"
        )

    def to_dict(self) -> dict:
        return {
            "index": self.index_dir,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [item.to_dict() for item in self.skipped],
            "skipped_reasons": self.skipped_reasons(),
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.docs_per_second, 1),
            "documents": self.doc_count,
            "rebuilt": self.rebuilt,
            "notes": self.notes,
        }


# --- inputs ----------------------------------------------------------------------


@dataclass
class InputFile:
    #: Key in the file table: the absolute path.
    key: str
    path: Path
    #: The folder the user named (record ids are relative to it), None for a named file.
    root: Path | None
    state: FileState | None = None


def discover(paths) -> tuple[list[InputFile], list[Path], list[Skipped]]:
    """Input files under ``paths`` (ingestion's discovery rules), the folders named, and missing paths."""
    from indexer.ingest.discover import iter_input_files

    inputs: list[InputFile] = []
    missing: list[Skipped] = []
    for path, root in iter_input_files(paths):
        if path.is_file():
            inputs.append(InputFile(str(path), path, root))
        else:
            missing.append(Skipped(str(path), "not found"))
    folders = [Path(given).expanduser().absolute() for given in paths if Path(given).expanduser().is_dir()]
    return inputs, folders, missing


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_reader(path: Path, root: Path | None, reference_date):
    """The default ``read``: ingestion's ``read_file``."""
    from indexer.ingest import read_file

    return read_file(path, root=root, reference_date=reference_date)


def _read_input(item: InputFile, reference_date, read) -> list[Record | Skipped]:
    try:
        return list(read(item.path, item.root, reference_date))
    except FahrasError as error:
        return [Skipped(item.key, str(error))]
    except (OSError, UnicodeError, ValueError) as error:
        return [Skipped(item.key, f"{type(error).__name__}: {error}")]


# --- writing documents ----------------------------------------------------------------


def whoosh_fields(record: Record) -> dict:
    # A title made from the first sentence repeats the body: weighting it as a
    # headline would rank documents by their opening sentence.
    title = "" if record.title_derived else record.title
    fields = {
        "id": record.id,
        "title": title,
        "body": record.body,
        "exact": f"{title}\n{record.body}",
    }
    if record.source:
        fields["source"] = record.source
    if record.actors:
        fields["actors"] = ",".join(actor.replace(",", " ") for actor in record.actors)
    if record.date:
        fields["date"] = dt.datetime.combine(record.date, dt.time())
    return fields


@dataclass
class Task:
    """A unit of work: a whole file for ``read``, or a chunk of a JSON Lines file's lines."""

    item: InputFile
    lines: list[bytes] | None = None
    first_line: int = 1
    #: Reading the file failed part way (a truncated gzip): reported as skipped.
    error: str | None = None
    #: The file's last task: its outcome counts the file as done (progress).
    last: bool = True


@dataclass
class Outcome:
    """What one task gave, relative to what the index holds."""

    item: InputFile
    rows: list[tuple] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    #: Ids of records found unchanged (kept) — with the added ones, what is *not* gone.
    kept_ids: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    done_files: int = 0


def _open_lines(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def iter_tasks(changed: list[InputFile], read) -> Iterator[Task]:
    """Whole files, except JSON Lines files read by ingestion: chunks of ``LINES_PER_CHUNK`` lines."""
    from indexer.ingest.discover import file_kind

    for item in changed:
        if read is not ingest_reader or file_kind(item.path) != "jsonl":
            yield Task(item)
            continue
        chunk, first = [], 1
        try:
            with _open_lines(item.path) as handle:
                for number, line in enumerate(handle, start=1):
                    if number == 1 and line.startswith(UTF8_BOM):
                        line = line[len(UTF8_BOM):]
                    chunk.append(line)
                    if len(chunk) == LINES_PER_CHUNK:
                        yield Task(item, chunk, first, last=False)
                        chunk, first = [], number + 1
        except (OSError, EOFError) as error:
            yield Task(item, chunk, first, error=f"stopped reading: {error}")
            continue
        yield Task(item, chunk, first)


def _task_records(task: Task, outcome: Outcome, known_by_hash: dict[str, str], reference_date, read):
    """The task's records, except JSON lines whose hash the index already holds (counted as kept)."""
    if task.lines is None:
        yield from _read_input(task.item, reference_date, read)
        return
    from indexer.ingest import json_line_record
    from indexer.ingest.discover import record_id_base

    path = task.item.path
    id_base = record_id_base(path, task.item.root)
    # As ingestion does for JSON Lines: relative dates count from the file's modification day.
    reference = reference_date or dt.date.fromtimestamp(task.item.state.mtime_ns / 1e9)
    for number, line in enumerate(task.lines, start=task.first_line):
        stripped = line.strip()
        if not stripped:
            continue
        kept = known_by_hash.get(hashlib.sha256(stripped).hexdigest())
        if kept is not None:
            outcome.kept_ids.append(kept)
            continue
        result = json_line_record(line, line_number=number, id_base=id_base, path=str(path), reference_date=reference)
        if result is not None:
            yield result
    if task.error:
        yield Skipped(task.item.key, task.error)


def process_task(task: Task, known: dict[str, str], known_by_hash: dict[str, str], reference_date, read,
                 add_document) -> Outcome:
    """Read one task, add its new and changed records with ``add_document``, report the rest."""
    outcome = Outcome(task.item, done_files=int(task.last))
    for result in _task_records(task, outcome, known_by_hash, reference_date, read):
        if isinstance(result, Skipped):
            outcome.skipped.append(result)
            continue
        previous = known.get(result.id)
        if previous == result.content_hash:
            outcome.kept_ids.append(result.id)
            continue
        (outcome.new_ids if previous is None else outcome.changed_ids).append(result.id)
        add_document(**whoosh_fields(result))
        outcome.rows.append(record_row(result, task.item.key))
    return outcome


class _KnownHashes:
    """``id -> hash`` and ``hash -> id`` of one file's indexed records, the last file asked for."""

    def __init__(self, known: dict[str, dict[str, str]]):
        self.known = known
        self.key = None
        self.by_hash: dict[str, str] = {}

    def __call__(self, key: str) -> tuple[dict[str, str], dict[str, str]]:
        if key != self.key:
            self.key = key
            self.by_hash = {digest: id_ for id_, digest in self.known.get(key, {}).items()}
        return self.known.get(key, {}), self.by_hash


def _worker(generation: str, tasks, results, known, reference_date, read, writer_kwargs) -> None:
    """Worker process: process ``tasks`` into one segment, send the outcomes to ``results``."""
    try:
        ix = whoosh_index.open_dir(generation)
        writer = FastSegmentWriter(ix, _lk=False, **writer_kwargs)
        hashes = _KnownHashes(known)
        while (task := tasks.get()) is not None:
            by_id, by_hash = hashes(task.item.key)
            results.put(("task", process_task(task, by_id, by_hash, reference_date, read, writer.add_document)))
        results.put(("done", writer.all_new_segments()))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which stops the run
        results.put(("error", f"{type(error).__name__}: {error}"))
        raise


class _Run:
    """One indexing run over one generation directory."""

    def __init__(self, generation: Path, store: Store, report: IndexReport, reference_date, processes: int,
                 read, progress=None):
        self.read = read
        self.generation = generation
        self.store = store
        self.report = report
        self.reference_date = reference_date
        self.processes = processes
        self.progress = progress
        self.replaced_ids: list[str] = []
        self.found: dict[str, set[str]] = {}

    def _account(self, outcome: Outcome) -> None:
        report = self.report
        found = self.found.setdefault(outcome.item.key, set())
        for id_ in outcome.new_ids + outcome.changed_ids:
            if id_ in found:
                # Both copies were written; the search side keeps the last one.
                report.skipped.append(Skipped(id_, "duplicate id in the same input (the last one is kept)"))
        report.added += len(outcome.new_ids)
        report.updated += len(outcome.changed_ids)
        report.unchanged += len(outcome.kept_ids)
        report.skipped.extend(outcome.skipped)
        found.update(outcome.new_ids, outcome.changed_ids, outcome.kept_ids)
        self.replaced_ids += outcome.changed_ids
        self.store.put_rows(outcome.rows)
        if self.progress and outcome.done_files:
            self.progress(outcome.done_files)

    def _finish_files(self, changed: list[InputFile], known: dict[str, dict[str, str]]) -> None:
        for item in changed:
            found = self.found.get(item.key, set())
            gone = [id_ for id_ in known[item.key] if id_ not in found]
            self.store.delete(gone)
            self.replaced_ids += gone
            self.report.removed += len(gone)
            self.store.put_file(item.key, item.state)

    def write(self, changed: list[InputFile], removed_files: list[str]) -> None:
        ix = whoosh_index.open_dir(str(self.generation))
        writer = FastSegmentWriter(ix, **WRITER_OPTIONS)
        try:
            known = {item.key: self.store.hashes_for_file(item.key) for item in changed}
            for key in removed_files:
                gone = list(self.store.hashes_for_file(key))
                for id_ in gone:
                    writer.delete_by_term("id", id_)
                self.store.delete(gone)
                self.store.delete_file(key)
                self.report.removed += len(gone)
            total_bytes = sum(item.state.size for item in changed)
            if self.processes > 1 and total_bytes >= PARALLEL_MIN_BYTES:
                segments = self._write_parallel(changed, known)
            else:
                segments = []
                hashes = _KnownHashes(known)
                for task in iter_tasks(changed, self.read):
                    by_id, by_hash = hashes(task.item.key)
                    self._account(
                        process_task(task, by_id, by_hash, self.reference_date, self.read, writer.add_document)
                    )
            self._finish_files(changed, known)
            # Deletions only see committed segments, never the documents added
            # in this run, so replacing a record is delete-old plus add-new.
            for id_ in self.replaced_ids:
                writer.delete_by_term("id", id_)
            self._commit(writer, segments)
        except BaseException:
            writer.cancel()
            self.store.rollback()
            raise
        self.store.set_meta(whoosh_generation=ix.latest_generation())
        self.store.commit()

    def _write_parallel(self, changed: list[InputFile], known: dict) -> list:
        context = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
        tasks = context.Queue(TASK_QUEUE_PER_WORKER * self.processes)
        results = context.Queue()
        workers = [
            context.Process(
                target=_worker,
                args=(str(self.generation), tasks, results, known, self.reference_date, self.read, WRITER_OPTIONS),
                daemon=True,
            )
            for _ in range(self.processes)
        ]
        for worker in workers:
            worker.start()
        stop = threading.Event()
        feeder = threading.Thread(target=self._feed, args=(changed, tasks, len(workers), stop), daemon=True)
        feeder.start()
        segments = []
        finished = 0
        try:
            while finished < len(workers):
                try:
                    kind, payload = results.get(timeout=WORKER_POLL_SECONDS)
                except queue.Empty:
                    if any(worker.exitcode not in (None, 0) for worker in workers):
                        raise FahrasError("an indexing worker died; the index was not changed") from None
                    continue
                if kind == "task":
                    self._account(payload)
                elif kind == "done":
                    finished += 1
                    segments += payload
                else:
                    raise FahrasError(f"an indexing worker failed ({payload}); the index was not changed")
            if self.feed_error is not None:
                raise self.feed_error
        finally:
            stop.set()
            for worker in workers:
                if finished < len(workers) and worker.is_alive():
                    worker.terminate()
                worker.join()
            feeder.join(timeout=WORKER_POLL_SECONDS)
        return segments

    feed_error: BaseException | None = None

    def _feed(self, changed: list[InputFile], tasks, worker_count: int, stop: threading.Event) -> None:
        """Feeder thread: read the inputs into tasks, then one ``None`` per worker."""

        def put(task) -> bool:
            while not stop.is_set():
                try:
                    tasks.put(task, timeout=WORKER_POLL_SECONDS)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            for task in iter_tasks(sorted(changed, key=lambda item: -item.state.size), self.read):
                if not put(task):
                    return
        except BaseException as error:  # noqa: BLE001 - re-raised by the main thread
            self.feed_error = error
        for _ in range(worker_count):
            put(None)

    @staticmethod
    def _commit(writer: FastSegmentWriter, segments: list) -> None:
        # What MpWriter does in multisegment mode: the workers' segments join
        # the table of contents as they are, next to the main writer's.
        final = writer._merge_segments(None, False, True)
        fresh = [*segments, *writer.all_new_segments()]
        if len(fresh) > 1:
            # One segment rather than one per worker or per ``flush_docs``: each segment
            # repeats the term table of its vocabulary, the largest part of the index.
            fresh = writer.merged(fresh)
        writer._commit_toc(final + fresh)
        writer._finish()


def _file_states(inputs: list[InputFile], known: dict[str, FileState], force: bool):
    """Split inputs into changed files, files touched but with the same content, and untouched files.

    Untouched (same size and modification time) files are not even read; the
    others are hashed and get their new ``state``.
    """
    changed, unchanged_same_hash, unchanged = [], [], []
    for item in inputs:
        stat = item.path.stat()
        before = known.get(item.key)
        if not force and before and before.size == stat.st_size and before.mtime_ns == stat.st_mtime_ns:
            unchanged.append(item)
            continue
        digest = file_hash(item.path)
        item.state = FileState(stat.st_size, stat.st_mtime_ns, digest)
        if not force and before and before.hash == digest:
            unchanged_same_hash.append(item)
        else:
            changed.append(item)
    return changed, unchanged_same_hash, unchanged


def _new_generation(index_dir: Path, stemmer: str, stopwords: bool) -> Path:
    generation = next_generation(index_dir)
    generation.mkdir()
    schema = build_schema(stemmer=stemmer, stopwords=stopwords)
    whoosh_index.create_in(str(generation), schema)
    store = Store(generation)
    store.set_meta(
        schema_version=SCHEMA_VERSION,
        analyzer_version=analysis.ANALYZER_VERSION,
        stemmer=stemmer,
        stopwords=int(bool(stopwords)),
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    )
    store.commit()
    store.close()
    return generation


def update_index(
    paths=(),
    index_dir: str | Path | None = None,
    *,
    rebuild: bool = False,
    reference_date: dt.date | None = None,
    stemmer: str | None = None,
    stopwords: bool | None = None,
    processes: int | None = None,
    progress=None,
    read=None,
) -> IndexReport:
    """Index ``paths`` (files or folders; the bundled seeds when empty) into ``index_dir``.

    Incremental unless ``rebuild``: unchanged files are skipped by size and
    modification time (then by content hash), changed records are replaced,
    records of files gone from an indexed folder are removed.  ``stemmer``
    and ``stopwords`` choose the analysis of a new or rebuilt index (default:
    the analyzer's defaults, or the current index's choice when rebuilding);
    giving a different choice for an existing index needs ``rebuild``.
    ``progress(n)`` is called as files are done, after ``progress.total`` is
    set when it has such an attribute.  ``read(path, root, reference_date)``
    turns one input file into ``Record``/``Skipped`` items (default:
    ingestion's ``read_file``); embedders can index their own formats with it.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    paths = list(paths) or [bundled_seeds_dir()]
    processes = processes or min(2, os.cpu_count() or 1)
    index_dir.mkdir(parents=True, exist_ok=True)
    report = IndexReport(index_dir=str(index_dir))
    with WriterLock(index_dir) as lock:
        report.notes.extend(lock.notes)
        live = current_generation(index_dir)
        remove_other_generations(index_dir, keep=live)
        previous_meta = {}
        if live is not None:
            store = Store(live)
            try:
                previous_meta = store.meta() if rebuild else check_generation(store, index_dir)
            finally:
                store.close()
            if not rebuild and (
                (stemmer and stemmer != previous_meta.get("stemmer"))
                or (stopwords is not None and int(stopwords) != int(previous_meta.get("stopwords", 1)))
            ):
                raise StaleIndex(
                    f"the index in {index_dir} was built with stemmer {previous_meta.get('stemmer')!r} and "
                    f"stop words {'on' if previous_meta.get('stopwords') == '1' else 'off'}; to change them run "
                    f"`fahras index --rebuild --index {index_dir}` with the new choice"
                )
        stemmer = stemmer or previous_meta.get("stemmer") or analysis.DEFAULT_STEMMER
        stopwords = stopwords if stopwords is not None else previous_meta.get("stopwords", "1") == "1"
        fresh = rebuild or live is None
        generation = _new_generation(index_dir, stemmer, stopwords) if fresh else live
        report.rebuilt = fresh and live is not None
        try:
            store = Store(generation)
            try:
                _update_generation(generation, store, paths, report, reference_date, processes, progress, fresh,
                                   read or ingest_reader)
                report.doc_count = store.doc_count()
            finally:
                store.close()
        except BaseException:
            if fresh:
                shutil.rmtree(generation, ignore_errors=True)
            raise
        if fresh:
            point_current_at(index_dir, generation)
            if live is not None:
                remove_other_generations(index_dir, keep=generation)
    report.seconds = time.perf_counter() - started
    return report


def _update_generation(generation, store, paths, report, reference_date, processes, progress, fresh, read) -> None:
    inputs, folders, missing = discover(paths)
    report.skipped.extend(missing)
    known = store.files()
    changed, same_hash, unchanged = _file_states(inputs, known, force=fresh)
    for item in same_hash:
        store.put_file(item.key, item.state)
    counts = store.counts_by_file() if same_hash or unchanged else {}
    report.unchanged += sum(counts.get(item.key, 0) for item in [*same_hash, *unchanged])
    seen = {item.key for item in inputs}
    named_files = {str(Path(p).expanduser().absolute()) for p in paths}
    removed_files = [
        key
        for key in known
        if key not in seen
        and (key in named_files or any(Path(key).is_relative_to(folder) for folder in folders))
    ]
    if progress is not None and hasattr(progress, "total"):
        progress.total = len(changed)
    _Run(generation, store, report, reference_date, processes, read, progress).write(changed, removed_files)
