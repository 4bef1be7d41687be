"""Analyzer throughput: tokens per second of the Fahras chain against Whoosh's StandardAnalyzer.

    python bench/analyzer.py [--corpus PATH] [--docs N] [--repeat K]

Each run analyzes the title and body of the first N articles, as indexing does
(positions and character offsets on), starting from empty caches; the figure
is the median of K runs and the ratio is our time over StandardAnalyzer's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from itertools import islice
from pathlib import Path

from whoosh.analysis import StandardAnalyzer

from indexer.text.analysis import DEFAULT_STEMMER, STEMMERS, arabic_analyzer, clear_caches
from scale import DEFAULT_CORPUS  # ../shared beside the checkout

DEFAULT_DOCS = 10_000
DEFAULT_REPEAT = 3


def load_texts(corpus: Path, docs: int) -> list[str]:
    with gzip.open(corpus, "rt", encoding="utf-8") as stream:
        return [
            f"{article.get('title') or ''}\n{article.get('body') or ''}"
            for article in map(json.loads, islice(stream, docs))
        ]


def timed_run(analyzer, texts: list[str]) -> tuple[float, int]:
    clear_caches()
    tokens = 0
    started = time.perf_counter()
    for text in texts:
        for _ in analyzer(text, positions=True, chars=True):
            tokens += 1
    return time.perf_counter() - started, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--docs", type=int, default=DEFAULT_DOCS)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    args = parser.parse_args()

    texts = load_texts(args.corpus, args.docs)
    print(f"{len(texts)} articles, {sum(map(len, texts)):,} characters, median of {args.repeat} runs")
    contenders = {"whoosh StandardAnalyzer": StandardAnalyzer()}
    ordered = [DEFAULT_STEMMER] + [name for name in STEMMERS if name != DEFAULT_STEMMER]
    for name in ordered:
        contenders[f"fahras chain, stemmer={name}"] = arabic_analyzer(name)
    medians = {label: [] for label in contenders}
    counts = {}
    # Interleave contenders within each round so machine load hits them alike.
    for _ in range(args.repeat):
        for label, analyzer in contenders.items():
            seconds, counts[label] = timed_run(analyzer, texts)
            medians[label].append(seconds)
    baseline = statistics.median(medians["whoosh StandardAnalyzer"])
    for label, runs in medians.items():
        seconds = statistics.median(runs)
        print(
            f"{label:34} {counts[label]:>10,} tokens  {seconds:7.2f} s  "
            f"{counts[label] / seconds:>10,.0f} tokens/s  {seconds / baseline:5.2f}x StandardAnalyzer time"
        )


if __name__ == "__main__":
    main()
