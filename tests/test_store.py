"""The side store: compressed texts with a trained dictionary, numbered files and actors."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.storage import store as store_module
from indexer.records import Record
from indexer.storage.store import FileState, Store, packed_hash, record_row, unpacked_hash

WORDS = ("الحكومة العراقية أعلنت اليوم في بغداد أن القوات الأمريكية ستغادر البلاد بعد مفاوضات طويلة "
         "مع واشنطن وقال المتحدث باسم وزارة الدفاع إن الاتفاق يشمل جدولا زمنيا").split()


def make_record(number: int, body: str | None = None, actors=("العراق", "الولايات المتحدة")) -> Record:
    words = [WORDS[(number * 7 + i) % len(WORDS)] for i in range(60 + number % 40)]
    return Record(
        id=f"news.jsonl#{number}",
        path=f"/data/news.jsonl#{number}",
        title=" ".join(words[:6]),
        body=body if body is not None else " ".join(words),
        source="Al-Mada",
        date=dt.date(2024, 7, 1) + dt.timedelta(days=number % 30),
        date_precision="day",
        date_origin="text",
        url=f"https://example.org/{number}",
        author="تميم الحسن",
        actors=list(actors),
        actor_variants={name: ["أمريكا", name] if name == "الولايات المتحدة" else [name] for name in actors},
        content_hash=f"{number:064x}",
        original=None,
        warnings=["date is the crawl time given in the metadata"],
    )


def put(store: Store, records, file="/data/news.jsonl") -> None:
    store.put_rows([record_row(record, file) for record in records])
    store.put_file(file, FileState(size=1, mtime_ns=1, hash="h"))
    store.commit()


def test_records_read_back_whole(tmp_path):
    store = Store(tmp_path)
    records = [make_record(n) for n in range(3)]
    put(store, records)
    for record in records:
        assert store.record(record.id) == record
    summary = store.summaries([records[1].id])[records[1].id]
    assert summary["title"] == records[1].title and summary["actors"] == ["العراق", "الولايات المتحدة"]
    assert store.bodies([records[2].id]) == {records[2].id: records[2].body}


def test_a_dictionary_is_trained_once_enough_documents_arrive_and_older_frames_stay_readable(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "DICTIONARY_MIN_DOCS", 50)
    monkeypatch.setattr(store_module, "DICTIONARY_SAMPLE_DOCS", 200)
    store = Store(tmp_path)
    put(store, [make_record(n) for n in range(10)])  # too few: no dictionary
    assert not store.codec.has_dictionary
    put(store, [make_record(n) for n in range(10, 400)])
    assert store.codec.has_dictionary
    assert store.db.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 1
    store.close()
    reopened = Store(tmp_path, readonly=True)
    for number in (3, 250, 399):
        assert reopened.record(f"news.jsonl#{number}") == make_record(number)


def test_dictionary_frames_are_smaller_than_plain_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "DICTIONARY_MIN_DOCS", 50)
    records = [make_record(n) for n in range(400)]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain, trained = Store(tmp_path / "a"), Store(tmp_path / "b")
    monkeypatch.setattr(store_module, "DICTIONARY_MIN_DOCS", 10**9)
    put(plain, records)
    monkeypatch.setattr(store_module, "DICTIONARY_MIN_DOCS", 50)
    put(trained, records)

    def text_bytes(store):
        return store.db.execute("SELECT sum(length(data)) FROM texts").fetchone()[0]

    assert text_bytes(trained) < 0.8 * text_bytes(plain)


def test_waiting_records_can_be_deleted_or_rolled_back(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "DICTIONARY_SAMPLE_DOCS", 1000)
    store = Store(tmp_path)
    store.put_rows([record_row(make_record(n), "/data/news.jsonl") for n in range(5)])
    store.delete(["news.jsonl#2"])
    store.commit()
    assert store.doc_count() == 4 and store.record("news.jsonl#2") is None
    store.put_rows([record_row(make_record(9), "/data/news.jsonl")])
    store.rollback()
    store.commit()
    assert store.record("news.jsonl#9") is None


def test_replacing_a_record_leaves_one_copy_and_its_new_text(tmp_path):
    store = Store(tmp_path)
    put(store, [make_record(1)])
    put(store, [make_record(1, body="نص جديد")])
    assert store.doc_count() == 1
    assert store.record("news.jsonl#1").body == "نص جديد"
    assert store.db.execute("SELECT count(*) FROM texts").fetchone()[0] == 1


def test_files_keep_their_number_when_their_state_changes(tmp_path):
    store = Store(tmp_path)
    put(store, [make_record(1), make_record(2)], file="/data/a.jsonl")
    put(store, [make_record(3)], file="/data/b.jsonl")
    store.put_file("/data/a.jsonl", FileState(size=9, mtime_ns=9, hash="new"))
    store.commit()
    assert store.files()["/data/a.jsonl"] == FileState(9, 9, "new")
    assert store.hashes_for_file("/data/a.jsonl") == {"news.jsonl#1": f"{1:064x}", "news.jsonl#2": f"{2:064x}"}
    assert store.counts_by_file() == {"/data/a.jsonl": 2, "/data/b.jsonl": 1}


def test_a_reader_sees_actor_names_entered_after_it_opened(tmp_path):
    writer = Store(tmp_path)
    put(writer, [make_record(1)])
    reader = Store(tmp_path, readonly=True)
    assert [row[3] for row in reader.facet_rows()] == [["العراق", "الولايات المتحدة"]]
    put(writer, [make_record(2, actors=("حركة النجباء",))])
    assert sorted(tuple(row[3]) for row in reader.facet_rows()) == [
        ("العراق", "الولايات المتحدة"), ("حركة النجباء",)]


def test_actor_spellings_are_stored_only_where_they_differ(tmp_path):
    store = Store(tmp_path)
    put(store, [make_record(1)])
    mention, = store.actor_mentions()
    assert mention.actor_variants == {"العراق": ["العراق"], "الولايات المتحدة": ["أمريكا", "الولايات المتحدة"]}


@pytest.mark.parametrize("content_hash, stored", [
    ("00ff" * 16, bytes.fromhex("00ff" * 16)),
    ("not hex", "not hex"),
    ("abc", "abc"),
])
def test_content_hashes_are_kept_as_bytes_when_they_are_hex(content_hash, stored):
    assert packed_hash(content_hash) == stored
    assert unpacked_hash(packed_hash(content_hash)) == content_hash


def test_every_record_field_is_stored_by_name_and_comes_back(tmp_path):
    from dataclasses import fields

    from indexer.storage.store import COLUMNS, FRAME_FIELDS

    stored = set(FRAME_FIELDS) | {column.field for column in COLUMNS.values()}
    assert stored == {item.name for item in fields(Record)}
    store = Store(tmp_path)
    record = make_record(4)
    record.title_derived = True  # a field the frame did not hold before it stored fields by name
    put(store, [record])
    assert store.record(record.id) == record
    assert store.records(["nope", record.id]) == [record]


def test_a_frame_without_a_field_reads_back_the_field_default(tmp_path):
    import json

    store = Store(tmp_path)
    record = make_record(5)
    put(store, [record])
    old_frame = {"title": record.title, "path": record.path, "body": record.body}  # as an older version wrote it
    store.db.execute("UPDATE texts SET data = ?", (store.codec.compress(json.dumps(old_frame, ensure_ascii=False)),))
    store.commit()
    read = store.record(record.id)
    assert (read.title, read.body, read.source, read.actors) == (record.title, record.body, "Al-Mada", record.actors)
    assert (read.warnings, read.author, read.original, read.title_derived) == ([], None, None, False)
    assert read.actor_variants == {name: [name] for name in record.actors}
