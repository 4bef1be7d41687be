"""What `fahras dev-cluster` costs: time to green, memory per node, time to stop.

    .venv/bin/python bench/devcluster.py [--nodes 1 3] [--runs 3] [--heap 512m]

Each run starts a fresh cluster in a temporary folder (the launcher already built),
measures the wall time until the cluster is green, the resident memory (VmRSS) of each
node JVM once green and after indexing and searching a little, and the time the clean
stop takes.  Prints medians over the runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from indexer.opensearch.devcluster import DEFAULT_HEAP, DevCluster, build_launcher  # noqa: E402
from opensearch_fixtures import free_port_block  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def request(url: str, method: str = "GET", body: bytes | None = None) -> dict:
    headers = {"Content-Type": "application/x-ndjson" if method == "POST" else "application/json"}
    with urllib.request.urlopen(urllib.request.Request(url, body, headers, method=method), timeout=120) as answer:
        return json.loads(answer.read())


def light_load(url: str) -> None:
    """A few thousand small Arabic documents and some searches: memory after real use."""
    lines = []
    for n in range(5000):
        lines.append(json.dumps({"index": {"_index": "bench", "_id": str(n)}}))
        lines.append(json.dumps({"title": f"خبر رقم {n}", "body": "أعلنت الوزارة في بيان اليوم عن خطة جديدة " * 5},
                                ensure_ascii=False))
    request(f"{url}/_bulk?refresh=true", "POST", ("\n".join(lines) + "\n").encode())
    for _ in range(50):
        request(f"{url}/bench/_search?q=" + urllib.parse.quote("body:الوزارة"))


def one_run(nodes: int, heap: str) -> dict:
    cluster = DevCluster(nodes=nodes, port=free_port_block(nodes), heap=heap)
    started = time.monotonic()
    cluster.start()
    to_green = time.monotonic() - started
    try:
        pids = [cluster.pid(node) for node in range(nodes)]
        idle = [rss_mib(pid) for pid in pids]
        light_load(cluster.url)
        loaded = [rss_mib(pid) for pid in pids]
    finally:
        stopping = time.monotonic()
        cluster.stop()
        to_stop = time.monotonic() - stopping
    return {"green_s": to_green, "stop_s": to_stop, "idle_mib": statistics.mean(idle),
            "loaded_mib": statistics.mean(loaded)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--heap", default=DEFAULT_HEAP)
    args = parser.parse_args()
    built = time.monotonic()
    build_launcher()
    print(f"launcher ready in {time.monotonic() - built:.1f} s (cached build: near 0)")
    print(f"{'nodes':>5} {'heap':>5} {'green s':>8} {'stop s':>7} {'RSS/node idle MiB':>18} "
          f"{'RSS/node loaded MiB':>20}   (medians of {args.runs} runs)")
    for nodes in args.nodes:
        runs = [one_run(nodes, args.heap) for _ in range(args.runs)]
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(f"{nodes:>5} {args.heap:>5} {median['green_s']:>8.1f} {median['stop_s']:>7.1f} "
              f"{median['idle_mib']:>18.0f} {median['loaded_mib']:>20.0f}")


if __name__ == "__main__":
    main()
