"""Building and updating an index: incremental runs, rebuild swap, locks, stale schemas."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from conftest import ARTICLES, write_articles
from indexer import IndexLocked, IndexNotFound, StaleIndex, open_index, update_index
from indexer.errors import NothingToIndex
from indexer import config
from indexer.build import update as index_module
from indexer.ingest import readers
from indexer.storage.generations import current_generation
from indexer.storage.lock import LOCK_FILENAME
from indexer.storage.store import Store


@pytest.fixture()
def corpus(tmp_path):
    return write_articles(tmp_path / "corpus")


def build(corpus, index_dir, reader, **kwargs):
    return update_index([corpus], index_dir, read=reader, processes=1, **kwargs)


def test_first_run_adds_everything_then_nothing_changes(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, article_reader)
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    assert first.doc_count == 5
    again = build(corpus, index_dir, article_reader)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)
    assert open_index(index_dir).doc_count == 5


def test_changed_new_and_removed_files(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    changed = dict(ARTICLES["economy.json"], title="الاقتصاد التونسي يتعافى")
    (corpus / "economy.json").write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    (corpus / "isis.json").unlink()
    (corpus / "sub").mkdir()
    (corpus / "sub" / "new.json").write_text(
        json.dumps(dict(ARTICLES["drone.json"], title="خبر جديد عن تونس"), ensure_ascii=False), encoding="utf-8"
    )
    report = build(corpus, index_dir, article_reader)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 3)
    index = open_index(index_dir)
    assert index.doc_count == 5
    assert {hit.id for hit in index.search("تونس").hits} == {"economy.json", "sub/new.json"}
    assert index.search("تفجير").total == 0
    assert index.search("القاهرة").total == 1  # the body did not change


def test_touched_but_identical_file_is_not_reindexed(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    os.utime(corpus / "drone.json", ns=(1, 1))
    report = build(corpus, index_dir, article_reader)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 5)


def test_an_open_index_sees_updates(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    index = open_index(index_dir)
    assert index.search("تونس").total == 0
    (corpus / "tunis.json").write_text(
        json.dumps(dict(ARTICLES["drone.json"], title="تونس"), ensure_ascii=False), encoding="utf-8"
    )
    build(corpus, index_dir, article_reader)
    assert index.search("تونس").total == 1
    build(corpus, index_dir, article_reader, rebuild=True)
    assert index.search("تونس").total == 1
    assert index.doc_count == 6


def test_unreadable_input_is_skipped_with_a_reason(corpus, tmp_path, article_reader):
    (corpus / "broken.json").write_text("{not json", encoding="utf-8")
    report = build(corpus, tmp_path / "index", article_reader)
    assert report.added == 5
    assert report.skipped_reasons() == {"not JSON": 1}
    assert "skipped 1 (not JSON: 1)" in report.summary()


def test_missing_path_is_reported(tmp_path, article_reader):
    with pytest.raises(NothingToIndex, match="nothing to index.*not found: 1") as raised:
        update_index([tmp_path / "nowhere"], tmp_path / "index", read=article_reader)
    assert raised.value.report.skipped_reasons() == {"not found": 1}
    assert current_generation(tmp_path / "index") is None  # no empty index is left behind


def test_rebuild_swaps_in_a_complete_index(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    old_generation = current_generation(index_dir)
    report = build(corpus, index_dir, article_reader, rebuild=True)
    assert report.rebuilt and report.added == 5
    assert current_generation(index_dir) != old_generation
    assert not old_generation.exists()
    assert open_index(index_dir).doc_count == 5


def test_crash_during_rebuild_leaves_the_old_index_working(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    live = current_generation(index_dir)
    calls = []

    def crashing_reader(path, root, reference_date):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the build
        return article_reader(path, root, reference_date)

    with pytest.raises(KeyboardInterrupt):
        build(corpus, index_dir, crashing_reader, rebuild=True)
    assert current_generation(index_dir) == live
    assert open_index(index_dir).search("العراق").total == 3
    assert not (index_dir / LOCK_FILENAME).exists()
    assert [p.name for p in index_dir.iterdir() if p.name.startswith("gen-")] == [live.name]
    # A build killed outright leaves its directory behind; the next run clears it.
    (index_dir / "gen-999999").mkdir()
    build(corpus, index_dir, article_reader)
    assert not (index_dir / "gen-999999").exists()


def test_parallel_build_matches_serial(corpus, tmp_path, article_reader, monkeypatch):
    monkeypatch.setattr(index_module, "PARALLEL_MIN_BYTES", 0)
    serial = update_index([corpus], tmp_path / "serial", read=article_reader, processes=1)
    parallel = update_index([corpus], tmp_path / "parallel", read=article_reader, processes=2)
    assert (parallel.added, parallel.doc_count) == (serial.added, serial.doc_count) == (5, 5)
    one, two = open_index(tmp_path / "serial"), open_index(tmp_path / "parallel")
    for query in ("العراق", "مسيرة", "", "البنتاغون"):
        first, second = one.search(query), two.search(query)
        assert [(h.id, h.score) for h in first.hits] == [(h.id, h.score) for h in second.hits]
        assert first.to_dict()["facets"] == second.to_dict()["facets"]


@pytest.mark.parametrize("processes", [1, 2])
def test_segments_of_a_few_documents_give_the_same_results(corpus, tmp_path, article_reader, monkeypatch, processes):
    """Writers start a new segment every ``flush_docs`` documents; searching spans all of them."""
    monkeypatch.setattr(index_module, "PARALLEL_MIN_BYTES", 0)
    whole = update_index([corpus], tmp_path / "whole", read=article_reader, processes=1)
    monkeypatch.setitem(index_module.WRITER_OPTIONS, "flush_docs", 2)
    split = update_index([corpus], tmp_path / "split", read=article_reader, processes=processes)
    assert split.doc_count == whole.doc_count == 5
    generation = current_generation(tmp_path / "split")
    # The segments a run writes (per worker, per ``flush_docs``) are merged into one at its commit.
    assert len(list(generation.glob("*.trm"))) == 1
    one, two = open_index(tmp_path / "whole"), open_index(tmp_path / "split")
    for query in ("العراق", "مسيرة", "البنتاغون", "=العراق"):
        first, second = one.search(query), two.search(query)
        assert first.total == second.total > 0
        assert {h.id: pytest.approx(h.score) for h in first.hits} == {h.id: h.score for h in second.hits}


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_lock_of_a_dead_process_is_taken_over_and_reported(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    pid = _dead_pid()
    lock = {"pid": pid, "host": socket.gethostname(), "started": "2024-01-01T00:00:00"}
    (index_dir / LOCK_FILENAME).write_text(json.dumps(lock), encoding="utf-8")
    report = build(corpus, index_dir, article_reader)
    assert report.added == 5
    assert any(f"stale lock left by process {pid}" in note for note in report.notes)
    assert not (index_dir / LOCK_FILENAME).exists()


def test_live_lock_stops_at_once_with_what_to_do(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    lock = {"pid": os.getppid(), "host": socket.gethostname(), "started": "2024-01-01T00:00:00"}
    (index_dir / LOCK_FILENAME).write_text(json.dumps(lock), encoding="utf-8")
    with pytest.raises(IndexLocked, match=f"process {os.getppid()}.*delete .*{LOCK_FILENAME}"):
        build(corpus, index_dir, article_reader)
    assert (index_dir / LOCK_FILENAME).exists()


def test_stale_schema_is_refused_with_the_rebuild_command(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    store = Store(current_generation(index_dir))
    store.set_meta(schema_version=0)
    store.commit()
    store.close()
    with pytest.raises(StaleIndex, match="fahras index --rebuild"):
        open_index(index_dir)
    with pytest.raises(StaleIndex, match="fahras index --rebuild"):
        build(corpus, index_dir, article_reader)
    build(corpus, index_dir, article_reader, rebuild=True)
    assert open_index(index_dir).doc_count == 5


def test_changing_the_stemmer_needs_a_rebuild(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    with pytest.raises(StaleIndex, match="--rebuild"):
        build(corpus, index_dir, article_reader, stemmer="light10")
    build(corpus, index_dir, article_reader, stemmer="light10", rebuild=True)
    index = open_index(index_dir)
    assert index.meta["stemmer"] == "light10"
    assert index.search("مسيرة").total == 2


def test_no_index_yet(tmp_path):
    with pytest.raises(IndexNotFound, match="fahras index"):
        open_index(tmp_path / "empty")


def test_default_index_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FAHRAS_INDEX", str(tmp_path / "elsewhere"))
    assert config.default_index_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("FAHRAS_INDEX")
    assert config.default_index_dir().name == "index"


def test_bundled_seeds_are_found():
    seeds = config.bundled_seeds_dir()
    assert len(list(seeds.glob("*.txt"))) == 5


def test_searches_work_while_an_update_is_writing(corpus, tmp_path, article_reader):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, article_reader)
    index = open_index(index_dir)
    writer = Store(current_generation(index_dir))
    try:
        writer.delete(["drone.json", "isis.json"])  # an update's open transaction, not committed
        result = index.search("مسيرة")
        assert {hit.id for hit in result.hits} == {"drone.json", "pentagon.json"}
        assert index.document("isis.json").title.startswith("تنظيم الدولة")
    finally:
        writer.rollback()
        writer.close()


def _jsonl(path, articles):
    lines = [json.dumps({"id": key, **fields}, ensure_ascii=False) for key, fields in articles.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("processes", [1, 2])
def test_json_lines_file_is_updated_line_by_line(tmp_path, monkeypatch, processes):
    """Ingestion's own reader, a JSON Lines file cut into chunks of 2 lines (workers when processes=2)."""
    monkeypatch.setattr(index_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(readers, "LINES_PER_CHUNK", 2)
    articles = {name.removesuffix(".json"): dict(fields) for name, fields in ARTICLES.items()}
    corpus = tmp_path / "news.jsonl"
    _jsonl(corpus, articles)
    index_dir = tmp_path / "index"
    first = update_index([corpus], index_dir, processes=processes, reference_date=None)
    assert (first.added, first.doc_count) == (5, 5)
    articles["economy"]["body"] += " وقال مسؤول في تونس إن الأسعار سترتفع."
    del articles["isis"]
    _jsonl(corpus, articles)
    report = update_index([corpus], index_dir, processes=processes)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 1, 3)
    with open_index(index_dir) as index:
        assert index.doc_count == 4
        assert [hit.id for hit in index.search("تونس").hits] == ["news.jsonl#economy"]
        assert index.search("تفجير").total == 0


