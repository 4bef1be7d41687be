"""Ranking metrics with binary judgments, as trec_eval computes them.

Kept apart from the harness so the regression test can import them without
pulling in the command line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

METRIC_NAMES = ("MRR@10", "nDCG@10", "R@10", "R@100")


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], depth: int = 10) -> float:
    for rank, doc_id in enumerate(ranked[:depth], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def ndcg(ranked: Sequence[str], relevant: set[str], depth: int = 10) -> float:
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc_id in enumerate(ranked[:depth], start=1) if doc_id in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), depth) + 1))
    return dcg / ideal


def recall(ranked: Sequence[str], relevant: set[str], depth: int) -> float:
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:depth])) / len(relevant)


def query_metrics(ranked: Sequence[str], relevant: set[str]) -> dict[str, float]:
    return {
        "MRR@10": reciprocal_rank(ranked, relevant, 10),
        "nDCG@10": ndcg(ranked, relevant, 10),
        "R@10": recall(ranked, relevant, 10),
        "R@100": recall(ranked, relevant, 100),
    }


def mean_metrics(per_query: Iterable[dict[str, float]]) -> dict[str, float]:
    rows = list(per_query)
    if not rows:
        return dict.fromkeys(METRIC_NAMES, 0.0)
    return {name: sum(row[name] for row in rows) / len(rows) for name in METRIC_NAMES}
