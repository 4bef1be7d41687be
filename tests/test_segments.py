"""The fast segment writer and the fused analysis: same bytes and terms as Whoosh's own code."""

from __future__ import annotations

import datetime as dt
import pickle
import random
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.analysis import StopFilter
from whoosh.writing import SegmentWriter

from conftest import ARTICLES
from indexer.storage import blocks, parallel, segments
from indexer.text import analysis
from indexer.build.update import whoosh_fields
from indexer.records import Record
from indexer.storage import schema as schema_module
from indexer.storage.schema import build_schema, fused_chain
from indexer.storage.segments import FastSegmentWriter

#: Words drawn for synthetic articles: stems shared by many documents (multi-block
#: posting lists), stop words, digits, diacritics, tatweel and a Latin word.
VOCABULARY = (
    "الحكومة الحكومات البرلمان العراقي العراق بغداد القاهرة الاقتصاد المصري مصر وزارة الدفاع "
    "في من على إلى أن الذي التي هذا ٢٠٢٤ 2024 مُسيَّرة طائرةٌ الـــعراق Reuters قال قالت "
    "الانتخابات الرئاسية المعارضة الشعب الأمن الأمم المتحدة سوريا دمشق النفط الأسعار"
).split()
ARTICLE_COUNT = 180


def synthetic_records(count: int = ARTICLE_COUNT, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for number in range(count):
        title = " ".join(rng.choices(VOCABULARY, k=rng.randint(2, 8)))
        body = " ".join(rng.choices(VOCABULARY, k=rng.randint(0, 120)))
        record = Record(
            id=f"doc-{number}",
            path=f"doc-{number}",
            title=title,
            body=body,
            source=rng.choice(["الجزيرة", "العربية", None]),
            date=dt.date(2024, 1, 1) + dt.timedelta(days=number % 50) if number % 7 else None,
            actors=rng.sample(["مصر", "العراق", "الأمم المتحدة"], k=number % 3),
            content_hash=str(number),
        )
        records.append(whoosh_fields(record))
    for name, article in ARTICLES.items():
        records.append(whoosh_fields(Record(id=name, path=name, title=article["title"], body=article["body"],
                                            source=article["source"], content_hash=name)))
    return records


def build(directory: Path, writer_class, records: list[dict], **options) -> Path:
    directory.mkdir()
    ix = whoosh_index.create_in(str(directory), build_schema())
    writer = writer_class(ix, compound=False, **options)
    for record in records:
        writer.add_document(**record)
    writer.commit()
    return directory


def segment_files(directory: Path) -> dict[str, bytes]:
    """The segment's files by extension (segment names are random)."""
    found = {}
    for path in directory.iterdir():
        if path.suffix in (".pst", ".trm", ".col"):
            found[path.name.split(".", 1)[1]] = path.read_bytes()
    return found


def _postings_and_statistics(directory: Path) -> dict:
    """Every term's postings and term statistics, as Whoosh's own reader decodes them."""
    found = {}
    with whoosh_index.open_dir(str(directory)).searcher() as searcher:
        reader = searcher.reader()
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value() or None))
                matcher.next()
            info = reader.term_info(fieldname, term)
            found[fieldname, term] = (postings, info.weight(), info.doc_frequency(), info.min_length(),
                                      info.max_length(), info.max_weight(), info.min_id(), info.max_id())
    return found


def _postings_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.iterdir() if path.suffix in (".pst", ".trm"))


