"""What one indexing run was asked to do: one value passed from ``update_index`` down to the workers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

#: ``read(path, root, reference_date)`` -> ``Record``/``Skipped`` items of one input file.
Reader = Callable[..., list]


@dataclass(frozen=True)
class BuildOptions:
    #: What relative dates count from (None: each file's modification day).
    reference_date: dt.date | None = None
    #: An embedder's reader for its own formats; None: ingestion's, JSON Lines in chunks.
    read: Reader | None = None
    #: The analysis of a new or rebuilt index (resolved against the live index's choice).
    stemmer: str | None = None
    stopwords: bool | None = None
    processes: int = 1
    #: ``progress(files_done)``, with ``progress.total`` (files) set first when it has the attribute.
    progress: Callable[[int], None] | None = None
    #: ``read_progress(bytes_read, bytes_total)`` as the inputs are read (compressed bytes for ``.gz``).
    read_progress: Callable[[int, int], None] | None = None
    #: The paths were given by the caller (not the bundled seeds): reading nothing from them is an error.
    paths_given: bool = True
