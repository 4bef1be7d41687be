"""Load test for ``fahras serve``: concurrent clients with real Arabic queries and facet filters.

    python bench/web_load.py --url http://127.0.0.1:8000 --clients 20 --seconds 30
    python bench/web_load.py --url http://127.0.0.1:8000 --clients 20 --slow-clients 3 --compare
    python bench/web_load.py --url http://127.0.0.1:8000 --clients 10 --slow-clients 3 --seconds 20 --compare --repeat 3

``--slow-clients N`` adds N clients that send only phrases of very common
words (the queries that once stalled the server for everyone); their requests
are reported apart.  ``--compare`` runs twice, without and then with the slow
clients, and prints how much of their throughput the normal clients keep and
their p95 latency both ways.  ``--repeat K`` repeats the comparison K times
(each a pair of runs back to back, so a noisy neighbour hits both sides alike)
and prints the median throughput kept: on a machine shared with the load
generator one pair is not a measurement.

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


def compare(without: dict, with_slow: dict) -> dict:
    """The normal clients' figures without and with the slow clients, and what they keep."""
    return {
        "without_slow": without,
        "with_slow": with_slow,
        "throughput_kept": round(with_slow["requests_per_second"] / max(without["requests_per_second"], 1e-9), 3),
        "rps_without": without["requests_per_second"],
        "rps_with": with_slow["requests_per_second"],
        "p95_ms_without": without["p95_ms"],
        "p95_ms_with": with_slow["p95_ms"],
        # Below 1: the p95 latency grew with the slow clients.
        "p95_kept": round(without["p95_ms"] / max(with_slow["p95_ms"], 1e-9), 3),
        "errors": without["errors"] + with_slow["errors"],
    }


def describe_comparison(comparison: dict, slow_clients: int) -> str:
    return (f"normal queries keep {comparison['throughput_kept']:.0%} of their throughput with "
            f"{slow_clients} slow clients ({comparison['rps_without']} -> {comparison['rps_with']} req/s; "
            f"p95 {comparison['p95_ms_without']} -> {comparison['p95_ms_with']} ms)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of a running `fahras serve`")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow-clients", type=int, default=0, help="clients that send only slow phrase queries")
    parser.add_argument("--compare", action="store_true",
                        help="run without, then with the slow clients, and print the throughput kept")
    parser.add_argument("--repeat", type=int, default=1,
                        help="with --compare: repeat the pair of runs this many times and report the medians")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    if args.repeat > 1 and not args.compare:
        parser.error("--repeat needs --compare")

    filters = discover_filters(base)
    print(
        f"filters from the server: {len(filters['sources'])} sources, {len(filters['actors'])} actors, "
        f"{len(filters['date_ranges'])} date buckets, {len(filters['doc_ids'])} document ids",
        file=sys.stderr,
    )
    if args.compare:
        comparisons = []
        for repetition in range(max(1, args.repeat)):
            seed = args.seed + 1000 * repetition
            without = run(base, args.clients, 0, args.seconds, seed, filters)
            with_slow = run(base, args.clients, args.slow_clients, args.seconds, seed, filters)
            comparisons.append(compare(without, with_slow))
            if not args.json:
                for figures in (without, with_slow):
                    print(describe(figures))
                    for example in figures["error_examples"]:
                        print(f"  error: {example}")
                print(describe_comparison(comparisons[-1], args.slow_clients))
        summary = comparisons[0] if len(comparisons) == 1 else {
            "comparisons": comparisons,
            "median": {key: round(statistics.median(c[key] for c in comparisons), 3)
                       for key in ("throughput_kept", "p95_kept", "rps_without", "rps_with",
                                   "p95_ms_without", "p95_ms_with")},
            "errors": sum(c["errors"] for c in comparisons),
        }
        if args.json:
            print(json.dumps(summary, ensure_ascii=False, indent=2))
        elif len(comparisons) > 1:
            median = summary["median"]
            kept = ", ".join(f"{c['throughput_kept']:.0%}" for c in comparisons)
            print(f"median of {len(comparisons)} comparisons: normal queries keep {median['throughput_kept']:.0%} "
                  f"of their throughput ({median['rps_without']} -> {median['rps_with']} req/s), "
                  f"p95 {median['p95_ms_without']} -> {median['p95_ms_with']} ms; each run: {kept}")
        return 1 if summary["errors"] else 0

    summary = run(base, args.clients, args.slow_clients, args.seconds, args.seed, filters)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(describe(summary))
        for example in summary["error_examples"]:
            print(f"  error: {example}")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
