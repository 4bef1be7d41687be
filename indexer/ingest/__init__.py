"""Ingestion: from raw article files to clean records with source, date and named actors.

Entry points (the indexer may call ``read_file`` per file, or
``record_from_mapping`` / ``json_line_record`` per chunk of JSON lines, from
worker processes):

* ``iter_records(paths, reference_date=None)`` -> ``Record`` or ``Skipped``, in a stable order;
* ``read_file(path, root=None, reference_date=None)`` -> list of them for one file;
* ``record_from_mapping(obj, *, id, path, content_hash, reference_date=None)`` -> one JSON article.

``reference_date`` anchors relative dates ("منذ 6 شهر", "أمس", "أيلول الحالي");
without it a file's modification date is used, and the record says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from indexer.ingest.discover import iter_input_files
from indexer.ingest.readers import iter_file, json_line_record, read_file, record_from_mapping
from indexer.records import Record, Skipped

__all__ = ["iter_records", "read_file", "record_from_mapping", "json_line_record", "iter_file"]


def iter_records(paths: Iterable[str | Path], reference_date: dt.date | None = None) -> Iterator[Record | Skipped]:
    """Every record under ``paths`` (files or folders, recursive, hidden ones skipped).

    Bad inputs become ``Skipped`` items with a one-line reason; they never stop the run.
    """
    for path, root in iter_input_files(paths):
        yield from iter_file(path, root, reference_date)
