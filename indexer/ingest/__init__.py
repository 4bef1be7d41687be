"""Ingestion: from raw article files to clean records with source, date and named actors.

Entry points (the indexer calls ``read_file`` per file, and reads JSON Lines
files in chunks of lines that worker processes turn into records):

* ``iter_records(paths, reference_date=None)`` -> ``Record`` or ``Skipped``, in a stable order;
* ``read_file(path, root=None, reference_date=None, *, stat=None, content_hash=None)`` -> list of
  them for one file (``stat``/``content_hash``: what the caller already knows of the file);
* ``iter_line_chunks(path, lines_per_chunk)`` -> ``LineChunk``s (first line number, lines as
  bytes, bytes read so far, a read error on the last one), and ``chunk_records(chunk, ...)`` ->
  their records, skipping lines whose hash the caller already holds;
* ``record_from_mapping(obj, *, id, path, content_hash, reference_date=None)`` -> one JSON article.

``reference_date`` anchors relative dates ("منذ 6 شهر", "أمس", "أيلول الحالي");
without it a file's modification date is used, and the record says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from indexer.ingest.discover import iter_input_files
from indexer.ingest.readers import (
    LineChunk,
    chunk_records,
    iter_file,
    iter_line_chunks,
    json_line_record,
    read_file,
    record_from_mapping,
)
from indexer.records import Record, Skipped

__all__ = ["iter_records", "read_file", "record_from_mapping", "json_line_record", "iter_file", "iter_line_chunks",
           "chunk_records", "LineChunk"]


def iter_records(paths: Iterable[str | Path], reference_date: dt.date | None = None) -> Iterator[Record | Skipped]:
    """Every record under ``paths`` (files or folders, recursive, hidden ones skipped).

    Bad inputs become ``Skipped`` items with a one-line reason; they never stop the run.
    """
    for path, root in iter_input_files(paths):
        yield from iter_file(path, root, reference_date)