@pytest.mark.parametrize("chunk_postings", [segments.FLUSH_CHUNK_POSTINGS, 97])
@pytest.mark.parametrize("inline_postings", [0, 2])
def test_fast_writer_segments_read_back_as_whooshs_own(tmp_path, monkeypatch, chunk_postings, inline_postings):
    monkeypatch.setattr(segments, "FLUSH_CHUNK_POSTINGS", chunk_postings)
    records = synthetic_records()
    expected_dir = build(tmp_path / "whoosh", SegmentWriter, records)
    written_dir = build(tmp_path / "fast", FastSegmentWriter, records, inline_postings=inline_postings)
    expected, written = segment_files(expected_dir), segment_files(written_dir)
    assert set(written) == set(expected) >= {"pst", "trm", "_body_len.col", "date.col"}
    for name, content in expected.items():
        if name.endswith(".col"):
            assert written[name] == content, name
    assert _postings_and_statistics(written_dir) == _postings_and_statistics(expected_dir)
    # Compact pickles: the same postings in well under Whoosh's bytes.
    assert _postings_bytes(written_dir) < 0.8 * _postings_bytes(expected_dir)


def test_compact_blocks_store_whole_weights_as_ints_and_values_as_plain_bytes():
    assert blocks.compact_weights([1.0, 3.0, 2.0]) == (1, 3, 2)
    assert blocks.compact_weights([1.5, 3.0]) == (1.5, 3.0)
    block = ((1, 2), (1, 3), (b"\x01", b"\x02\x05"))
    assert pickle.loads(blocks.compact_pickle(block)) == block
    assert b"_codecs" not in blocks.compact_pickle(block)


def test_short_posting_lists_inlined_in_the_term_table_read_back_the_same(tmp_path):
    records = synthetic_records()
    blocks = build(tmp_path / "blocks", FastSegmentWriter, records, inline_postings=0)
    inlined = build(tmp_path / "inlined", FastSegmentWriter, records, inline_postings=2)
    expected = _postings_and_statistics(blocks)
    assert _postings_and_statistics(inlined) == expected
    assert any(len(postings) <= 2 for postings, *_ in expected.values())
    assert (next(inlined.glob("*.pst")).stat().st_size < next(blocks.glob("*.pst")).stat().st_size)


def test_long_posting_lists_span_several_blocks(tmp_path):
    directory = build(tmp_path / "fast", FastSegmentWriter, synthetic_records())
    with whoosh_index.open_dir(str(directory)).searcher() as searcher:
        matcher = searcher.reader().postings("body", "حكوم")
        assert len(list(matcher.all_ids())) > blocks.BLOCK_POSTINGS


def test_segments_roll_over_every_flush_docs_documents(tmp_path):
    records = synthetic_records()
    single = build(tmp_path / "single", FastSegmentWriter, records)
    rolled = build(tmp_path / "rolled", FastSegmentWriter, records, flush_docs=70)
    ix = whoosh_index.open_dir(str(rolled))
    assert [segment.doc_count_all() for segment in ix._segments()] == [70, 70, len(records) - 140]
    assert ix.doc_count() == len(records)

    def matches(directory, term):
        with whoosh_index.open_dir(str(directory)).searcher() as searcher:
            return sorted(searcher.stored_fields(n)["id"] for n in searcher.reader().postings("body", term).all_ids())

    for term in ("حكوم", "بغداد", "2024", "reuters"):
        assert matches(rolled, term) == matches(single, term)
        assert matches(single, term)


def test_merging_segments_goes_through_the_memory_pool(tmp_path):
    records = synthetic_records(60)
    directory = tmp_path / "merged"
    directory.mkdir()
    ix = whoosh_index.create_in(str(directory), build_schema())
    for part in range(3):
        writer = FastSegmentWriter(ix, compound=False)
        for record in records[part * 20: part * 20 + 20]:
            writer.add_document(**record)
        writer.commit(merge=False)
    assert len(ix._segments()) == 3
    writer = FastSegmentWriter(ix, compound=False)
    writer.commit(optimize=True)
    assert len(ix._segments()) == 1
    expected = build(tmp_path / "whoosh", SegmentWriter, records[:60])
    with ix.searcher() as merged, whoosh_index.open_dir(str(expected)).searcher() as plain:
        for term in ("حكوم", "بغداد", "عراق"):
            assert list(merged.reader().postings("body", term).items_as("positions")) == list(
                plain.reader().postings("body", term).items_as("positions")
            )


