"""The OpenSearch backend against the embedded index, in one run on this machine.

    python bench/opensearch.py [--url http://HOST:PORT | --start-cluster N] [--corpus PATH] [--docs N]
                               [--work DIR] [--phases ingest,build,query] [--shards S] [--replicas R]

build   the corpus indexed into the embedded index (``update_index``, two processes, a fresh child
        process) and into the cluster (``update_cluster_index --rebuild``, a fresh child process):
        seconds, docs/s, size (folder on disk; the cluster's primary store size);
ingest  ingestion alone (``iter_file`` over the corpus, nothing indexed), in a fresh child process: how
        much of a build is reading rather than indexing;
query   warm latency p50/p95 of ``bench/scale.py``'s queries (short title words and XQuAD-ar
        questions) with and without the three facets, on both backends, through ``Index.search``.

``--start-cluster N`` starts N dev-cluster nodes (``indexer.opensearch.devcluster``) for the run and
stops them at the end; ``--url`` uses a running cluster.  Nothing is copied into the repo.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

from scale import (  # noqa: E402
    DEFAULT_CORPUS,
    _rss_kib,
    DEFAULT_QUERIES,
    TIMED_ROUNDS,
    build,
    copy_lines,
    load_queries,
    percentile,
    run_child,
    time_queries,
)

CLUSTER_BUILD_CODE = """
import json, time
from indexer.opensearch.writer import update_cluster_index
started = time.perf_counter()
report = update_cluster_index([{corpus!r}], {location!r}, rebuild=True, shards={shards!r}, replicas={replicas!r})
print(json.dumps({{"seconds": time.perf_counter() - started, "docs": report.doc_count,
                  "skipped": len(report.skipped), "notes": report.notes}}))
"""


INGEST_CODE = """
import json, time
from indexer.ingest.readers import iter_file
started = time.perf_counter()
records = sum(1 for _ in iter_file({corpus!r}))
print(json.dumps({{"seconds": time.perf_counter() - started, "records": records}}))
"""


def cluster_size_mb(location: str) -> float:
    from indexer.opensearch.location import connect, parse_location

    where = parse_location(location)
    client = connect(where)
    stats = client.indices.stats(index=where.index, metric="store")
    return stats["_all"]["primaries"]["store"]["size_in_bytes"] / 1e6


def build_cluster(corpus: Path, location: str, shards: int, replicas) -> None:
    figures = run_child(CLUSTER_BUILD_CODE.format(corpus=str(corpus), location=location, shards=shards,
                                                  replicas=replicas))
    print(f"cluster build ({shards} shards, replicas {replicas}): {figures['seconds']:.1f} s, "
          f"{figures['docs'] / figures['seconds']:.0f} docs/s, {figures['docs']} docs "
          f"({figures['skipped']} skipped), primary store {cluster_size_mb(location):.0f} MB", flush=True)


def query_both(embedded_dir: Path, location: str, corpus: Path, questions: Path) -> None:
    from indexer import open_index

    queries = load_queries(corpus, questions)
    for label, where in (("embedded", embedded_dir), ("opensearch", location)):
        with open_index(where) as index:
            for facets in (False, True):
                timings = time_queries(index, queries, facets)
                print(f"{label} queries ({len(queries)} x {TIMED_ROUNDS} warm rounds) "
                      f"{'with the three facets' if facets else 'without facets'}: "
                      f"p50 {percentile(timings, 0.5):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms",
                      flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running cluster's node URL, e.g. http://127.0.0.1:9200")
    parser.add_argument("--start-cluster", type=int, default=0, metavar="N", help="start N dev-cluster nodes")
    parser.add_argument("--port", type=int, default=9270, help="first HTTP port of --start-cluster's nodes")
    parser.add_argument("--heap", default="1g", help="heap per --start-cluster node")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--docs", type=int, default=None, help="only the first N articles")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fahras-opensearch-bench")
    parser.add_argument("--index-name", default="fahras_bench")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--replicas", default="0")
    parser.add_argument("--phases", default="build,query")
    parser.add_argument("--skip-embedded", action="store_true", help="reuse the embedded index of an earlier run")
    args = parser.parse_args()
    if bool(args.url) == bool(args.start_cluster):
        parser.error("give either --url or --start-cluster N")
    phases = set(args.phases.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus
    if args.docs:
        corpus = copy_lines(args.corpus, args.work / f"corpus-{args.docs}.jsonl.gz", args.docs)
    cluster = None
    url = args.url
    if args.start_cluster:
        from indexer.opensearch.devcluster import DevCluster

        started = time.perf_counter()
        cluster = DevCluster(nodes=args.start_cluster, port=args.port, heap=args.heap).start()
        url = cluster.url
        print(f"dev cluster: {args.start_cluster} node(s), heap {args.heap} each, green in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    location = f"opensearch+{url.rstrip('/')}/{args.index_name}"
    embedded_dir = args.work / "index-p2"
    try:
        if "ingest" in phases:
            figures = run_child(INGEST_CODE.format(corpus=str(corpus)))
            print(f"ingestion alone: {figures['seconds']:.1f} s for {figures['records']} records "
                  f"({figures['records'] / figures['seconds']:.0f} records/s)", flush=True)
        if "build" in phases:
            if not args.skip_embedded:
                embedded_dir = build(corpus, args.work, 2)
            build_cluster(corpus, location, args.shards, args.replicas)
            if cluster is not None:
                rss = [_rss_kib(cluster.pid(node)) / 1024 for node in range(args.start_cluster)]
                print("node RSS after the build: " + ", ".join(f"{mb:.0f} MB" for mb in rss), flush=True)
        if "query" in phases:
            query_both(embedded_dir, location, corpus, args.questions)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
