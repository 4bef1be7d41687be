"""Scale benchmark of the relevance backend on the 70k-article corpus.

    python bench/scale.py [--corpus PATH] [--work DIR] [--docs N] [--processes 1,2]
                          [--phases build,rerun,change,folder,query]

Phases (each prints its figures as it goes; nothing is copied into the repo):

build   full build of the corpus (JSON Lines, ingestion included) with each
        ``--processes`` value, each in a fresh child process: seconds, docs/s,
        index size on disk, peak memory (max RSS of the main process, and the
        sampled peak of main + workers together);
rerun   ``update_index`` again on the unchanged corpus;
change  one article of the (private copy of the) corpus changes, reindex;
folder  a folder of ``--folder-docs`` one-article JSON files: build, then one
        file changes, reindex;
query   warm latency p50/p95 over >= 200 real Arabic queries (short title
        words and XQuAD-ar questions), with and without the three facets, and
        the serving process's peak memory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The shared data sits next to the checkout (``../shared``), never inside it.
SHARED_DIR = REPO_ROOT.parent / "shared"
DEFAULT_CORPUS = SHARED_DIR / "corpus" / "arabic-news-70k.jsonl.gz"
DEFAULT_QUERIES = SHARED_DIR / "eval" / "xquad-ar" / "queries.jsonl"
SHORT_QUERIES = 150
QUESTION_QUERIES = 150
QUERY_SEED = 7
WARM_ROUNDS = 1
TIMED_ROUNDS = 3


def peak_rss_mb() -> tuple[float, float]:
    """Max RSS of this process and of its largest finished child, in MB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def vm_hwm_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