def test_writer_refuses_term_vectors(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), fields.Schema(text=fields.TEXT(vector=True)))
    with pytest.raises(ValueError, match="term vectors"):
        FastSegmentWriter(ix)


# --- fused analysis --------------------------------------------------------------


FUSED_TEXTS = [
    "",
    "الحكومة العراقية في بغداد، والحكومة المصرية في القاهرة. الحكومة!",
    "مُسيَّرةٌ الـــعراق ٢٠٢٤ 2024 Reuters لا إلى أنَّ ف ب",
    "الإعلان عن الانتخابات الرئاسية\u200c في الأمم المتحدة، وقال الرئيس إن الانتخابات ستجري",
]


@pytest.mark.parametrize("stemmer", [*analysis.STEMMERS])
@pytest.mark.parametrize("stopwords", [True, False])
@pytest.mark.parametrize("text", FUSED_TEXTS)
def test_fused_postings_equal_the_token_stream(stemmer, stopwords, text):
    schema = build_schema(stemmer=stemmer, stopwords=stopwords)
    for name in ("title", "body", "exact"):
        field = schema[name]
        assert fused_chain(field.analyzer) is not None
        assert sorted(field.index(text)) == sorted(fields.TEXT.index(field, text)), name


def test_other_chains_use_the_token_stream():
    renumbering = analysis.exact_analyzer() | StopFilter(renumber=True)
    assert fused_chain(renumbering) is None
    assert fused_chain(fields.TEXT().analyzer) is None


# --- merging fresh segments ----------------------------------------------------------


def _fresh_segments(directory: Path, parts: list[list[dict]], **options) -> tuple:
    """An empty index plus one uncommitted segment per part, as the indexing workers leave them."""
    directory.mkdir()
    ix = whoosh_index.create_in(str(directory), build_schema())
    made = []
    for part in parts:
        writer = FastSegmentWriter(ix, compound=False, **options)
        for record in part:
            writer.add_document(**record)
        made += writer.all_new_segments()
        writer._finish()
    return ix, made


@pytest.mark.parametrize("inline_postings", [0, 2, 8])
@pytest.mark.parametrize("cuts", [(60,), (1, 100), (90, 91, 150)])
def test_merged_fresh_segments_read_back_as_one_segment_written_at_once(tmp_path, inline_postings, cuts):
    records = synthetic_records()
    bounds = [0, *cuts, len(records)]
    parts = [records[a:b] for a, b in zip(bounds, bounds[1:])]
    ix, made = _fresh_segments(tmp_path / "merged", parts, inline_postings=inline_postings)
    writer = FastSegmentWriter(ix, compound=False, inline_postings=inline_postings)
    writer.merge_fresh(made)
    writer.commit(merge=False)
    assert len(ix._segments()) == 1
    expected = build(tmp_path / "single", FastSegmentWriter, records, inline_postings=inline_postings)
    assert _postings_and_statistics(tmp_path / "merged") == _postings_and_statistics(expected)
    with ix.searcher() as merged, whoosh_index.open_dir(str(expected)).searcher() as single:
        assert [merged.stored_fields(n) for n in range(len(records))] == [
            single.stored_fields(n) for n in range(len(records))]
        for name in ("title", "body", "exact"):
            assert [merged.doc_field_length(n, name) for n in range(len(records))] == [
                single.doc_field_length(n, name) for n in range(len(records))]
    # The sources' files went with the commit.
    assert len({path.name.split(".")[0] for path in (tmp_path / "merged").glob("*.trm")}) == 1