class _Progress:
    def __init__(self):
        self.total = None
        self.done = 0

    def __call__(self, files: int) -> None:
        self.done += files


def test_progress_counts_files(corpus, tmp_path, article_reader, monkeypatch):
    progress = _Progress()
    build(corpus, tmp_path / "index", article_reader, progress=progress)
    assert (progress.total, progress.done) == (5, 5)
    monkeypatch.setattr(readers, "LINES_PER_CHUNK", 2)
    _jsonl(tmp_path / "news.jsonl", {"a": ARTICLES["drone.json"], "b": ARTICLES["isis.json"],
                                     "c": ARTICLES["economy.json"]})
    progress = _Progress()
    update_index([tmp_path / "news.jsonl"], tmp_path / "index2", progress=progress, processes=1)
    assert (progress.total, progress.done) == (1, 1)


def test_read_progress_counts_bytes_as_a_big_json_lines_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "LINES_PER_CHUNK", 2)
    corpus = tmp_path / "news.jsonl"
    _jsonl(corpus, {name: fields for name, fields in ARTICLES.items()})
    seen = []
    update_index([corpus], tmp_path / "index", processes=1,
                 read_progress=lambda done, total: seen.append((done, total)))
    size = corpus.stat().st_size
    assert len(seen) == 3  # 5 lines in chunks of 2
    assert [total for _, total in seen] == [size] * 3
    done = [read for read, _ in seen]
    assert done == sorted(done) and 0 < done[0] < size and done[-1] == size


