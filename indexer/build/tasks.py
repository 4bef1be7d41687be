"""The inputs of a run, which of them changed, and the tasks that read them.

Each input file is looked at once on disk (one ``stat`` at discovery) and
hashed at most once (when its size or modification time changed); the
stat and the hash travel with it to the reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build.options import BuildOptions
from indexer.errors import FahrasError
from indexer.ingest import readers
from indexer.ingest.discover import (
    file_kind,
    iter_input_files,
    record_id_base,
    shown_path,
    stat_input,
    unsupported_reason,
)
from indexer.records import Record, Skipped
from indexer.storage.store import FileState, StoredRecord, record_row

HASH_CHUNK_BYTES = 1 << 20


@dataclass
class InputFile:
    #: Key in the file table: the absolute path.
    key: str
    path: Path
    #: The folder the user named (record ids are relative to it), None for a named file.
    root: Path | None
    stat: os.stat_result
    #: Size, modification time and content hash; set when the file is hashed.
    state: FileState | None = None

    @property
    def size(self) -> int:
        return self.stat.st_size


def discover(paths, options: BuildOptions) -> tuple[list[InputFile], list[Path], list[Skipped]]:
    """Input files under ``paths`` (ingestion's discovery rules), the folders named, and what cannot be read.

    With ingestion's reader, files of a type it does not read are reported
    here, before anything hashes them.
    """
    inputs: list[InputFile] = []
    skipped: list[Skipped] = []
    for path, root in iter_input_files(paths):
        stat, problem = stat_input(path)
        if problem is None and options.read is None and file_kind(path) is None:
            problem = unsupported_reason(path)
        if problem is None:
            inputs.append(InputFile(str(path), path, root, stat))
        else:
            skipped.append(Skipped(shown_path(path), problem))
    folders = [Path(given).expanduser().absolute() for given in paths if Path(given).expanduser().is_dir()]
    return inputs, folders, skipped


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def file_states(inputs: list[InputFile], known: dict[str, FileState], force: bool):
    """Split inputs into changed files, files touched but with the same content, untouched files, and
    files that cannot be read (as ``Skipped``).

    Untouched (same size and modification time) files are not even read; the
    others are hashed and get their new ``state``.
    """
    changed, unchanged_same_hash, unchanged, unreadable = [], [], [], []
    for item in inputs:
        before = known.get(item.key)
        if not force and before and before.size == item.size and before.mtime_ns == item.stat.st_mtime_ns:
            unchanged.append(item)
            continue
        try:
            digest = file_hash(item.path)
        except OSError as error:
            unreadable.append(Skipped(item.key, f"cannot read: {error.strerror or error}"))
            continue
        item.state = FileState(item.size, item.stat.st_mtime_ns, digest)
        if not force and before and before.hash == digest:
            unchanged_same_hash.append(item)
        else:
            changed.append(item)
    return changed, unchanged_same_hash, unchanged, unreadable


def removed_files(known, inputs: list[InputFile], folders: list[Path], paths) -> list[str]:
    """Indexed files that are gone: named again but missing, or no longer under a folder named again."""
    seen = {item.key for item in inputs}
    named_files = {str(Path(p).expanduser().absolute()) for p in paths}
    return [
        key
        for key in known
        if key not in seen and (key in named_files or any(Path(key).is_relative_to(folder) for folder in folders))
    ]


# --- tasks -----------------------------------------------------------------------------


@dataclass
class Task:
    """A unit of work: a whole file, or a chunk of a JSON Lines file's lines."""

    item: InputFile
    chunk: readers.LineChunk | None = None
    #: Input bytes this task accounts for (progress).
    bytes_read: int = 0

    @property
    def last(self) -> bool:
        """The file's last task: its outcome counts the file as done."""
        return self.chunk is None or self.chunk.last


def iter_tasks(changed: list[InputFile], options: BuildOptions) -> Iterator[Task]:
    """Whole files, except JSON Lines files read by ingestion: chunks of ``readers.LINES_PER_CHUNK`` lines."""
    for item in changed:
        if options.read is not None or file_kind(item.path) != "jsonl":
            yield Task(item, bytes_read=item.size)
            continue
        position = 0
        for chunk in readers.iter_line_chunks(item.path, readers.LINES_PER_CHUNK):
            # The last chunk accounts for the whole file, also when reading stopped early.
            end = item.size if chunk.last else chunk.position
            yield Task(item, chunk, bytes_read=max(0, end - position))
            position = end


@dataclass
class Outcome:
    """What one task gave, relative to what the index holds."""

    item: InputFile
    rows: list[StoredRecord] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    #: Ids of records found unchanged (kept) — with the added ones, what is *not* gone.
    kept_ids: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    done_files: int = 0
    bytes_read: int = 0


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


def iter_input(item: InputFile, options: BuildOptions) -> Iterator[Record | Skipped]:
    """The records and skips of one input file, streamed; a reader that fails becomes a skip with its reason."""
    try:
        if options.read is None:
            yield from readers.iter_file(item.path, item.root, options.reference_date, stat=item.stat,
                                         content_hash=item.state.hash if item.state else None)
        else:
            yield from options.read(item.path, item.root, options.reference_date)
    except FahrasError as error:
        yield Skipped(item.key, str(error))
    except (OSError, UnicodeError, ValueError, RecursionError) as error:
        yield Skipped(item.key, f"{type(error).__name__}: {error}")


def _task_records(task: Task, outcome: Outcome, known_by_hash: dict[str, str], options: BuildOptions):
    """The task's records, except JSON lines whose hash the index already holds (counted as kept)."""
    item = task.item
    if task.chunk is None:
        yield from iter_input(item, options)
        return

    def known(digest: str) -> bool:
        kept = known_by_hash.get(digest)
        if kept is not None:
            outcome.kept_ids.append(kept)
        return kept is not None

    reference = readers.json_lines_reference(item.path, options.reference_date, item.stat.st_mtime)
    yield from readers.chunk_records(task.chunk, id_base=record_id_base(item.path, item.root), path=item.key,
                                     reference_date=reference, known=known)


def process_task(task: Task, known: dict[str, str], known_by_hash: dict[str, str], options: BuildOptions,
                 add_document) -> Outcome:
    """Read one task, add its new and changed records with ``add_document``, report the rest."""
    outcome = Outcome(task.item, done_files=int(task.last), bytes_read=task.bytes_read)
    for result in _task_records(task, outcome, known_by_hash, options):
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


class KnownHashes:
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
