"""The side store of an index: records' stored fields and the file table.

One SQLite database next to the Whoosh files.  The fields that queries
select or filter on (id, input file, content hash, source, day, actors) are
plain columns of ``docs``, so the facet arrays load with one query that
reads no text; everything else a record holds (title, path, URL, author,
body, original, ...) is one JSON object per document in ``texts``, stored as
a zstd frame: a hit's summary and snippet come from the same frame, and the
URL slug and the title compress against the body they repeat.  News articles are short, so each is compressed
with a dictionary trained on the index's own first documents (zstd's
``train_dictionary``): 20 % smaller than zlib on its own, in a sixth of the
time.  The dictionary is kept in ``dictionaries`` under the id zstd writes
into every frame, so frames made before, with or without a dictionary, stay
readable.  Pages are 64 KiB: with 4 KiB pages the compressed texts, which
rarely fill a page evenly, wasted a fifth of the file.

The ``files`` table remembers, per input file, its size, modification time
and content hash, so that an unchanged file is skipped without being read or
parsed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sqlite3
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import zstandard

from indexer.records import ACTOR_TYPES, Record


@dataclass
class ActorMentions:
    actors: list[str]
    actor_variants: dict[str, list[str]]
    #: The record's typed entities (``{"name", "type", "mentions"}``): where an actor's type comes from.
    entities: list[dict] = dataclasses.field(default_factory=list)


STORE_FILENAME = "fahras.sqlite"
#: What ``summaries`` gives of each record: a hit's fields.
SUMMARY_FIELDS = ("path", "title", "source", "date", "date_precision", "date_origin", "url", "actors")
#: Ids per ``IN (...)`` query (SQLite's default limit on variables is 32,766 in recent versions, 999 in old ones).
_SQL_VARIABLES = 900
PAGE_SIZE = 65536
ZSTD_LEVEL = 3
#: Documents buffered before a dictionary is trained from their bodies.
DICTIONARY_SAMPLE_DOCS = 2_000
#: Fewer documents than this at a commit are compressed without a dictionary
#: (training on a handful of articles gives a dictionary that mostly costs space).
DICTIONARY_MIN_DOCS = 300
DICTIONARY_BYTES = 110 * 1024

_SCHEMA_SQL = """
-- file: files.number; content_hash: the 32 bytes of a SHA-256 hex digest (text otherwise);
-- actors: actor_names.number of each actor, comma-separated, in the record's order;
-- actor_types: one letter per actor, in the same order (``TYPE_CODES``; NULL in rows written before it).
CREATE TABLE IF NOT EXISTS docs (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    file INTEGER NOT NULL,
    content_hash BLOB NOT NULL,
    source TEXT,
    day INTEGER,
    actors TEXT NOT NULL,
    actor_types TEXT
);
CREATE INDEX IF NOT EXISTS docs_file ON docs(file);
CREATE TABLE IF NOT EXISTS actor_names (number INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- data: the zstd frame of a JSON object with the record's other fields (``record_row``).
CREATE TABLE IF NOT EXISTS texts (doc INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS dictionaries (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    number INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
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


def day_number(date: dt.date | None) -> int | None:
    return None if date is None else date.toordinal()


def date_from_day(day: int | None) -> dt.date | None:
    return None if day is None else dt.date.fromordinal(day)


def packed_hash(content_hash: str) -> bytes | str:
    """A hex digest as its bytes (half the space); anything else as it is."""
    try:
        return bytes.fromhex(content_hash)
    except ValueError:
        return content_hash


def unpacked_hash(stored: bytes | str) -> str:
    return stored.hex() if isinstance(stored, bytes) else stored


def _unchanged(value):
    return value


#: An actor's type as one letter of ``docs.actor_types`` (``-``: the record does not say).
TYPE_CODES = {"person": "p", "organisation": "o", "place": "l"}
UNKNOWN_TYPE_CODE = "-"
_CODE_TYPES = {code: name for name, code in TYPE_CODES.items()}
assert set(TYPE_CODES) == set(ACTOR_TYPES)


def actor_type_codes(actors: list[str], entities) -> str:
    """``docs.actor_types`` of a record: each actor's type (from its ``entities``) as one letter."""
    types = {entity.get("name"): entity.get("type") for entity in entities or () if isinstance(entity, dict)}
    return "".join(TYPE_CODES.get(types.get(name), UNKNOWN_TYPE_CODE) for name in actors)


def actor_types_of(codes: str) -> list[str | None]:
    """Undo ``actor_type_codes``: each actor's type, None where unknown."""
    return [_CODE_TYPES.get(code) for code in codes]


def compact_variants(actor_variants: dict[str, list[str]]) -> dict[str, list[str]]:
    """Only the actors found under other spellings than their own name (most are not)."""
    return {name: forms for name, forms in actor_variants.items() if forms != [name]}


def expand_variants(actors: list[str], stored: dict[str, list[str]]) -> dict[str, list[str]]:
    """Undo ``compact_variants``: every actor, in order, with its spellings."""
    variants = {name: stored.get(name, [name]) for name in actors}
    variants.update((name, forms) for name, forms in stored.items() if name not in variants)
    return variants


# --- Record <-> stored row, declared once by field name --------------------------------


@dataclass(frozen=True)
class Column:
    """A ``Record`` field kept as a ``docs`` column."""

    field: str
    to_stored: Callable = _unchanged
    from_stored: Callable = _unchanged


#: ``docs`` column -> the Record field it holds: what queries select and filter on.
#: ``actors`` become numbers of ``actor_names`` (and back) in the store itself.
COLUMNS = {
    "id": Column("id"),
    "content_hash": Column("content_hash", packed_hash, unpacked_hash),
    "source": Column("source"),
    "day": Column("date", day_number, date_from_day),
    "actors": Column("actors"),
}
_RECORD_FIELDS = {item.name: item for item in dataclasses.fields(Record)}
_COLUMN_FIELDS = {column.field for column in COLUMNS.values()}
#: Every other Record field goes into the compressed frame, by name: a field added to
#: ``Record`` is stored and read back with no change here.
FRAME_FIELDS = tuple(name for name in _RECORD_FIELDS if name not in _COLUMN_FIELDS)
_DATE_FIELDS = {name for name, hint in typing.get_type_hints(Record).items()
                if dt.date in (typing.get_args(hint) or (hint,))}


def _field_default(name: str):
    item = _RECORD_FIELDS[name]
    if item.default is not dataclasses.MISSING:
        return item.default
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return None


def _frame_fields(record: Record) -> dict:
    """The frame's fields of a record; those at their default are left out (read back as the default)."""
    frame = {}
    for name in FRAME_FIELDS:
        value = getattr(record, name)
        if name == "original" and value == record.body:
            value = None  # the body is the original text
        elif name == "actor_variants":
            value = compact_variants(value)
        elif name in _DATE_FIELDS and value is not None:
            value = value.isoformat()
        if value != _field_default(name) or _RECORD_FIELDS[name].default is dataclasses.MISSING:
            frame[name] = value
    return frame


def _record_from(columns: dict, frame: dict) -> Record:
    """A ``Record`` from its ``docs`` columns (actors already names) and its frame's fields."""
    values = {column.field: column.from_stored(columns[name]) for name, column in COLUMNS.items()}
    for name in FRAME_FIELDS:
        value = frame[name] if name in frame else _field_default(name)
        if name in _DATE_FIELDS and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        values[name] = value
    values["actor_variants"] = expand_variants(values["actors"], values["actor_variants"] or {})
    return Record(**values)


#: A document as the store gives it back: the ``Record`` that was stored, attribute access by field name.
StoredDocument = Record


@dataclass
class StoredRecord:
    """A record's ``docs`` columns (by name) and the JSON of its frame, ready for ``Store.put_rows``.

    Made in the worker processes (JSON encoding is not free); compressed by
    the store, which owns the dictionary.
    """

    columns: dict
    details: str

    @property
    def id(self) -> str:
        return self.columns["id"]


def record_row(record: Record, file: str) -> StoredRecord:
    """What the store keeps of a record; ``file`` is the input file's key in the file table."""
    columns = {name: column.to_stored(getattr(record, column.field)) for name, column in COLUMNS.items()}
    columns["file"] = file
    columns["actor_types"] = actor_type_codes(record.actors, record.entities)
    return StoredRecord(columns, json.dumps(_frame_fields(record), ensure_ascii=False))


class TextCodec:
    """zstd frames, with the store's dictionary once one is trained."""

    def __init__(self, dictionaries: dict[int, bytes]):
        self._dictionaries = {id_: zstandard.ZstdCompressionDict(data) for id_, data in dictionaries.items()}
        self._decompressors: dict[int, zstandard.ZstdDecompressor] = {}
        self._compressor = self._make_compressor(max(self._dictionaries, default=None))

    @property
    def has_dictionary(self) -> bool:
        return bool(self._dictionaries)

    def _make_compressor(self, dictionary_id: int | None) -> zstandard.ZstdCompressor:
        dictionary = None if dictionary_id is None else self._dictionaries[dictionary_id]
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dictionary, write_checksum=False,
                                        write_content_size=True, write_dict_id=True)

    def train(self, samples: list[str]) -> tuple[int, bytes] | None:
        """Train a dictionary on ``samples`` and compress with it from now on; None if zstd cannot."""
        try:
            dictionary = zstandard.train_dictionary(DICTIONARY_BYTES, [s.encode("utf-8") for s in samples if s])
        except zstandard.ZstdError:
            return None
        id_ = dictionary.dict_id()
        self._dictionaries[id_] = dictionary
        self._compressor = self._make_compressor(id_)
        return id_, dictionary.as_bytes()

    def compress(self, text: str) -> bytes:
        return self._compressor.compress(text.encode("utf-8"))

    def decompress(self, frame: bytes) -> str:
        id_ = zstandard.get_frame_parameters(frame).dict_id
        decompressor = self._decompressors.get(id_)
        if decompressor is None:
            decompressor = self._decompressors[id_] = zstandard.ZstdDecompressor(
                dict_data=self._dictionaries[id_] if id_ else None)
        return decompressor.decompress(frame).decode("utf-8")


class Store:
    """Stored fields by record id, plus the file table and index metadata."""

    def __init__(self, directory: Path, readonly: bool = False):
        self.path = Path(directory) / STORE_FILENAME
        if readonly:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            if not os.access(self.path.parent, os.W_OK):
                # Nobody can change it (a read-only mount or folder), and SQLite could not create
                # the lock and WAL-index files it otherwise wants beside the database.
                uri += "&immutable=1"
            self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            # Page size first: it only applies before the database has content.
            self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            # WAL: searches read the last committed state while an update writes.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA_SQL)
            if not self._has_actor_types():  # a store made before actor types: its rows read NULL
                self.db.execute("ALTER TABLE docs ADD COLUMN actor_types TEXT")
            self.db.commit()
        self.codec = TextCodec(dict(self.db.execute("SELECT id, data FROM dictionaries")))
        self._pending: list[StoredRecord] = []
        self._actor_names: list[str | None] = []
        self._actor_numbers: dict[str, int] = {}
        self._file_numbers: dict[str, int] = {}

    def close(self) -> None:
        self.db.close()

    def _has_actor_types(self) -> bool:
        return any(row[1] == "actor_types" for row in self.db.execute("PRAGMA table_info(docs)"))

    # --- metadata ---------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def set_meta(self, **values) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [(k, str(v)) for k, v in values.items()]
        )

    # --- records ----------------------------------------------------------

    def put_rows(self, rows: list[StoredRecord]) -> None:
        """Insert or replace records made by ``record_row`` (possibly in another process).

        Until the store has a dictionary, records wait (in memory, at most
        ``DICTIONARY_SAMPLE_DOCS``) for enough bodies to train one on.
        """
        if self.codec.has_dictionary:
            self._write(rows)
            return
        self._pending.extend(rows)
        if len(self._pending) >= DICTIONARY_SAMPLE_DOCS:
            self._write_pending()

    def _write_pending(self) -> None:
        pending, self._pending = self._pending, []
        if not self.codec.has_dictionary and len(pending) >= DICTIONARY_MIN_DOCS:
            trained = self.codec.train([row.details for row in pending])
            if trained is not None:
                self.db.execute("INSERT OR REPLACE INTO dictionaries(id, data) VALUES (?, ?)", trained)
        self._write(pending)

    def _write(self, rows: list[StoredRecord]) -> None:
        compress = self.codec.compress
        self.delete([row.id for row in rows])
        names = [*COLUMNS, "file", "actor_types"]
        insert = f"INSERT INTO docs({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        for row in rows:
            columns = dict(row.columns, file=self._file_number(row.columns["file"]),
                           actors=self._encode_actors(row.columns["actors"]))
            cursor = self.db.execute(insert, [columns[name] for name in names])
            self.db.execute("INSERT INTO texts(doc, data) VALUES (?, ?)", (cursor.lastrowid, compress(row.details)))

    def _file_number(self, path: str) -> int:
        """The number of an input file, entered in the file table if new (``put_file`` fills in its state)."""
        number = self._file_numbers.get(path)
        if number is None:
            self.db.execute("INSERT OR IGNORE INTO files(path, size, mtime_ns, hash) VALUES (?, -1, -1, '')", (path,))
            number = self._file_numbers[path] = self.db.execute(
                "SELECT number FROM files WHERE path = ?", (path,)).fetchone()[0]
        return number

    def _encode_actors(self, names: list[str]) -> str:
        numbers = []
        for name in names:
            number = self._actor_numbers.get(name)
            if number is None:
                self.db.execute("INSERT OR IGNORE INTO actor_names(name) VALUES (?)", (name,))
                number = self._actor_numbers[name] = self.db.execute(
                    "SELECT number FROM actor_names WHERE name = ?", (name,)).fetchone()[0]
            numbers.append(str(number))
        return ",".join(numbers)

    def _decode_actors(self, encoded: str) -> list[str]:
        if not encoded:
            return []
        names = self._actor_names
        numbers = [int(number) for number in encoded.split(",")]
        if max(numbers) >= len(names) or any(names[number] is None for number in numbers):
            # Names entered since the table was read (by another process's update).
            names = self._actor_names = [None] * (1 + self.db.execute(
                "SELECT coalesce(max(number), 0) FROM actor_names").fetchone()[0])
            for number, name in self.db.execute("SELECT number, name FROM actor_names"):
                names[number] = name
        return [names[number] for number in numbers]

    def delete(self, ids) -> None:
        ids = [(i,) for i in ids]
        self.db.executemany("DELETE FROM texts WHERE doc = (SELECT key FROM docs WHERE id = ?)", ids)
        self.db.executemany("DELETE FROM docs WHERE id = ?", ids)
        pending = {i for (i,) in ids}
        self._pending = [row for row in self._pending if row.id not in pending]

    def hashes_for_file(self, file: str) -> dict[str, str]:
        """``id -> content_hash`` of the records that came from one input file."""
        rows = self.db.execute("SELECT docs.id, docs.content_hash FROM docs JOIN files ON files.number = docs.file "
                               "WHERE files.path = ?", (file,))
        return {id_: unpacked_hash(content_hash) for id_, content_hash in rows}

    def counts_by_file(self) -> dict[str, int]:
        """How many records each input file gave."""
        return dict(self.db.execute("SELECT files.path, count(*) FROM docs JOIN files ON files.number = docs.file "
                                    "GROUP BY docs.file"))

    def doc_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def facet_rows(self):
        """``(id, source, day, actor names, actor types)`` for every record; a type is ``person``,
        ``organisation``, ``place`` or None (unknown).

        Rows written before ``docs.actor_types`` existed take their types from their frame's
        ``entities`` (slower, and only until the record is written again).
        """
        decode = self._decode_actors
        types = "actor_types" if self._has_actor_types() else "NULL"
        untyped = {}
        for key, id_, source, day, actors, codes in self.db.execute(
                f"SELECT key, id, source, day, actors, {types} FROM docs"):
            names = decode(actors)
            if codes is None and names:
                untyped[key] = (id_, source, day, names)
                continue
            yield id_, source, day, names, actor_types_of(codes or "")
        for key, codes in self._codes_from_frames([(key, row[3]) for key, row in untyped.items()]):
            id_, source, day, names = untyped[key]
            yield id_, source, day, names, actor_types_of(codes)

    def backfill_actor_types(self) -> int:
        """Fill ``docs.actor_types`` of rows written before it, from their frames' ``entities``; how many were filled.

        Such rows otherwise read their frames at every index load (``facet_rows``).
        For a writer; committed by the caller.
        """
        untyped = [(key, names) for key, encoded in self.db.execute(
            "SELECT key, actors FROM docs WHERE actor_types IS NULL AND actors != ''")
            if (names := self._decode_actors(encoded))]
        self.db.executemany("UPDATE docs SET actor_types = ? WHERE key = ?",
                            [(codes, key) for key, codes in self._codes_from_frames(untyped)])
        return len(untyped)

    def _codes_from_frames(self, rows: list[tuple[int, list[str]]]) -> Iterator[tuple[int, str]]:
        """``(key, docs.actor_types)`` of ``(key, actor names)`` rows, from their frames' ``entities``."""
        for offset in range(0, len(rows), _SQL_VARIABLES):
            batch = rows[offset: offset + _SQL_VARIABLES]
            frames = dict(self.db.execute(f"SELECT doc, data FROM texts WHERE doc IN ({','.join('?' * len(batch))})",
                                          [key for key, _names in batch]))
            for key, names in batch:
                frame = frames.get(key)
                entities = json.loads(self.codec.decompress(frame)).get("entities") if frame is not None else None
                yield key, actor_type_codes(names, entities)

    def actor_mentions(self):
        """``(actors, actor_variants, entities)`` of every record: what ``fahras actors`` merges."""
        rows = self.db.execute("SELECT docs.actors, texts.data FROM docs JOIN texts ON texts.doc = docs.key "
                               "WHERE docs.actors != ''")
        for actors, data in rows:
            actors = self._decode_actors(actors)
            frame = json.loads(self.codec.decompress(data))
            stored = frame.get("actor_variants") or {}
            yield ActorMentions(actors, expand_variants(actors, stored), list(frame.get("entities") or []))

    def records(self, ids: Iterable[str]) -> list[StoredDocument]:
        """The stored records with these ids, in the order asked (ids not stored are left out)."""
        ids = list(ids)
        names = list(COLUMNS)
        found = {}
        for offset in range(0, len(ids), _SQL_VARIABLES):
            batch = ids[offset: offset + _SQL_VARIABLES]
            rows = self.db.execute(
                f"SELECT {', '.join('docs.' + name for name in names)}, texts.data FROM docs "
                f"JOIN texts ON texts.doc = docs.key WHERE docs.id IN ({','.join('?' * len(batch))})",
                batch,
            )
            for *values, data in rows:
                columns = dict(zip(names, values))
                columns["actors"] = self._decode_actors(columns["actors"])
                found[columns["id"]] = _record_from(columns, json.loads(self.codec.decompress(data)))
        return [found[id_] for id_ in ids if id_ in found]

    def record(self, id: str) -> StoredDocument | None:
        found = self.records([id])
        return found[0] if found else None

    def summaries(self, ids: list[str]) -> dict[str, dict]:
        """The fields a hit shows (no body), by id."""
        return {
            record.id: {name: getattr(record, name) for name in SUMMARY_FIELDS}
            for record in self.records(ids)
        }

    def bodies(self, ids: list[str]) -> dict[str, str]:
        return {record.id: record.body for record in self.records(ids)}

    # --- files ------------------------------------------------------------

    def files(self) -> dict[str, FileState]:
        return {row[0]: FileState(*row[1:]) for row in self.db.execute("SELECT path, size, mtime_ns, hash FROM files")}

    def put_file(self, path: str, state: FileState) -> None:
        # An upsert, not a replace: the file keeps its number, which its records hold.
        self.db.execute(
            "INSERT INTO files(path, size, mtime_ns, hash) VALUES (?,?,?,?) ON CONFLICT(path) DO UPDATE SET "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, hash = excluded.hash",
            (path, state.size, state.mtime_ns, state.hash),
        )

    def delete_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        self._file_numbers.pop(path, None)

    def commit(self) -> None:
        if self._pending:
            self._write_pending()
        self.db.commit()

    def rollback(self) -> None:
        self._pending = []
        # Numbers handed out in the rolled-back transaction are gone with it.
        self._actor_numbers.clear()
        self._file_numbers.clear()
        self.db.rollback()