@pytest.mark.parametrize("contents", ["nothing", "only a pdf", "only empty files"])
def test_a_run_that_reads_nothing_from_the_paths_given_is_an_error(tmp_path, contents):
    folder = tmp_path / "inputs"
    folder.mkdir()
    if contents == "only a pdf":
        (folder / "report.pdf").write_bytes(b"%PDF-1.4")
    elif contents == "only empty files":
        (folder / "a.txt").write_bytes(b"")
    with pytest.raises(NothingToIndex, match="nothing to index") as raised:
        update_index([folder], tmp_path / "index", processes=1)
    if contents == "only a pdf":
        assert raised.value.report.unsupported_types() == {".pdf": 1}
    assert current_generation(tmp_path / "index") is None


def test_the_command_exits_2_when_nothing_could_be_read(tmp_path):
    from click.testing import CliRunner

    from indexer.cli import cli

    result = CliRunner().invoke(cli, ["index", str(tmp_path / "nonexistent"), "--index", str(tmp_path / "index")])
    assert result.exit_code == 2
    assert "nothing to index" in result.output and "not found: 1" in result.output


def test_unsupported_files_are_listed_by_type(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF")
    (folder / "b.pdf").write_bytes(b"%PDF")
    (folder / "c.docx").write_bytes(b"PK")
    _jsonl(folder / "news.jsonl", {"drone": ARTICLES["drone.json"]})
    report = update_index([folder], tmp_path / "index", processes=1)
    assert report.added == 1
    assert report.to_dict()["unsupported"] == {".pdf": 2, ".docx": 1}
