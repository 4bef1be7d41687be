"""Normalization speed: Fahras's ``normalize_with_digits`` against pyarabic's functions.

    python bench/normalize.py [--corpus PATH] [--docs N] [--repeat K]

pyarabic is a dependency for its character names and tables and its number
words; this measures whether its stripping functions could also replace ours
(they could only where at least as fast).  Three workloads, each the median of
K runs over the first N articles: whole articles (ingestion normalizes whole
texts), and the words of the first tenth of them (the analysis chain
normalizes one word at a time, on a cache miss).  Every comparison checks that
both sides give the same text first.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from itertools import islice
from pathlib import Path

from pyarabic import araby

from indexer.text import normalize as n
from indexer.text.analysis import WORD_PATTERN

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "arabic-news-70k.jsonl.gz"


def load_texts(corpus: Path, docs: int) -> list[str]:
    with gzip.open(corpus, "rt", encoding="utf-8") as stream:
        return [f"{a.get('title') or ''}\n{a.get('body') or ''}" for a in map(json.loads, islice(stream, docs))]


def drop_marks_ours(text: str) -> str:
    for mark in n.COMMON_MARKS:
        if mark in text:
            text = text.replace(mark, "")
    return text


def drop_marks_pyarabic(text: str) -> str:
    return araby.strip_tatweel(araby.strip_tashkeel(text))


def pyarabic_normalize(text: str) -> str:
    """What pyarabic offers of our rules: tashkeel, tatweel, hamza forms to bare letters, teh marbuta."""
    return araby.normalize_teh(araby.normalize_hamza(drop_marks_pyarabic(text), method="tasheel"))


def median_seconds(function, inputs, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in inputs:
            function(item)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = load_texts(args.corpus, args.docs)
    words = [word for text in texts[: max(1, len(texts) // 10)] for word in WORD_PATTERN.findall(text)]
    print(f"{len(texts)} articles, {len(words):,} words, median of {args.repeat} runs")
    comparisons = [
        ("tashkeel + tatweel, whole articles", texts, drop_marks_ours, drop_marks_pyarabic, True),
        ("tashkeel + tatweel, words", words, lambda w: n.remove_tatweel(n.remove_harakat(w)), drop_marks_pyarabic, False),
        ("normalization, words (ours: every rule)", words, n.normalize_with_digits, pyarabic_normalize, False),
        ("normalization, whole articles (ours: every rule)", texts, n.normalize_with_digits, pyarabic_normalize, False),
    ]
    for label, inputs, ours, theirs, same in comparisons:
        if same:
            assert all(ours(item) == theirs(item) for item in inputs), label
        mine, pyarabic = median_seconds(ours, inputs, args.repeat), median_seconds(theirs, inputs, args.repeat)
        print(f"{label:50} fahras {mine:7.3f} s   pyarabic {pyarabic:7.3f} s   pyarabic/fahras {pyarabic / mine:5.2f}x")


if __name__ == "__main__":
    main()