class TreeMemorySampler:
    """Peak RSS of this process plus its worker processes together (Linux /proc), sampled."""

    def __init__(self, interval: float = 0.5):
        import threading

        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        me = os.getpid()
        while not self._stop.wait(interval):
            total = _rss_kib(me) + sum(_rss_kib(child) for child in _children(me))
            self.peak_kib = max(self.peak_kib, total)

    def stop_mb(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line with its figures."""
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


BUILD_CODE = """
import json, time, sys
sys.path.insert(0, {bench_dir!r})
from scale import peak_rss_mb, disk_mb, TreeMemorySampler
from pathlib import Path
from indexer import update_index
sampler = TreeMemorySampler()
started = time.perf_counter()
report = update_index([{corpus!r}], {index!r}, rebuild=True, processes={processes})
seconds = time.perf_counter() - started
own, _ = peak_rss_mb()
store_mb = sum(f.stat().st_size for f in Path({index!r}).rglob("fahras.sqlite*")) / 1e6
segments = len(list(Path({index!r}).rglob("*.trm")))
print(json.dumps({{"seconds": seconds, "docs": report.doc_count, "skipped": len(report.skipped),
                  "size_mb": disk_mb(Path({index!r})), "store_mb": store_mb, "segments": segments,
                  "main_rss_mb": own, "tree_rss_mb": sampler.stop_mb()}}))
"""

UPDATE_CODE = """
import json, time
from indexer import update_index
started = time.perf_counter()
report = update_index([{corpus!r}], {index!r}, processes={processes})
print(json.dumps({{"seconds": time.perf_counter() - started, "summary": report.summary()}}))
"""


def build(corpus: Path, work: Path, processes: int) -> Path:
    index = work / f"index-p{processes}"
    shutil.rmtree(index, ignore_errors=True)
    figures = run_child(BUILD_CODE.format(bench_dir=str(Path(__file__).parent), corpus=str(corpus),
                                          index=str(index), processes=processes))
    print(
        f"build processes={processes}: {figures['seconds']:.1f} s, {figures['docs'] / figures['seconds']:.0f} docs/s, "
        f"{figures['docs']} docs ({figures['skipped']} skipped), {figures['size_mb']:.0f} MB on disk "
        f"(side store {figures['store_mb']:.0f} MB, {figures['segments']} Whoosh segments), "
        f"peak RSS main process {figures['main_rss_mb']:.0f} MB, main + workers together "
        f"{figures['tree_rss_mb']:.0f} MB",
        flush=True,
    )
    return index


def update(corpus: Path, index: Path, label: str, processes: int = 2) -> None:
    figures = run_child(UPDATE_CODE.format(corpus=str(corpus), index=str(index), processes=processes))
    print(f"{label}: {figures['seconds']:.2f} s  ({figures['summary']})", flush=True)


def copy_lines(corpus: Path, target: Path, docs: int | None) -> Path:
    """The first ``docs`` lines (all when None) of the corpus, gzipped, at ``target``."""
    with gzip.open(corpus, "rb") as source, gzip.open(target, "wb", compresslevel=6) as sink:
        for line in islice(source, docs):
            sink.write(line)
    return target


def change_one_line(path: Path) -> None:
    """Rewrite the gzipped JSON Lines file in place with one article's body changed."""
    with gzip.open(path, "rb") as source:
        lines = source.read().split(b"\n")
    middle = len(lines) // 2
    article = json.loads(lines[middle])
    article["body"] = (article.get("body") or "") + " تعديل صغير للاختبار"
    lines[middle] = json.dumps(article, ensure_ascii=False).encode("utf-8")
    with gzip.open(path, "wb", compresslevel=6) as sink:
        sink.write(b"\n".join(lines))


def write_folder(corpus: Path, folder: Path, docs: int) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    opener = gzip.open if corpus.name.endswith(".gz") else open
    with opener(corpus, "rt", encoding="utf-8") as source:
        for number, line in enumerate(islice(source, docs)):
            (folder / f"{number // 1000:03d}").mkdir(exist_ok=True)
            (folder / f"{number // 1000:03d}" / f"{number:06d}.json").write_text(line, encoding="utf-8")


def load_queries(corpus: Path, questions: Path) -> list[str]:
    """Short queries (1-3 salient title words) and XQuAD-ar questions, in a fixed shuffled order."""
    from indexer.text.analysis import analyze_terms

    rng = random.Random(QUERY_SEED)
    short: list[str] = []
    opener = gzip.open if corpus.name.endswith(".gz") else open
    with opener(corpus, "rt", encoding="utf-8") as source:
        for line in islice(source, 0, None, 97):
            words = [w for w in (json.loads(line).get("title") or "").split() if len(w) > 3 and analyze_terms(w)]
            if words:
                short.append(" ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))))
            if len(short) >= SHORT_QUERIES:
                break
    with open(questions, encoding="utf-8") as source:
        asked = [json.loads(line)["query"] for line in islice(source, QUESTION_QUERIES)]
    queries = short + asked
    rng.shuffle(queries)
    return queries


def time_queries(index, queries: list[str], facets: bool) -> list[float]:
    for _ in range(WARM_ROUNDS):
        for query in queries:
            index.search(query, facets=facets)
    timings = []
    for _ in range(TIMED_ROUNDS):
        for query in queries:
            started = time.perf_counter()
            index.search(query, facets=facets)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def query_phase(index_dir: Path, corpus: Path, questions: Path) -> None:
    from indexer import open_index

    queries = load_queries(corpus, questions)
    # Earlier phases held the whole corpus in this process: restart the peak (Linux).
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")
    started = time.perf_counter()
    index = open_index(index_dir)
    print(f"open index: {time.perf_counter() - started:.2f} s, {index.doc_count} docs", flush=True)
    for facets in (False, True):
        timings = time_queries(index, queries, facets)
        label = "with the three facets" if facets else "without facets"
        print(
            f"queries ({len(queries)} real queries x {TIMED_ROUNDS} warm rounds) {label}: "
            f"p50 {percentile(timings, 0.5):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
            f"max {max(timings):.1f} ms",
            flush=True,
        )
    short = [q for q in queries if len(q.split()) <= 3]
    long = [q for q in queries if len(q.split()) > 3]
    for label, subset in (("short (1-3 words)", short), ("questions", long)):
        timings = time_queries(index, subset, True)
        print(f"  {label}: {len(subset)} queries, p50 {percentile(timings, 0.5):.1f} ms, "
              f"p95 {percentile(timings, 0.95):.1f} ms", flush=True)
    print(f"serving peak RSS (VmHWM since the index was opened): {vm_hwm_mb():.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fahras-scale")
    parser.add_argument("--docs", type=int, default=None, help="Only the first N articles (a JSON Lines copy).")
    parser.add_argument("--processes", default="2,1")
    parser.add_argument("--folder-docs", type=int, default=5000)
    parser.add_argument("--phases", default="build,rerun,change,folder,query")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    # A private copy under the same name: the "change" phase rewrites it in place.
    corpus = args.work / args.corpus.name
    if "build" in phases or not corpus.exists():
        copy_lines(args.corpus, corpus, args.docs)
    print(f"corpus {corpus}, {os.cpu_count()} cores", flush=True)
    process_counts = [int(p) for p in args.processes.split(",")]
    index = args.work / f"index-p{process_counts[0]}"
    if "build" in phases:
        for processes in process_counts:
            built = build(corpus, args.work, processes)
            if processes == process_counts[0]:
                index = built
    if "rerun" in phases:
        update(corpus, index, "rerun on the unchanged corpus")
    if "change" in phases:
        change_one_line(corpus)
        update(corpus, index, "one article changed in the JSON Lines file")
    if "folder" in phases:
        folder = args.work / "folder"
        write_folder(corpus, folder, args.folder_docs)
        folder_index = args.work / "index-folder"
        shutil.rmtree(folder_index, ignore_errors=True)
        update(folder, folder_index, f"folder of {args.folder_docs} files, first build")
        update(folder, folder_index, "folder, unchanged rerun")
        changed = folder / "000" / "000010.json"
        article = json.loads(changed.read_text(encoding="utf-8"))
        article["body"] = (article.get("body") or "") + " تعديل صغير للاختبار"
        changed.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
        update(folder, folder_index, "folder, one file changed")
    if "query" in phases:
        query_phase(index, corpus, args.questions)


if __name__ == "__main__":
    main()
