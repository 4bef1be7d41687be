"""The tagger's per-document arithmetic, compiled with numba: emission sums, the open stretches, Viterbi.

Why compiled: a document's decoding is a few hundred tiny steps (9 labels,
stretches of 3-10 tokens).  In numpy each step is a handful of calls on
arrays of a few dozen numbers, so the call overhead was most of the tagging
time (about half of actor extraction, the costliest part of ingestion).
One compiled pass does the same sums in the same order (float32, first
maximum wins), so it returns exactly the path ``ner.Tagger.viterbi`` (the
numpy reference) finds over each stretch.

Only this module imports numba.  The compiled code is cached beside the
module (or in numba's per-user cache when that is read-only), so a process
pays the compilation once per installation, not per run; where neither can
be written, every process compiles (a few seconds) instead of failing.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def compiled(function):
    """``function`` compiled without the GIL, cached on disk where numba finds a writable place."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return njit(nogil=True)(function)


@compiled
def emission_scores(ids: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``(tokens, labels)`` scores; ``ids`` are the row numbers of the words, two padding rows on each side.

    Token i gets, from the word k places away (k = -2..2), that word's row for
    offset k; the sum runs in the order of the numpy reference (offset 0, then
    -2, -1, +1, +2).
    """
    n = len(ids) - 4
    labels = table.shape[2]
    scores = np.empty((n, labels), np.float32)
    for i in range(n):
        for label in range(labels):
            total = table[ids[i + 2], 2, label]
            total += table[ids[i], 0, label]
            total += table[ids[i + 1], 1, label]
            total += table[ids[i + 3], 3, label]
            total += table[ids[i + 4], 4, label]
            scores[i, label] = total
    return scores


@compiled
def open_tokens(scores: np.ndarray, outside: int, competitive: float) -> np.ndarray:
    """Whether each token is decoded: some entity label within ``competitive`` of O here or next door."""
    n, labels = scores.shape
    near = np.zeros(n, np.bool_)
    for i in range(n):
        for label in range(labels):
            if label != outside and scores[i, label] - scores[i, outside] >= -competitive:
                near[i] = True
                break
    decoded = near.copy()
    for i in range(n):
        if near[i]:
            if i > 0:
                decoded[i - 1] = True
            if i + 1 < n:
                decoded[i + 1] = True
    return decoded


@compiled
def decode_stretches(scores: np.ndarray, decoded: np.ndarray, transitions: np.ndarray, outside: int) -> np.ndarray:
    """The best label of every token: Viterbi over each run of decoded tokens with O on both sides, O elsewhere."""
    n, labels = scores.shape
    path = np.full(n, outside, np.intp)
    delta = np.empty(labels, np.float32)
    following = np.empty(labels, np.float32)
    back = np.empty((n, labels), np.intp)
    start = 0
    while start < n:
        if not decoded[start]:
            start += 1
            continue
        end = start
        while end < n and decoded[end]:
            end += 1
        for label in range(labels):
            delta[label] = scores[start, label] + transitions[outside, label]
        for position in range(start + 1, end):
            for to in range(labels):
                best = delta[0] + transitions[0, to]
                best_from = 0
                for source in range(1, labels):
                    candidate = delta[source] + transitions[source, to]
                    if candidate > best:
                        best = candidate
                        best_from = source
                following[to] = best + scores[position, to]
                back[position, to] = best_from
            delta[:] = following
        current = 0
        best = delta[0] + transitions[0, outside]
        for label in range(1, labels):
            candidate = delta[label] + transitions[label, outside]
            if candidate > best:
                best = candidate
                current = label
        for position in range(end - 1, start, -1):
            path[position] = current
            current = back[position, current]
        path[start] = current
        start = end
    return path


@compiled
def sum_feature_blocks(blocks: np.ndarray, features: np.ndarray, starts: np.ndarray, table: np.ndarray,
                       first: int) -> None:
    """Row ``first + k`` of ``table`` = the sum of the blocks of word k's features ``features[starts[k]:starts[k+1]]``.

    ``starts`` has one entry more than there are words (the end of the last).
    """
    offsets, labels = blocks.shape[1], blocks.shape[2]
    for word in range(len(starts) - 1):
        row = table[first + word]
        row[:, :] = 0
        for position in range(starts[word], starts[word + 1]):
            block = blocks[features[position]]
            for offset in range(offsets):
                for label in range(labels):
                    row[offset, label] += block[offset, label]


@compiled
def entity_spans(path: np.ndarray, scores: np.ndarray, transitions: np.ndarray, outside: int, kinds: np.ndarray,
                 types: np.ndarray) -> np.ndarray:
    """``(spans, 4)`` rows of start, end (exclusive), type number and margin of a label path's entity spans.

    ``kinds[label]`` is 0 for O, 1 for B-, 2 for I-; ``types[label]`` numbers
    the type.  An I- that does not continue its type starts a span (CoNLL).
    The margin, for one-word spans only (NaN for longer ones): the path's
    score minus the score of the same path with the word as O.
    """
    n = len(path)
    found = np.empty((n, 4), np.float64)
    count = 0
    position = 0
    while position < n:
        label = path[position]
        if kinds[label] == 0:
            position += 1
            continue
        start = position
        position += 1
        while position < n and kinds[path[position]] == 2 and types[path[position]] == types[label]:
            position += 1
        found[count, 0] = start
        found[count, 1] = position
        found[count, 2] = types[label]
        found[count, 3] = np.nan
        if position == start + 1:
            before = path[start - 1] if start > 0 else outside
            after = path[position] if position < n else outside
            # In float64 from the float32 difference, summed in the order the ingestion rules were tuned with.
            gain = np.float64(scores[start, label] - scores[start, outside])
            gain += np.float64(transitions[before, label]) + np.float64(transitions[label, after])
            found[count, 3] = gain - (np.float64(transitions[before, outside]) + np.float64(transitions[outside, after]))
        count += 1
    return found[:count]
