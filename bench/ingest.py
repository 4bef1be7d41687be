"""Ingestion speed on the shared 70k corpus: articles per second on one core.

    python bench/ingest.py [--limit N] [--runs R] [--corpus PATH] [--profile]

Lines are read and decompressed once, before timing, so the figure is the
cost of ``json_line_record`` (JSON parsing, metadata, cleaning check, actors).
Each run also times bare ``json.loads`` over the same lines: on a shared
machine the ratio between the two is steadier than either rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from indexer.ingest import json_line_record
from indexer.records import Skipped

DEFAULT_CORPUS = Path("/work/shared/corpus/arabic-news-70k.jsonl.gz")
REFERENCE_DATE = dt.date(2024, 1, 1)


def load_lines(corpus: Path, limit: int | None) -> list[bytes]:
    lines = []
    with gzip.open(corpus, "rb") as handle:
        for line in handle:
            lines.append(line)
            if limit and len(lines) >= limit:
                break
    return lines


def ingest(lines: list[bytes], path: str) -> tuple[float, Counter]:
    outcome = Counter()
    start = time.perf_counter()
    for number, line in enumerate(lines, start=1):
        record = json_line_record(line, line_number=number, id_base="corpus", path=path, reference_date=REFERENCE_DATE)
        if isinstance(record, Skipped):
            outcome["skipped"] += 1
        else:
            outcome["records"] += 1
            outcome["with actors"] += bool(record.actors)
            outcome["cleaned"] += record.original is not None
    return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one run instead of timing")
    args = parser.parse_args()
    lines = load_lines(args.corpus, args.limit)
    print(f"{len(lines)} articles from {args.corpus}")
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("ingest(lines, str(args.corpus))", globals(), locals(), "/tmp/ingest.prof")
        pstats.Stats("/tmp/ingest.prof").sort_stats("cumulative").print_stats(25)
        return
    ingest(lines[:200], str(args.corpus))  # load data files, warm caches
    rates, ratios = [], []
    for run in range(args.runs):
        start = time.perf_counter()
        for line in lines:
            json.loads(line)
        json_seconds = time.perf_counter() - start
        seconds, outcome = ingest(lines, str(args.corpus))
        rates.append(len(lines) / seconds)
        ratios.append(seconds / json_seconds)
        print(
            f"run {run + 1}: {seconds:.2f} s, {rates[-1]:,.0f} articles/s "
            f"({ratios[-1]:.1f}x bare json.loads)  {dict(outcome)}"
        )
    print(
        f"median: {statistics.median(rates):,.0f} articles/s, {statistics.median(ratios):.1f}x the time of "
        f"bare json.loads, over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
