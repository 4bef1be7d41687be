"""The side store of an index: records' stored fields and the file table.

One SQLite database next to the Whoosh files.  Bulky text (body, original) is
zlib-compressed; the small fields stay plain columns so that the facet arrays
can be loaded with one query.  The ``files`` table remembers, per input file,
its size, modification time and content hash, so that an unchanged file is
skipped without being read or parsed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from indexer.records import Record


@dataclass
class ActorMentions:
    actors: list[str]
    actor_variants: dict[str, list[str]]

STORE_FILENAME = "fahras.sqlite"
ZLIB_LEVEL = 6

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS docs (
    id TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT,
    day INTEGER,
    date_precision TEXT,
    date_origin TEXT,
    url TEXT,
    author TEXT,
    actors TEXT NOT NULL,
    actor_variants TEXT NOT NULL,
    warnings TEXT NOT NULL,
    body BLOB NOT NULL,
    original BLOB
);
CREATE INDEX IF NOT EXISTS docs_file ON docs(file);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class FileState:
    size: int
    mtime_ns: int
    hash: str


def _compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), ZLIB_LEVEL)


def _decompress(blob: bytes | None) -> str | None:
    return None if blob is None else zlib.decompress(blob).decode("utf-8")


def day_number(date: dt.date | None) -> int | None:
    return None if date is None else date.toordinal()


def date_from_day(day: int | None) -> dt.date | None:
    return None if day is None else dt.date.fromordinal(day)


def record_row(record: Record, file: str) -> tuple:
    """The ``docs`` row of a record; ``file`` is the input file's key in the file table."""
    original = record.original if record.original not in (None, record.body) else None
    return (
        record.id,
        file,
        record.path,
        record.content_hash,
        record.title,
        record.source,
        day_number(record.date),
        record.date_precision,
        record.date_origin,
        record.url,
        record.author,
        json.dumps(record.actors, ensure_ascii=False),
        json.dumps(record.actor_variants, ensure_ascii=False),
        json.dumps(record.warnings, ensure_ascii=False),
        _compress(record.body),
        None if original is None else _compress(original),
    )


class Store:
    """Stored fields by record id, plus the file table and index metadata."""

    def __init__(self, directory: Path, readonly: bool = False):
        self.path = Path(directory) / STORE_FILENAME
        if readonly:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            # WAL: searches read the last committed state while an update writes.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA_SQL)
            self.db.commit()

    def close(self) -> None:
        self.db.close()

    # --- metadata ---------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def set_meta(self, **values) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [(k, str(v)) for k, v in values.items()]
        )

    # --- records ----------------------------------------------------------

    def put_rows(self, rows) -> None:
        """Insert rows made by ``record_row`` (possibly in another process)."""
        self.db.executemany("INSERT OR REPLACE INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def delete(self, ids) -> None:
        self.db.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in ids])

    def hashes_for_file(self, file: str) -> dict[str, str]:
        """``id -> content_hash`` of the records that came from one input file."""
        return dict(self.db.execute("SELECT id, content_hash FROM docs WHERE file = ?", (file,)))

    def counts_by_file(self) -> dict[str, int]:
        """How many records each input file gave."""
        return dict(self.db.execute("SELECT file, count(*) FROM docs GROUP BY file"))

    def doc_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def facet_rows(self):
        """``(id, source, day, actors_json)`` for every record."""
        return self.db.execute("SELECT id, source, day, actors FROM docs")

    def actor_mentions(self):
        """``(actors, actor_variants)`` of every record: what ``fahras actors`` merges."""
        for actors, variants in self.db.execute("SELECT actors, actor_variants FROM docs"):
            yield ActorMentions(json.loads(actors), json.loads(variants))

    def summaries(self, ids: list[str]) -> dict[str, dict]:
        """The fields a hit shows (no body), by id."""
        rows = self.db.execute(
            f"SELECT id, path, title, source, day, date_precision, date_origin, url, actors FROM docs "
            f"WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        )
        return {
            row[0]: {
                "path": row[1],
                "title": row[2],
                "source": row[3],
                "date": date_from_day(row[4]),
                "date_precision": row[5],
                "date_origin": row[6],
                "url": row[7],
                "actors": json.loads(row[8]),
            }
            for row in rows
        }

    def bodies(self, ids: list[str]) -> dict[str, str]:
        rows = self.db.execute(f"SELECT id, body FROM docs WHERE id IN ({','.join('?' * len(ids))})", ids)
        return {row[0]: _decompress(row[1]) for row in rows}

    def record(self, id: str) -> Record | None:
        row = self.db.execute("SELECT * FROM docs WHERE id = ?", (id,)).fetchone()
        if row is None:
            return None
        (id_, _file, path, content_hash, title, source, day, precision, origin, url, author, actors, actor_variants,
         warnings, body, original) = row
        return Record(
            id=id_,
            path=path,
            title=title,
            body=_decompress(body),
            source=source,
            date=date_from_day(day),
            date_precision=precision,
            date_origin=origin,
            url=url,
            author=author,
            actors=json.loads(actors),
            actor_variants=json.loads(actor_variants),
            content_hash=content_hash,
            original=_decompress(original),
            warnings=json.loads(warnings),
        )

    # --- files ------------------------------------------------------------

    def files(self) -> dict[str, FileState]:
        return {row[0]: FileState(*row[1:]) for row in self.db.execute("SELECT * FROM files")}

    def put_file(self, path: str, state: FileState) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?)", (path, state.size, state.mtime_ns, state.hash)
        )

    def delete_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()
