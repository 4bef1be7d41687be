"""What Fahras promises when things go wrong (docs/reliability.md): crashes at every step of a run,
Ctrl-C, a full disk, hostile inputs, a read-only index, and two writers racing for the lock.

Crashes are real: a run in a subprocess signals itself at a named step (``FAHRAS_STOP_AT``),
never after a guessed sleep.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer import open_index, update_index
from indexer.build import update as update_module
from indexer.build.checkpoints import STOP_ENV
from indexer.errors import IndexLocked, IndexWriteError
from indexer.storage.generations import STAGED_INDEXNAME, current_generation
from indexer.storage.lock import LOCK_FILENAME, WriterLock
from indexer.storage.store import Store

REPO = Path(__file__).resolve().parent.parent
WORDS = ("الحكومة العراقية أعلنت اليوم في بغداد أن القوات الأمريكية ستغادر البلاد بعد مفاوضات "
         "طويلة مع واشنطن وقال المتحدث باسم وزارة الدفاع إن الاتفاق يشمل جدولا زمنيا للانسحاب "
         "من القواعد العسكرية").split()
#: A run in a child process: parallel for any size, JSON Lines in chunks of 10 lines.
RUNNER = """
import json, sys
from indexer.build import update
from indexer.ingest import readers
update.PARALLEL_MIN_BYTES = 0
readers.LINES_PER_CHUNK = 10
args = json.loads(sys.argv[1])
report = update.update_index(args["paths"], args["index"], rebuild=args["rebuild"], processes=args["processes"])
print(json.dumps(report.to_dict()))
"""


def article(number: int, variant: str = "") -> dict:
    words = [WORDS[(number * 7 + i) % len(WORDS)] for i in range(40 + number % 30)]
    return {"id": f"a{number}", "title": f"خبر رقم {number} {variant}".strip(),
            "body": " ".join(words) + f" {variant}", "source": "Al-Mada", "date": f"2024-07-{1 + number % 28:02d}"}


def write_jsonl(path: Path, articles) -> Path:
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in articles), encoding="utf-8")
    return path


def run_child(paths, index_dir, *, rebuild=False, processes=2, stop=None, new_session=False, timeout=60):
    env = dict(os.environ)
    env.pop(STOP_ENV, None)
    if stop:
        env[STOP_ENV] = stop
    args = json.dumps({"paths": [str(p) for p in paths], "index": str(index_dir), "rebuild": rebuild,
                       "processes": processes})
    return subprocess.run([sys.executable, "-c", RUNNER, args], env=env, capture_output=True, text=True,
                          timeout=timeout, start_new_session=new_session)


def processes_mentioning(marker: str) -> list[int]:
    """Pids of live processes whose command line holds ``marker`` (the workers share their parent's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


def assert_no_orphans(marker: str, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while (left := processes_mentioning(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes outlived their run: {left}"


def index_state(index_dir: Path) -> list[tuple[str, str]]:
    """``(id, title)`` of every document, after checking that the segment table and the side store agree."""
    with open_index(index_dir) as index:  # a reader finishes a committed run's last step itself
        result = index.search("", limit=1000, facets=False)
        assert len(result.hits) == result.total, "a hit could not be displayed"
    generation = current_generation(index_dir)
    reader = whoosh_index.open_dir(str(generation)).reader()
    try:
        whoosh_ids = [fields["id"] for _docnum, fields in reader.iter_docs()]
    finally:
        reader.close()
    assert len(whoosh_ids) == len(set(whoosh_ids)), "duplicate ids in the segment table"
    store = Store(generation, readonly=True)
    try:
        records = store.records(whoosh_ids)
        assert store.doc_count() == len(whoosh_ids), "segment table and side store disagree"
    finally:
        store.close()
    assert len(records) == len(whoosh_ids)
    return sorted((record.id, record.title) for record in records)


def assert_clean(index_dir: Path) -> None:
    """Nothing of an unfinished run is left: one generation, no staged table, no lock."""
    generations = [child for child in index_dir.iterdir() if child.name.startswith("gen-")]
    assert generations == [current_generation(index_dir)]
    assert not list(generations[0].glob(f"_{STAGED_INDEXNAME}_*"))
    assert not (index_dir / LOCK_FILENAME).exists()


@pytest.fixture()
def changing_corpus(tmp_path):
    """A corpus indexed once, then changed: lines added, changed and removed, and a new file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    base = [article(n) for n in range(40)]
    write_jsonl(corpus / "base.jsonl", base)
    index_dir = tmp_path / "index"
    update_index([corpus], index_dir, processes=1)
    before = index_state(index_dir)
    changed = [article(n, "تحديث") if n % 10 == 3 else article(n) for n in range(40) if n % 13 != 5]
    write_jsonl(corpus / "base.jsonl", changed + [article(n) for n in range(40, 60)])
    write_jsonl(corpus / "more.jsonl", [article(n) for n in range(60, 75)])
    expected_dir = tmp_path / "expected"
    update_index([corpus], expected_dir, processes=1)
    after = index_state(expected_dir)
    assert before != after
    return corpus, index_dir, before, after


INCREMENTAL_STEPS = ["tasks-started", "segments-written", "toc-staged", "store-committed", "toc-published"]
REBUILD_STEPS = INCREMENTAL_STEPS + ["generation-complete", "current-switched"]


@pytest.mark.parametrize("step", INCREMENTAL_STEPS)
def test_an_incremental_run_killed_at_any_step_leaves_one_consistent_state(changing_corpus, step):
    corpus, index_dir, before, after = changing_corpus
    killed = run_child([corpus], index_dir, stop=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_no_orphans(str(index_dir))
    committed = INCREMENTAL_STEPS.index(step) >= INCREMENTAL_STEPS.index("store-committed")
    assert index_state(index_dir) == (after if committed else before)
    rerun = run_child([corpus], index_dir)
    assert rerun.returncode == 0, rerun.stderr
    assert index_state(index_dir) == after
    assert_clean(index_dir)
    again = json.loads(run_child([corpus], index_dir).stdout)
    assert (again["added"], again["updated"], again["removed"], again["documents"]) == (0, 0, 0, len(after))


@pytest.mark.parametrize("step", REBUILD_STEPS)
def test_a_rebuild_killed_at_any_step_leaves_one_consistent_state(changing_corpus, step):
    corpus, index_dir, before, after = changing_corpus
    killed = run_child([corpus], index_dir, rebuild=True, stop=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_no_orphans(str(index_dir))
    assert index_state(index_dir) == (after if step == "current-switched" else before)
    rerun = run_child([corpus], index_dir)
    assert rerun.returncode == 0, rerun.stderr
    assert index_state(index_dir) == after
    assert_clean(index_dir)


def test_an_index_left_out_of_step_by_an_older_version_is_refused_with_what_to_do(changing_corpus):
    corpus, index_dir, _before, _after = changing_corpus
    store = Store(current_generation(index_dir))
    store.set_meta(whoosh_generation=0)  # as when the segment table committed and the store did not
    store.commit()
    store.close()
    with pytest.raises(Exception, match="out of step.*fahras index --rebuild"):
        update_index([corpus], index_dir, processes=1)
    update_index([corpus], index_dir, processes=1, rebuild=True)
    index_state(index_dir)


# --- Ctrl-C, a full disk, orphans -----------------------------------------------------


@pytest.mark.parametrize("rebuild", [False, True])
def test_ctrl_c_ends_the_run_at_once_and_leaves_the_old_index(changing_corpus, rebuild):
    corpus, index_dir, before, _after = changing_corpus
    started = time.monotonic()
    stopped = run_child([corpus], index_dir, rebuild=rebuild, stop="tasks-started:SIGINT", new_session=True)
    assert time.monotonic() - started < 20
    assert stopped.returncode != 0 and "KeyboardInterrupt" in stopped.stderr
    assert_no_orphans(str(index_dir))
    assert index_state(index_dir) == before
    assert_clean(index_dir)


def test_ctrl_c_in_the_command_is_one_line(changing_corpus):
    corpus, index_dir, before, _after = changing_corpus
    env = dict(os.environ, **{STOP_ENV: "tasks-started:SIGINT"})
    stopped = subprocess.run([sys.executable, "-m", "indexer", "index", str(corpus), "--index", str(index_dir),
                              "--processes", "1"], env=env, capture_output=True, text=True, timeout=60,
                             start_new_session=True)
    assert stopped.returncode == 130
    assert stopped.stderr.strip().splitlines() == ["interrupted: the index was left as it was"]
    assert index_state(index_dir) == before


def test_workers_die_with_their_parent_even_after_kill_9(changing_corpus):
    corpus, index_dir, _before, _after = changing_corpus
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER + "\nimport time; time.sleep(60)",
         json.dumps({"paths": [str(corpus)], "index": str(index_dir), "rebuild": True, "processes": 2})],
        env=dict(os.environ, **{STOP_ENV: "tasks-started:SIGSTOP"}), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while len(processes_mentioning(str(index_dir))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(processes_mentioning(str(index_dir))) == 3  # the run and its two workers
        process.kill()  # kill -9 of the main process, stopped in the middle of the run
        process.wait()
        assert_no_orphans(str(index_dir))
    finally:
        process.kill()


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


@pytest.fixture()
def small_disk(tmp_path):
    where = tmp_path / "small-disk"
    if not _mount_tmpfs(where, "4m"):
        pytest.skip("needs root and a tmpfs mount to fill a disk")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_full_disk_ends_the_run_with_one_line_and_the_old_index_intact(tmp_path, small_disk, processes):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "base.jsonl", [article(n) for n in range(20)])
    index_dir = small_disk / "index"
    update_index([corpus], index_dir, processes=1)
    before = index_state(index_dir)
    write_jsonl(corpus / "more.jsonl", [article(n, "إضافة") for n in range(20, 400)])
    # Leave the run a little room only: it fills the disk part way.
    (small_disk / "ballast").write_bytes(b"\0" * (shutil.disk_usage(small_disk).free - 200_000))
    used_before = shutil.disk_usage(small_disk).used
    started = time.monotonic()
    if processes == 1:
        result = subprocess.run([sys.executable, "-m", "indexer", "index", str(corpus), "--index", str(index_dir),
                                 "--processes", "1"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "the disk is full" in lines[0] and "left as it was" in lines[0], result.stderr
    else:
        result = run_child([corpus], index_dir, processes=2)
        assert result.returncode == 1 and "IndexWriteError" in result.stderr and "the disk is full" in result.stderr
        assert_no_orphans(str(index_dir))
    assert time.monotonic() - started < 60
    assert index_state(index_dir) == before
    assert_clean(index_dir)
    # The run's partial files are gone: the disk holds what it held (give or take SQLite's WAL).
    assert shutil.disk_usage(small_disk).used <= used_before + 300_000


def test_a_write_error_in_the_side_store_leaves_the_old_index(changing_corpus, monkeypatch):
    """The storage layer failing mid-run (as SQLite does when the disk fills) is one clear error."""
    import sqlite3

    corpus, index_dir, before, _after = changing_corpus

    def full(self, rows):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_write", full)
    with pytest.raises(IndexWriteError, match="the disk is full.*left as it was"):
        update_index([corpus], index_dir, processes=1)
    monkeypatch.undo()
    assert index_state(index_dir) == before
    assert_clean(index_dir)


# --- hostile inputs ------------------------------------------------------------------------


@pytest.mark.parametrize("processes", [1, 2])
def test_hostile_inputs_are_skipped_with_a_reason_and_every_good_record_is_indexed(tmp_path, monkeypatch, processes):
    monkeypatch.setattr(update_module, "PARALLEL_MIN_BYTES", 0)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = [article(n) for n in range(30)]
    lines = [json.dumps(item, ensure_ascii=False).encode() for item in good]
    hostile = [
        b'{"id": "big", "title": "x", "body": "y", "n": ' + b"9" * 5000 + b"}",
        json.dumps(article(900), ensure_ascii=False).encode("utf-8").replace(
            "خبر".encode(), "خبر".encode("cp1256")),
        b"[" * 100_000 + b"]" * 100_000,
    ]
    mixed = lines[:10] + hostile[:1] + lines[10:20] + hostile[1:] + lines[20:]
    (corpus / "news.jsonl").write_bytes(b"\n".join(mixed) + b"\n")
    (corpus / "nested.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    compressed = gzip.compress(b"\n".join(lines[:5]))
    (corpus / "broken.jsonl.gz").write_bytes(compressed[:20] + b"\x00garbage" * 50)
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    bad_name = os.fsdecode(b"\xff\xfe-bad-name.json")
    (corpus / bad_name).write_text(json.dumps(article(901), ensure_ascii=False), encoding="utf-8")
    (corpus / "good.json").write_text(json.dumps(article(902), ensure_ascii=False), encoding="utf-8")
    report = update_index([corpus], tmp_path / "index", processes=processes)
    assert report.added == 31 and report.doc_count == 31
    reasons = {item.path.rsplit("/", 1)[-1]: item.reason for item in report.skipped}
    assert reasons["news.jsonl#11"].startswith("invalid JSON on line 11: Exceeds the limit (4300 digits)")
    assert reasons["news.jsonl#22"] == "invalid JSON on line 22: not valid UTF-8 (byte 25)"
    assert reasons["news.jsonl#23"] == "invalid JSON on line 23: nested too deeply"
    assert reasons["nested.json"] == "invalid JSON: nested too deeply"
    assert reasons["broken.jsonl.gz"].startswith("stopped reading:")
    assert reasons["loop-a.txt"] == reasons["loop-b.txt"] == "symlink loop"
    assert reasons["\\xff\\xfe-bad-name.json"] == "file name is not valid UTF-8"
    assert len(report.skipped) == 8
    json.dumps(report.to_dict())  # printable, whatever the file names
    assert len(index_state(tmp_path / "index")) == 31


def test_json_errors_say_where(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.json").write_text('{"title": "x",\n "body": }', encoding="utf-8")
    (corpus / "ok.json").write_text(json.dumps(article(1), ensure_ascii=False), encoding="utf-8")
    report = update_index([corpus], tmp_path / "index", processes=1)
    (skipped,) = report.skipped
    assert skipped.reason == "invalid JSON: Expecting value (line 2, column 10, character 24)"


# --- a read-only index ------------------------------------------------------------------------


@pytest.fixture()
def read_only_index(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", [article(n) for n in range(12)])
    built = tmp_path / "built"
    update_index([corpus], built, processes=1)
    view = tmp_path / "read-only"
    view.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root (and a user who is not root ignores no permissions)")
    mounted = subprocess.run(["mount", "--bind", str(built), str(view)], capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        assert not os.access(view, os.W_OK)
        yield corpus, view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def _fahras(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True, timeout=60,
                          **kwargs)


def test_a_read_only_index_can_be_searched_and_shown(read_only_index):
    _corpus, view = read_only_index
    found = _fahras("search", "الحكومة", "--index", str(view), "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert hits
    shown = _fahras("show", hits[0]["id"], "--index", str(view), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["title"] == hits[0]["title"]


def test_indexing_into_a_read_only_place_is_one_clear_line(read_only_index):
    corpus, view = read_only_index
    result = _fahras("index", str(corpus), "--index", str(view))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write the index" in lines[0] and "read-only" in lines[0], result.stderr


# --- the writer lock ---------------------------------------------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _race_for_the_lock(index_dir: str, start, attempted, results) -> None:
    lock = WriterLock(Path(index_dir))
    start.wait()
    try:
        lock.acquire()
    except IndexLocked:
        results.put("refused")
        attempted.wait()
        return
    results.put("took" if lock.notes else "got")
    attempted.wait()  # hold the lock until the other process has tried
    lock.release()


def test_two_writers_racing_at_a_stale_lock_never_both_get_it(tmp_path):
    context = multiprocessing.get_context("fork")
    stale = {"pid": _dead_pid(), "host": socket.gethostname(), "started": "2024-01-01T00:00:00"}
    outcomes = []
    for trial in range(100):
        index_dir = tmp_path / f"index-{trial}"
        index_dir.mkdir()
        (index_dir / LOCK_FILENAME).write_text(json.dumps(stale), encoding="utf-8")
        start, attempted, results = context.Barrier(2), context.Barrier(2), context.Queue()
        racers = [context.Process(target=_race_for_the_lock, args=(str(index_dir), start, attempted, results))
                  for _ in range(2)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(10)
        outcomes.append(sorted(results.get(timeout=5) for _ in racers))
    assert outcomes == [["refused", "took"]] * 100


def _hold_and_release(index_dir: str, rounds: int, holders, clashes) -> None:
    for _ in range(rounds):
        lock = WriterLock(Path(index_dir))
        try:
            lock.acquire()
        except IndexLocked:
            continue
        with holders.get_lock():
            holders.value += 1
            if holders.value > 1:
                clashes.value += 1
        time.sleep(0.0005)
        with holders.get_lock():
            holders.value -= 1
        lock.release()


def test_a_lock_released_and_taken_again_in_a_loop_is_never_held_twice(tmp_path):
    context = multiprocessing.get_context("fork")
    holders, clashes = context.Value("i", 0), context.Value("i", 0)
    racers = [context.Process(target=_hold_and_release, args=(str(tmp_path), 300, holders, clashes))
              for _ in range(3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    assert clashes.value == 0 and all(racer.exitcode == 0 for racer in racers)


def test_a_killed_writer_releases_the_lock_by_itself(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from indexer.storage.lock import WriterLock\n"
         "WriterLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexLocked, match=f"being written by process {holder.pid} on .*wait for it to finish"):
            WriterLock(tmp_path).acquire()
        holder.kill()
        holder.wait()
        lock = WriterLock(tmp_path)
        lock.acquire()
        assert any(f"stale lock left by process {holder.pid}" in note for note in lock.notes)
        lock.release()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


# --- one slow search cannot starve the others (engine.SLOW_LANE, engine.FOREGROUND) --------------------

SLOW_PHRASE = '"هجوم على القاعدة"'


@pytest.fixture()
def slow_lane_at_once(monkeypatch):
    """Every stored-text check takes the slow lane at once, one text per slice; records the lane's pauses."""
    import threading

    from indexer.search import engine

    monkeypatch.setattr(engine, "SLOW_AFTER_MS", -1)
    monkeypatch.setattr(engine, "YIELD_AFTER_MS", -1)
    monkeypatch.setattr(engine, "SLOW_SLICE_MS", 0)
    monkeypatch.setattr(engine, "TEXT_CHECK_BATCH", 1)
    pauses, paused = [], threading.Event()
    wait_until_idle = engine.FOREGROUND.wait_until_idle

    def recording(timeout):
        paused.set()
        idle = wait_until_idle(timeout)
        pauses.append(idle)
        return idle

    monkeypatch.setattr(engine.FOREGROUND, "wait_until_idle", recording)
    return engine, pauses, paused


def _in_thread(target):
    import threading

    outcome = {}

    def run():
        try:
            outcome["value"] = target()
        except BaseException as error:  # re-raised by the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_slow_phrase_check_gives_way_to_a_running_search(synthetic_index, slow_lane_at_once, monkeypatch):
    import threading

    engine, pauses, paused = slow_lane_at_once
    monkeypatch.setattr(engine, "SLOW_PAUSE_MS", 60_000)  # the lane waits for as long as others run
    order, normal_started = [], threading.Event()

    def normal():
        with engine.FOREGROUND.running():  # a web request in flight
            normal_started.set()
            assert paused.wait(10), "the slow check never paused"
            result = synthetic_index.search("مسيرة")
            order.append("normal")
        return result

    def slow():
        assert normal_started.wait(10)
        result = synthetic_index.search(SLOW_PHRASE)
        order.append("slow")
        return result

    normal_thread, normal_outcome = _in_thread(normal)
    slow_thread, slow_outcome = _in_thread(slow)
    normal_thread.join(20)
    slow_thread.join(20)
    assert "error" not in normal_outcome and "error" not in slow_outcome, (normal_outcome, slow_outcome)
    # The normal search ran and finished while the slow one, already in the lane, waited for it.
    assert order == ["normal", "slow"]
    assert pauses[0] is True  # the lane resumed because the normal request ended, not on a timeout
    assert normal_outcome["value"].total == 2
    slow_result = slow_outcome["value"]
    assert [hit.id for hit in slow_result.hits] == ["drone.json"] and slow_result.notices == []


def test_a_slow_phrase_check_still_progresses_and_keeps_its_budget_under_constant_load(
        synthetic_index, slow_lane_at_once, monkeypatch):
    import threading

    engine, pauses, _paused = slow_lane_at_once
    release = threading.Event()

    def busy_request():
        with engine.FOREGROUND.running():
            release.wait(30)

    holder, _ = _in_thread(busy_request)
    try:
        while not engine.FOREGROUND.busy():
            time.sleep(0.001)
        # Short pauses: the check gets its slices even though the others never stop, and the result is whole.
        monkeypatch.setattr(engine, "SLOW_PAUSE_MS", 1)
        full = synthetic_index.search(SLOW_PHRASE)
        assert [hit.id for hit in full.hits] == ["drone.json"] and full.notices == []
        assert pauses and not any(pauses)  # it paused, and each pause ended on its timeout
        # Endless pauses: the search's budget still ends it, partial and saying so.
        monkeypatch.setattr(engine, "SLOW_PAUSE_MS", 60_000)
        partial = synthetic_index.search(SLOW_PHRASE, budget_ms=50)
        assert partial.total == 0 and [notice.code for notice in partial.notices] == ["time_budget"]
    finally:
        release.set()
        holder.join(10)
    assert not engine.FOREGROUND.busy()


def test_foreground_counts_nested_work_once_per_level_and_steps_aside_whole():
    from indexer.search.engine import Foreground

    foreground = Foreground()
    with foreground.running():
        with foreground.running():
            assert foreground.busy()
            with foreground.stepped_aside():  # a slow check inside a request inside a search
                assert not foreground.busy()
                assert foreground.wait_until_idle(0)
            assert foreground.busy()
        assert foreground.busy()
    assert not foreground.busy()


def test_each_web_request_counts_as_foreground_while_it_runs():
    from indexer.search.engine import FOREGROUND
    from webui.server import counted_as_foreground

    seen = []

    def app(environ, start_response):
        seen.append(FOREGROUND.busy())
        start_response("200 OK", [])
        return [b"ok"]

    assert not FOREGROUND.busy()
    assert counted_as_foreground(app)({}, lambda *args: None) == [b"ok"]
    assert seen == [True] and not FOREGROUND.busy()
