"""Finding the input files under the paths a user gives."""

from __future__ import annotations

import errno
import os
import stat as stat_module
from collections.abc import Iterable, Iterator
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json",)
JSON_LINES_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES + JSON_LINES_SUFFIXES


def file_kind(path: str | Path) -> str | None:
    """``text``, ``html``, ``json``, ``jsonl`` or None, from the file name."""
    name = str(path).lower()
    for kind, suffixes in (
        ("jsonl", JSON_LINES_SUFFIXES),
        ("json", JSON_SUFFIXES),
        ("html", HTML_SUFFIXES),
        ("text", TEXT_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


UNSUPPORTED_PREFIX = "unsupported file type "


def unsupported_reason(path: str | Path) -> str:
    """Why a file of a type ingestion does not read is skipped (one reason per file type)."""
    return f"{UNSUPPORTED_PREFIX}{unsupported_type(path)!r} (reads {' '.join(SUPPORTED_SUFFIXES)})"


def unsupported_type(path: str | Path) -> str:
    return Path(path).suffix or "(no extension)"


def is_hidden(name: str) -> bool:
    return name.startswith(".")


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path | None]]:
    """Yield ``(file, root)`` pairs: ``root`` is the folder the user gave (ids are
    relative to it), None when the user named the file itself.

    Folders are walked recursively in sorted order so ids and record order are
    stable across runs; hidden files and folders are skipped.  Paths that do
    not exist are yielded as-is and reported by the reader.
    """
    for given in paths:
        path = Path(given).expanduser()
        if not path.is_dir():
            yield path.absolute(), None
            continue
        root = path.absolute()
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(name for name in subfolders if not is_hidden(name))
            for name in sorted(files):
                if not is_hidden(name):
                    yield Path(folder) / name, root


def record_id_base(path: Path, root: Path | None) -> str:
    """The id of a file's record: its path relative to the given folder, with
    forward slashes on every platform, or its name when the file was given."""
    if root is None:
        return path.name
    return path.relative_to(root).as_posix()


def shown_path(path: str | Path) -> str:
    """A path as it can be printed and stored: bytes that are not UTF-8 as ``\\xNN`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def stat_input(path: Path) -> tuple[os.stat_result | None, str | None]:
    """``(stat, None)`` for a readable regular file, else ``(None, why not)`` in a few words."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return None, "file name is not valid UTF-8"
    try:
        found = path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return None, "symlink loop"
        if error.errno == errno.ENOENT:
            return None, "not found"
        return None, f"cannot read: {error.strerror or error}"
    if not stat_module.S_ISREG(found.st_mode):
        return None, "not a regular file"
    return found, None