@pytest.mark.parametrize("inline_postings", [0, 2])
def test_a_merge_split_with_a_forked_process_writes_the_same_bytes(tmp_path, monkeypatch, inline_postings):
    from indexer.storage import merge

    monkeypatch.setattr(merge, "PARALLEL_MIN_TERMS", 10)  # every field with 10 terms or more is split
    monkeypatch.setattr(merge, "ENTRIES_PER_WRITE", 7)  # several entry batches on both sides of the cut
    forks = []
    enter = parallel.Forked.__enter__
    monkeypatch.setattr(parallel.Forked, "__enter__", lambda self: forks.append(self.argument) or enter(self))
    records = synthetic_records()
    parts = [records[:70], records[70:120], records[120:]]
    written = {}
    for processes in (1, 2):
        ix, made = _fresh_segments(tmp_path / f"p{processes}", parts, inline_postings=inline_postings)
        writer = FastSegmentWriter(ix, compound=False, inline_postings=inline_postings)
        assert writer.all_new_segments() == []  # as in commit_run: the writer's own empty segment goes first
        writer._commit_toc(writer.merged(made, processes))
        writer._finish()
        written[processes] = segment_files(tmp_path / f"p{processes}")
    assert len(forks) >= 3 and all(forks)  # title, body, exact... each had a second part
    assert written[2] == written[1]
    assert _postings_and_statistics(tmp_path / "p2") == _postings_and_statistics(tmp_path / "p1")


def test_a_failed_forked_merge_part_raises_in_the_parent(tmp_path, monkeypatch):
    from indexer.storage import merge

    def broken(self, terms, folder):
        raise OSError("disk full")

    monkeypatch.setattr(merge, "PARALLEL_MIN_TERMS", 10)
    monkeypatch.setattr(merge._TermMerge, "to_files", broken)
    records = synthetic_records()
    ix, made = _fresh_segments(tmp_path / "ix", [records[:90], records[90:]])
    writer = FastSegmentWriter(ix, compound=False)
    writer.all_new_segments()
    with pytest.raises(RuntimeError, match="disk full"):
        writer.merged(made, 2)
    writer.cancel()


def test_merge_fresh_refuses_a_writer_with_documents_and_segments_with_deletions(tmp_path):
    records = synthetic_records(40)
    ix, made = _fresh_segments(tmp_path / "ix", [records[:20], records[20:]])
    writer = FastSegmentWriter(ix, compound=False)
    writer.add_document(**records[0])
    with pytest.raises(ValueError, match="without documents"):
        writer.merge_fresh(made)
    writer.cancel()


# --- compact formats and term tables ------------------------------------------------------


@pytest.mark.parametrize("positions, encoded", [
    ([0], b"\x00"),
    ([3, 5, 9], b"\x03\x02\x04"),
    ([127, 128], b"\x7f\x01"),
    ([200], b"\xc8\x01"),
    ([5, 20_000], b"\x05\x9b\x9c\x01"),
])
def test_positions_are_stored_as_varint_gaps(positions, encoded):
    format_ = schema_module.CompactPositions()
    assert format_.encode(positions) == encoded
    assert format_.decode_positions(encoded) == positions
    assert format_.decode_frequency(encoded) == len(positions)


def test_frequency_in_weight_has_no_value_and_weighs_the_frequency():
    format_ = schema_module.FrequencyInWeight(field_boost=2.0)
    postings = sorted(format_.word_values("الحكومة الحكومة بغداد", analysis.exact_analyzer()))
    assert postings == [("الحكومه", 2, 4.0, b""), ("بغداد", 1, 2.0, b"")]
    assert not format_.supports("positions") and format_.fixed_value_size() == 0


def test_batched_term_table_writes_equal_whooshs_one_by_one(tmp_path):
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashWriter

    entries = sorted({(f"term{n:05d}".encode() * (1 + n % 3), bytes(range(n % 40))) for n in range(5000)})
    storage = FileStorage(str(tmp_path))
    one_by_one = OrderedHashWriter(storage.create_file("a"))
    for key, value in entries:
        one_by_one.add(key, value)
    one_by_one.close()
    batched = OrderedHashWriter(storage.create_file("b"))
    for start in range(0, len(entries), 777):
        blocks.add_entries(batched, entries[start:start + 777])
    batched.close()
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    disordered = OrderedHashWriter(storage.create_file("c"))
    blocks.add_entries(disordered, [(b"b", b"")])
    with pytest.raises(ValueError, match="increase"):
        blocks.add_entries(disordered, [(b"a", b"")])
    disordered.close()
