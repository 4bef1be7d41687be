"""Index generations: the live one named by ``CURRENT``, switched atomically.

Layout of an index directory::

    <index>/CURRENT          name of the live generation directory (replaced atomically)
    <index>/fahras.lock      writer lock (see ``indexer.storage.lock``)
    <index>/gen-000001/      Whoosh segments + fahras.sqlite (side store, file table, metadata)

A generation's two halves commit as one (``commit_run``): the new Whoosh
table of contents (TOC) is first written under a name Whoosh does not read
(``_STAGED_<n>.toc``), then the side store commits with ``whoosh_generation
= n`` (the commit point), then the staged TOC is renamed into place and
the files no TOC uses are removed.  Whoever finds a staged TOC that the store
names finishes the rename (``settle``); a writer removes any other staged
TOC and unused segment files.  So a crash at any step leaves either the old
TOC and the old store, or (once the rename is done) the new ones.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files

from indexer.errors import StaleIndex
from indexer.storage.whoosh_internals import INDEX_NAME
from indexer.storage.schema import SCHEMA_VERSION
from indexer.storage.store import STORE_FILENAME, Store
from indexer.text import analysis

CURRENT_FILENAME = "CURRENT"
GENERATION_PREFIX = "gen-"
#: Whoosh's index name (its files are ``_MAIN_<n>.toc`` and ``MAIN_<segment>.*``).
WHOOSH_INDEXNAME = INDEX_NAME
#: The index name a TOC is written under before it is live: Whoosh lists only its own name's TOCs.
STAGED_INDEXNAME = "STAGED"
_STAGED_RE = re.compile(rf"^_{STAGED_INDEXNAME}_([0-9]+)\.toc$")


def current_generation(index_dir: Path) -> Path | None:
    """The live generation directory, or None when nothing was built yet."""
    try:
        name = (Path(index_dir) / CURRENT_FILENAME).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    generation = Path(index_dir) / name
    return generation if generation.is_dir() else None


def next_generation(index_dir: Path) -> Path:
    numbers = [
        int(child.name[len(GENERATION_PREFIX):])
        for child in index_dir.iterdir()
        if child.name.startswith(GENERATION_PREFIX) and child.name[len(GENERATION_PREFIX):].isdigit()
    ]
    return index_dir / f"{GENERATION_PREFIX}{max(numbers, default=0) + 1:06d}"


def point_current_at(index_dir: Path, generation: Path) -> None:
    temporary = index_dir / (CURRENT_FILENAME + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(generation.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, index_dir / CURRENT_FILENAME)


def remove_other_generations(index_dir: Path, keep: Path) -> None:
    """Old generations and builds a crash left half done (open readers keep their files on POSIX)."""
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith(GENERATION_PREFIX) and child != keep:
            shutil.rmtree(child, ignore_errors=True)


def check_generation(store: Store, index_dir: Path) -> dict[str, str]:
    """The metadata of a generation, or ``StaleIndex`` when older code built it."""
    meta = store.meta()
    built = (meta.get("schema_version"), meta.get("analyzer_version"))
    wanted = (str(SCHEMA_VERSION), str(analysis.ANALYZER_VERSION))
    if built != wanted:
        raise StaleIndex(
            f"the index in {index_dir} was built by an older Fahras (schema {built[0]}, analyzer {built[1]}; "
            f"this version needs {wanted[0]}, {wanted[1]}): rebuild it with "
            f"`fahras index --rebuild --index {index_dir} [PATH...]`"
        )
    return meta


def indexed_files(index_dir: Path) -> list[Path]:
    """The input files the live generation was built from (read from any schema version's file table)."""
    generation = current_generation(Path(index_dir))
    if generation is None:
        return []
    database = sqlite3.connect((generation / STORE_FILENAME).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return [Path(path) for (path,) in database.execute("SELECT path FROM files")]
    finally:
        database.close()


# --- one commit for the segment table and the side store ---------------------------


def _staged_path(directory: Path, number: int) -> Path:
    return Path(directory) / TOC._filename(STAGED_INDEXNAME, number)


def _publish(directory: Path, number: int) -> None:
    """Rename the staged TOC ``number`` into place (a reader may have done it already)."""
    live = Path(directory) / TOC._filename(WHOOSH_INDEXNAME, number)
    try:
        os.replace(_staged_path(directory, number), live)
    except FileNotFoundError:
        if not live.exists():
            raise


def commit_run(writer, segments: list, store: Store, checkpoint: Callable[[str], None] = lambda step: None,
               processes: int = 1) -> None:
    """Commit a ``FastSegmentWriter``'s run, with other writers' ``segments``, and ``store`` as one.

    ``processes``: how many processes the merge of the fresh segments may use.

    ``checkpoint(step)`` is called between the steps (``toc-staged``,
    ``store-committed``, ``toc-published``): the crash tests stop the process there.
    """
    # What MpWriter does in multisegment mode: the workers' segments join
    # the table of contents as they are, next to the main writer's.
    final = writer._merge_segments(None, False, True)
    fresh = [*segments, *writer.all_new_segments()]
    if len(fresh) > 1:
        # One segment rather than one per worker or per ``flush_docs``: each segment
        # repeats the term table of its vocabulary, the largest part of the index.
        fresh = writer.merged(fresh, processes)
    live_segments = final + fresh
    number = writer.generation
    TOC(writer.schema, live_segments, number).write(writer.storage, STAGED_INDEXNAME)
    checkpoint("toc-staged")
    store.set_meta(whoosh_generation=number)
    store.commit()
    checkpoint("store-committed")
    _publish(Path(writer.storage.folder), number)
    checkpoint("toc-published")
    clean_files(writer.storage, writer.indexname, number, live_segments)
    writer._finish()


def live_toc_generation(directory: Path) -> int:
    return TOC._latest_generation(FileStorage(str(directory)), WHOOSH_INDEXNAME)


def settle(directory: Path, store: Store, *, writer: bool, remove_orphans: bool = False) -> list[str]:
    """Bring a generation's TOC in step with its side store after an interrupted commit.

    Anyone may finish a committed run (rename its staged TOC into place, when
    the directory is writable); a ``writer`` (holding the writer lock) also
    removes staged TOCs the store never committed, and refuses a generation
    whose halves cannot be brought in step.  Segment files no TOC uses are
    removed with ``remove_orphans`` (a failed run cleaning up after itself);
    otherwise the next commit removes them (``commit_run``), which spares
    every run reading the TOC once more.  Returns notes on what was done.
    """
    directory = Path(directory)
    notes = []
    live = live_toc_generation(directory)
    recorded = store.meta().get("whoosh_generation")
    if recorded is not None and int(recorded) != live:
        recorded = int(recorded)
        if recorded > live and _staged_path(directory, recorded).exists():
            try:
                _publish(directory, recorded)
            except OSError:
                if writer:
                    raise
                return notes  # a read-only place: searches read the older table until a writer runs
            live = recorded
            notes.append(f"finished the commit of an interrupted run (segment table {recorded})")
        elif writer:
            raise StaleIndex(
                f"the index in {directory.parent} is out of step: its segment table is at generation {live} "
                f"and its side store at {recorded} (a run was interrupted before this version of Fahras); "
                f"rebuild it with `fahras index --rebuild --index {directory.parent} [PATH...]`"
            )
    if writer:
        leftovers = [child for child in directory.iterdir() if child.name.startswith(f"_{STAGED_INDEXNAME}_")]
        for child in leftovers:
            child.unlink(missing_ok=True)
        if leftovers:
            notes.append("removed the unfinished work of an interrupted run")
    if writer and remove_orphans:
        storage = FileStorage(str(directory))
        clean_files(storage, WHOOSH_INDEXNAME, live, TOC.read(storage, WHOOSH_INDEXNAME, live).segments)
    return notes


def open_store_for_search(generation: Path) -> Store:
    """The side store of a generation, read-only, its TOC brought in step when a committed run left it behind."""
    store = Store(generation, readonly=True)
    try:
        settle(generation, store, writer=False)
    except BaseException:
        store.close()
        raise
    return store
