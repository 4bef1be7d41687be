"""Ingestion speed on the shared 70k corpus: articles per second on one core.

    python bench/ingest.py [--limit N] [--runs R] [--corpus PATH] [--profile]

Lines are read and decompressed once, before timing, so the figure is the
cost of ``json_line_record`` (JSON parsing, metadata, cleaning check, actors).
Each run also times bare ``json.loads`` over the same lines: on a shared
machine the ratio between the two is steadier than either rate.  Rates are
given by wall clock and by process CPU time (which a busy machine disturbs
less); ``--parts`` also times actor extraction alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import gzip
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from indexer.ingest import json_line_record
from indexer.records import Skipped
from scale import DEFAULT_CORPUS  # ../shared beside the checkout

PROFILE_PATH = str(Path(tempfile.gettempdir()) / "fahras-ingest.prof")

REFERENCE_DATE = dt.date(2024, 1, 1)


def load_lines(corpus: Path, limit: int | None) -> list[bytes]:
    lines = []
    with gzip.open(corpus, "rb") as handle:
        for line in handle:
            lines.append(line)
            if limit and len(lines) >= limit:
                break
    return lines


def ingest(lines: list[bytes], path: str) -> tuple[float, float, Counter]:
    """``(wall seconds, CPU seconds, outcome counts)`` of ingesting ``lines``."""
    outcome = Counter()
    start, start_cpu = time.perf_counter(), time.process_time()
    for number, line in enumerate(lines, start=1):
        record = json_line_record(line, line_number=number, id_base="corpus", path=path, reference_date=REFERENCE_DATE)
        if isinstance(record, Skipped):
            outcome["skipped"] += 1
        else:
            outcome["records"] += 1
            outcome["with actors"] += bool(record.actors)
            outcome["cleaned"] += record.original is not None
    return time.perf_counter() - start, time.process_time() - start_cpu, outcome


def time_json(lines: list[bytes]) -> tuple[float, float]:
    start, start_cpu = time.perf_counter(), time.process_time()
    for line in lines:
        json.loads(line)
    return time.perf_counter() - start, time.process_time() - start_cpu


def actor_parts(lines: list[bytes]) -> None:
    """Print the CPU microseconds per article of ``extract_actors`` alone."""
    from indexer.ingest import actors

    texts = []
    for line in lines:
        article = json.loads(line)
        texts.append(f"{article.get('title')}\n{article.get('body')}")
    start = time.process_time()
    for text in texts:
        actors.extract_actors(text)
    per_article = (time.process_time() - start) / len(texts) * 1e6
    print(f"extract_actors: {per_article:.0f} us CPU per article")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one run instead of timing")
    parser.add_argument("--parts", action="store_true", help="also time actor extraction alone")
    args = parser.parse_args()
    lines = load_lines(args.corpus, args.limit)
    print(f"{len(lines)} articles from {args.corpus}")
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("ingest(lines, str(args.corpus))", globals(), locals(), PROFILE_PATH)
        pstats.Stats(PROFILE_PATH).sort_stats("cumulative").print_stats(25)
        return
    ingest(lines[:200], str(args.corpus))  # load data files, warm caches
    rates, cpu_rates, ratios = [], [], []
    for run in range(args.runs):
        json_seconds, json_cpu = time_json(lines)
        seconds, cpu, outcome = ingest(lines, str(args.corpus))
        rates.append(len(lines) / seconds)
        cpu_rates.append(len(lines) / cpu)
        ratios.append(cpu / json_cpu)
        print(
            f"run {run + 1}: {seconds:.2f} s, {rates[-1]:,.0f} articles/s, {cpu_rates[-1]:,.0f} articles/CPU-s "
            f"({ratios[-1]:.1f}x the CPU time of bare json.loads)  {dict(outcome)}"
        )
    print(
        f"median: {statistics.median(rates):,.0f} articles/s, {statistics.median(cpu_rates):,.0f} articles/CPU-s, "
        f"{statistics.median(ratios):.1f}x the CPU time of bare json.loads, over {args.runs} runs"
    )
    if args.parts:
        actor_parts(lines)


if __name__ == "__main__":
    main()
