"""Load test for ``fahras serve``: concurrent clients with real Arabic queries and facet filters.

    python bench/web_load.py --url http://127.0.0.1:8000 --clients 20 --seconds 30
    python bench/web_load.py --url http://127.0.0.1:8000 --clients 20 --slow-clients 3 --compare

``--slow-clients N`` adds N clients that send only phrases of very common
words (the queries that once stalled the server for everyone); their requests
are reported apart.  ``--compare`` runs twice, without and then with the slow
clients, and prints how much of their throughput the normal clients keep.

Each client is a thread with its own urllib opener that loops until the time
is up, sending a mix of search pages (with facets), filtered searches, date
ranges, later pages, JSON API calls and document pages.  Filter values
(sources, actors, months, document ids) are read from the server first, so
every request is one a user could make.  Any status but 200, or a network
error, counts as an error.  Prints requests/s, p50/p95/p99 latency and errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import quote, urlencode

QUERIES = (
    "العراق",
    "غزة",
    "الانسحاب الأمريكي",
    "إيران",
    "الاقتصاد",
    "أسعار النفط",
    "الانتخابات",
    "وزير الخارجية",
    "الأمم المتحدة",
    "كرة القدم",
    "السودان",
    "سوريا",
    "لبنان",
    "الحوثيين",
    "مصر",
    "فلسطين",
    "الرئيس الأمريكي",
    "أسعار الذهب",
    "البنك المركزي",
    '"مجلس الأمن"',
    "اليمن",
    "السعودية",
    "روسيا وأوكرانيا",
    "المقاومة الإسلامية",
    "التضخم",
    "الصحة العالمية",
)

#: Phrases of very common words: many candidates, each needing its positions or its text read.
SLOW_QUERIES = (
    '"في"',
    '"من الرياض"',
    '"في السعودية"',
    '"على أن"',
    '"من أجل"',
    '"في العراق"',
    '"إلى أن"',
    '"قال إن"',
)

#: (kind, weight): how often each kind of request is sent.
REQUEST_MIX = (
    ("search", 35),
    ("search+source", 15),
    ("search+actor", 12),
    ("search+date", 10),
    ("browse+source", 5),
    ("search+sort+page", 8),
    ("api", 10),
    ("document", 5),
)

TIMEOUT_SECONDS = 30
PERCENTILES = (50, 95, 99)


def fetch_json(base: str, path: str, params: dict | None = None) -> dict:
    url = f"{base}{path}" + (f"?{urlencode(params, doseq=True)}" if params else "")
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        return json.load(response)


def discover_filters(base: str) -> dict:
    """Real facet values and document ids from the server, so every request is a plausible one."""
    browse = fetch_json(base, "/api/search")
    facets = browse["facets"]
    doc_ids = [hit["id"] for hit in browse["hits"]]
    for query in QUERIES[:5]:
        doc_ids += [hit["id"] for hit in fetch_json(base, "/api/search", {"q": query})["hits"]]
    return {
        "sources": [item["value"] for item in facets.get("source", [])],
        "actors": [item["value"] for item in facets.get("actor", [])],
        "date_ranges": [
            # A bucket's end is the first day after it; until is inclusive.
            (item["start"], (dt.date.fromisoformat(item["end"]) - dt.timedelta(days=1)).isoformat())
            for item in facets.get("date", []) if item.get("start")
        ],
        "doc_ids": sorted(set(doc_ids)),
    }


def build_request(kind: str, rng: random.Random, filters: dict) -> str:
    """Path and query string of one request of the given kind."""
    if kind == "slow-phrase":
        return f"/?{urlencode({'q': rng.choice(SLOW_QUERIES)})}"
    params: dict[str, object] = {"q": rng.choice(QUERIES)}
    path = "/"
    if kind == "search+source" and filters["sources"]:
        params["source"] = rng.choice(filters["sources"])
    elif kind == "search+actor" and filters["actors"]:
        params["actor"] = rng.sample(filters["actors"], k=min(len(filters["actors"]), rng.choice((1, 1, 2))))
    elif kind == "search+date" and filters["date_ranges"]:
        # What clicking a histogram bar asks for: one month (or year, on a long date span).
        params["since"], params["until"] = rng.choice(filters["date_ranges"])
    elif kind == "browse+source" and filters["sources"]:
        params = {"source": rng.choice(filters["sources"]), "sort": "date"}
    elif kind == "search+sort+page":
        params.update(sort="date", page=rng.choice((1, 2, 3)))
    elif kind == "api":
        path = "/api/search"
    elif kind == "document" and filters["doc_ids"]:
        return f"/doc/{quote(rng.choice(filters['doc_ids']), safe='/')}?{urlencode({'q': params['q']})}"
    return f"{path}?{urlencode(params, doseq=True)}"


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind: dict[str, list[float]] = {}
        self.errors: Counter = Counter()
        self.error_examples: list[str] = []

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors[kind] += 1
                if len(self.error_examples) < 5:
                    self.error_examples.append(error)
            else:
                self.by_kind.setdefault(kind, []).append(seconds)


def client_loop(base: str, deadline: float, seed: int, filters: dict, results: Results, slow: bool = False) -> None:
    rng = random.Random(seed)
    kinds, weights = zip(*REQUEST_MIX)
    opener = urllib.request.build_opener()
    while time.perf_counter() < deadline:
        kind = "slow-phrase" if slow else rng.choices(kinds, weights)[0]
        path = build_request(kind, rng, filters)
        started = time.perf_counter()
        error = None
        try:
            with opener.open(base + path, timeout=TIMEOUT_SECONDS) as response:
                response.read()
        except urllib.error.HTTPError as failure:
            error = f"HTTP {failure.code} {path}"
        except OSError as failure:
            error = f"{type(failure).__name__}: {failure} {path}"
        results.record(kind, time.perf_counter() - started, error)


def percentile(sorted_values: list[float], pct: int) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


def summarize(results: Results, seconds: float, clients: int, slow_clients: int = 0) -> dict:
    """Figures of the normal clients' requests; the slow clients' are under ``slow``."""
    slow = sorted(results.by_kind.pop("slow-phrase", []))
    slow_errors = results.errors.pop("slow-phrase", 0)
    latencies = sorted(value for values in results.by_kind.values() for value in values)
    errors = sum(results.errors.values())
    summary = {
        "clients": clients,
        "slow_clients": slow_clients,
        "seconds": round(seconds, 1),
        "requests": len(latencies) + errors,
        "requests_per_second": round((len(latencies) + errors) / seconds, 1),
        "errors": errors,
        "errors_by_kind": dict(results.errors),
        "error_examples": results.error_examples,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
    }
    summary.update({f"p{pct}_ms": round(percentile(latencies, pct) * 1000, 1) for pct in PERCENTILES})
    summary["p95_ms_by_kind"] = {
        kind: round(percentile(sorted(values), 95) * 1000, 1) for kind, values in sorted(results.by_kind.items())
    }
    if slow_clients:
        summary["slow"] = {"requests": len(slow) + slow_errors, "errors": slow_errors,
                           "p50_ms": round(percentile(slow, 50) * 1000, 1),
                           "p95_ms": round(percentile(slow, 95) * 1000, 1)}
    return summary


def run(base: str, clients: int, slow_clients: int, seconds: float, seed: int, filters: dict) -> dict:
    results = Results()
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(target=client_loop, args=(base, deadline, seed + n, filters, results, n >= clients),
                         daemon=True)
        for n in range(clients + slow_clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarize(results, time.perf_counter() - started, clients, slow_clients)


def describe(summary: dict) -> str:
    text = (
        f"{summary['clients']} clients (+{summary['slow_clients']} slow), {summary['seconds']} s: "
        f"{summary['requests']} requests, {summary['requests_per_second']} req/s, errors {summary['errors']}\n"
        f"latency ms: p50 {summary['p50_ms']}, p95 {summary['p95_ms']}, p99 {summary['p99_ms']}, "
        f"max {summary['max_ms']}, mean {summary['mean_ms']}\n"
        f"p95 by kind: {summary['p95_ms_by_kind']}"
    )
    if "slow" in summary:
        slow = summary["slow"]
        text += (f"\nslow phrases: {slow['requests']} requests, p50 {slow['p50_ms']} ms, "
                 f"p95 {slow['p95_ms']} ms, errors {slow['errors']}")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of a running `fahras serve`")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow-clients", type=int, default=0, help="clients that send only slow phrase queries")
    parser.add_argument("--compare", action="store_true",
                        help="run without, then with the slow clients, and print the throughput kept")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")

    filters = discover_filters(base)
    print(
        f"filters from the server: {len(filters['sources'])} sources, {len(filters['actors'])} actors, "
        f"{len(filters['date_ranges'])} date buckets, {len(filters['doc_ids'])} document ids",
        file=sys.stderr,
    )
    runs = [run(base, args.clients, 0, args.seconds, args.seed, filters)] if args.compare else []
    runs.append(run(base, args.clients, args.slow_clients, args.seconds, args.seed, filters))
    summary = runs[-1]
    if args.compare:
        summary = {"without_slow": runs[0], "with_slow": runs[1],
                   "throughput_kept": round(runs[1]["requests_per_second"] / max(runs[0]["requests_per_second"], 1e-9), 3),
                   "errors": runs[0]["errors"] + runs[1]["errors"]}

    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for figures in runs:
            print(describe(figures))
            for example in figures["error_examples"]:
                print(f"  error: {example}")
        if args.compare:
            print(f"normal queries keep {summary['throughput_kept']:.0%} of their throughput with "
                  f"{args.slow_clients} slow clients")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
