"""Index generations: the live one named by ``CURRENT``, switched atomically.

Layout of an index directory::

    <index>/CURRENT          name of the live generation directory (replaced atomically)
    <index>/fahras.lock      writer lock (see ``indexer.storage.lock``)
    <index>/gen-000001/      Whoosh segments + fahras.sqlite (side store, file table, metadata)
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from indexer.errors import StaleIndex
from indexer.storage.schema import SCHEMA_VERSION
from indexer.storage.store import STORE_FILENAME, Store
from indexer.text import analysis

CURRENT_FILENAME = "CURRENT"
GENERATION_PREFIX = "gen-"


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
