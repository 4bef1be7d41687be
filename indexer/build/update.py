"""Building and updating an index: incremental by default, ``rebuild`` with an atomic swap.

An incremental run updates the live generation in place: its Whoosh segment
table and its side store commit as one (``generations.commit_run``).  A
rebuild writes a new generation directory and only then points ``CURRENT``
at it, so searches keep using the old one until the new one is complete; a
crash or Ctrl-C leaves ``CURRENT`` untouched and the half-built directory is
removed (by the run itself, or by the next one after a kill).

Large batches are built by worker processes (``workers``): each reads its
share of the inputs (``tasks``), analyzes them and writes its own Whoosh
segments (a new one every ``WRITER_OPTIONS["flush_docs"]`` documents, with
``segments.FastSegmentWriter``); the main process stores the records' fields
in SQLite as they arrive and finally adds the workers' segments to the
index's table of contents (Whoosh's "multisegment" mode, without sending
every document through a pipe).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.build.checkpoints import checkpoint
from indexer.build.options import BuildOptions
from indexer.build.tasks import InputFile, KnownHashes, Outcome, discover, file_states, iter_tasks, process_task
from indexer.build.tasks import removed_files as find_removed_files
from indexer.build.tasks import whoosh_fields  # noqa: F401 - re-exported: the segment tests index with it
from indexer.build.workers import write_parallel
from indexer.config import bundled_seeds_dir, default_index_dir
from indexer.errors import IndexWriteError, NothingToIndex, StaleIndex
from indexer.ingest.discover import UNSUPPORTED_PREFIX
from indexer.records import Skipped
from indexer.storage.generations import (
    check_generation,
    commit_run,
    current_generation,
    next_generation,
    point_current_at,
    remove_other_generations,
    settle,
)
from indexer.storage.lock import WriterLock
from indexer.storage.schema import SCHEMA_VERSION, build_schema
from indexer.storage.segments import FastSegmentWriter
from indexer.storage.store import Store
from indexer.text import analysis

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

    def unsupported_types(self) -> dict[str, int]:
        """Files skipped for their type, by file name extension."""
        return dict(Counter(item.reason[len(UNSUPPORTED_PREFIX):].split(" (reads")[0].strip("'\"")
                            for item in self.skipped if item.reason.startswith(UNSUPPORTED_PREFIX)).most_common())

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
            "unsupported": self.unsupported_types(),
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.docs_per_second, 1),
            "documents": self.doc_count,
            "rebuilt": self.rebuilt,
            "notes": self.notes,
        }

    @property
    def read_nothing(self) -> bool:
        return not (self.added or self.updated or self.unchanged or self.removed)


class _Run:
    """One indexing run over one generation directory."""

    def __init__(self, generation: Path, store: Store, report: IndexReport, options: BuildOptions):
        self.generation = generation
        self.store = store
        self.report = report
        self.options = options
        self.replaced_ids: list[str] = []
        self.found: dict[str, set[str]] = {}
        self.bytes_read = 0
        self.bytes_total = 0

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
        options = self.options
        if options.progress and outcome.done_files:
            options.progress(outcome.done_files)
        self.bytes_read += outcome.bytes_read
        if options.read_progress:
            options.read_progress(self.bytes_read, self.bytes_total)
        checkpoint("tasks-started")

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
            self.bytes_total = sum(item.size for item in changed)
            if self.options.processes > 1 and self.bytes_total >= PARALLEL_MIN_BYTES:
                segments = write_parallel(str(self.generation), changed, known, self.options, WRITER_OPTIONS,
                                          self._account)
            else:
                segments = []
                hashes = KnownHashes(known)
                for task in iter_tasks(changed, self.options):
                    by_id, by_hash = hashes(task.item.key)
                    self._account(process_task(task, by_id, by_hash, self.options, writer.add_document))
            self._finish_files(changed, known)
            if self.options.paths_given and self.report.read_nothing:
                raise NothingToIndex(_nothing_read_message(self.report), self.report)
            # Deletions only see committed segments, never the documents added
            # in this run, so replacing a record is delete-old plus add-new.
            for id_ in self.replaced_ids:
                writer.delete_by_term("id", id_)
            checkpoint("segments-written")
            commit_run(writer, segments, self.store, checkpoint, self.options.processes)
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            self.store.rollback()
            _discard_unfinished(self.generation, self.store)
            raise


def _discard_unfinished(generation: Path, store: Store) -> None:
    """Remove what a failed run wrote into a live generation (its segments, a staged table)."""
    try:
        settle(generation, store, writer=True, remove_orphans=True)
    except (OSError, sqlite3.Error, StaleIndex):
        pass  # the next run settles it


def _nothing_read_message(report: IndexReport) -> str:
    reasons = report.skipped_reasons()
    why = "; ".join(f"{reason}: {count}" for reason, count in reasons.items()) or "no input files"
    shown = ", ".join(item.path for item in report.skipped[:3]) + (", ..." if len(report.skipped) > 3 else "")
    return f"nothing to index: no records could be read ({why})" + (f" from {shown}" if shown else "")


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
        whoosh_generation=0,
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
    read_progress=None,
) -> IndexReport:
    """Index ``paths`` (files or folders; the bundled seeds when empty) into ``index_dir``.

    Incremental unless ``rebuild``: unchanged files are skipped by size and
    modification time (then by content hash), changed records are replaced,
    records of files gone from an indexed folder are removed.  ``stemmer``
    and ``stopwords`` choose the analysis of a new or rebuilt index (default:
    the analyzer's defaults, or the current index's choice when rebuilding);
    giving a different choice for an existing index needs ``rebuild``.
    ``progress(n)`` is called as files are done, after ``progress.total`` is
    set when it has such an attribute; ``read_progress(bytes_read,
    bytes_total)`` as the inputs are read (one big JSON Lines file moves it
    too).  ``read(path, root, reference_date)`` turns one input file into
    ``Record``/``Skipped`` items (default: ingestion's ``read_file``);
    embedders can index their own formats with it.

    Raises ``NothingToIndex`` when ``paths`` were given and nothing could be
    read from them (the index is left as it was), ``IndexWriteError`` when the
    index cannot be written (disk full, read-only place).
    """
    started = time.perf_counter()
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    paths = list(paths)
    options = BuildOptions(
        reference_date=reference_date,
        read=read,
        stemmer=stemmer,
        stopwords=stopwords,
        processes=processes or min(2, os.cpu_count() or 1),
        progress=progress,
        read_progress=read_progress,
        paths_given=bool(paths),
    )
    paths = paths or [bundled_seeds_dir()]
    report = IndexReport(index_dir=str(index_dir))
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        with WriterLock(index_dir) as lock:
            report.notes.extend(lock.notes)
            _update_locked(index_dir, paths, rebuild, options, report)
    except (OSError, sqlite3.OperationalError) as error:
        raise IndexWriteError(_write_error_message(index_dir, error)) from error
    report.seconds = time.perf_counter() - started
    return report


def _write_error_message(index_dir: Path, error: BaseException) -> str:
    number = getattr(error, "errno", None)
    if number in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in str(error):
        what = "the disk is full"
    elif number in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in str(error):
        what = "the place is read-only or not writable"
    else:
        what = getattr(error, "strerror", None) or str(error)
    where = f" ({error.filename})" if getattr(error, "filename", None) else ""
    return f"cannot write the index in {index_dir}: {what}{where}; the index was left as it was"


def _update_locked(index_dir: Path, paths: list, rebuild: bool, options: BuildOptions, report: IndexReport) -> None:
    live = current_generation(index_dir)
    remove_other_generations(index_dir, keep=live)
    previous_meta = {}
    if live is not None:
        store = Store(live)
        try:
            if not rebuild:  # a rebuild replaces the live generation, in step or not
                report.notes.extend(settle(live, store, writer=True))
            previous_meta = store.meta() if rebuild else check_generation(store, index_dir)
        finally:
            store.close()
        stemmer, stopwords = options.stemmer, options.stopwords
        if not rebuild and (
            (stemmer and stemmer != previous_meta.get("stemmer"))
            or (stopwords is not None and int(stopwords) != int(previous_meta.get("stopwords", 1)))
        ):
            raise StaleIndex(
                f"the index in {index_dir} was built with stemmer {previous_meta.get('stemmer')!r} and "
                f"stop words {'on' if previous_meta.get('stopwords') == '1' else 'off'}; to change them run "
                f"`fahras index --rebuild --index {index_dir}` with the new choice"
            )
    stemmer = options.stemmer or previous_meta.get("stemmer") or analysis.DEFAULT_STEMMER
    stopwords = options.stopwords if options.stopwords is not None else previous_meta.get("stopwords", "1") == "1"
    fresh = rebuild or live is None
    report.rebuilt = fresh and live is not None
    generation = None
    try:
        generation = _new_generation(index_dir, stemmer, stopwords) if fresh else live
        store = Store(generation)
        try:
            _update_generation(generation, store, paths, report, options, fresh)
            report.doc_count = store.doc_count()
        finally:
            store.close()
    except BaseException:
        if fresh and generation is not None:
            shutil.rmtree(generation, ignore_errors=True)
        raise
    if fresh:
        checkpoint("generation-complete")
        point_current_at(index_dir, generation)
        checkpoint("current-switched")
        if live is not None:
            remove_other_generations(index_dir, keep=generation)


def _update_generation(generation: Path, store: Store, paths: list, report: IndexReport, options: BuildOptions,
                       fresh: bool) -> None:
    if not fresh:
        # Rows written before docs.actor_types get their types once, with this run's commit.
        store.backfill_actor_types()
    inputs, folders, skipped = discover(paths, options)
    report.skipped.extend(skipped)
    known = store.files()
    changed, same_hash, unchanged, unreadable = file_states(inputs, known, force=fresh)
    report.skipped.extend(unreadable)
    for item in same_hash:
        store.put_file(item.key, item.state)
    counts = store.counts_by_file() if same_hash or unchanged else {}
    report.unchanged += sum(counts.get(item.key, 0) for item in [*same_hash, *unchanged])
    removed = find_removed_files(known, inputs, folders, paths)
    if options.progress is not None and hasattr(options.progress, "total"):
        options.progress.total = len(changed)
    _Run(generation, store, report, options).write(changed, removed)
