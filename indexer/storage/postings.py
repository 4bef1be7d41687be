"""Reading Whoosh segments for the numpy engine: postings as arrays, positions, field lengths.

Whoosh's own matchers decode one posting per Python call; this module reads a
W3 posting list block by block (through the matcher's block internals) into
numpy arrays, skips blocks below the wanted documents when reading positions,
and reads the per-document length bytes, through ``whoosh_internals``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length

from indexer.storage import whoosh_internals

#: Postings kept in memory across queries, in bytes (docnums + frequencies).
POSTINGS_CACHE_BYTES = 96 << 20
#: How many indexed words a ``prefix*`` may expand to (the most frequent win).
MAX_PREFIX_TERMS = 200
#: How many candidate words to look at before choosing the most frequent.
MAX_PREFIX_SCAN = 20000

_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


def length_bytes(segment, fieldname: str, count: int) -> np.ndarray:
    """The one-byte encoded field lengths of a segment's documents."""
    reader = whoosh_internals.segment_length_column(segment, fieldname)
    if reader is None:
        return np.zeros(count, dtype=np.uint8)
    return np.fromiter((reader[i] for i in range(count)), dtype=np.uint8, count=count)


def field_lengths(segment, fieldname: str, count: int) -> np.ndarray:
    """The (approximate, one-byte encoded) length of ``fieldname`` in each of a segment's documents."""
    return _LENGTHS[length_bytes(segment, fieldname, count)]


# --- postings --------------------------------------------------------------------------


_EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def _leaf_postings(segment, fieldname: str, term: str):
    """The raw postings matcher of a segment's term: deleted documents are masked later by ``DocTable.live``."""
    return whoosh_internals.unfiltered(segment.postings(fieldname, term))


def _matcher_arrays(matcher, offset: int) -> tuple[np.ndarray, np.ndarray]:
    if whoosh_internals.is_block_matcher(matcher):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(np.asarray(whoosh_internals.block_ids(matcher), dtype=np.int32))
            weights.append(np.asarray(whoosh_internals.block_weights(matcher), dtype=np.float32))
            whoosh_internals.next_block(matcher)
        if not ids:
            return _EMPTY
        return np.concatenate(ids) + offset, np.concatenate(weights)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int32) + offset, np.asarray(weights, dtype=np.float32)


class PostingsCache:
    """Term postings kept in memory for one generation, shared by its searchers (thread-safe)."""

    def __init__(self, max_bytes: int = POSTINGS_CACHE_BYTES):
        self.max_bytes = max_bytes
        self._entries: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        size = value[0].nbytes + value[1].nbytes
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, old = self._entries.popitem(last=False)
                self._bytes -= old[0].nbytes + old[1].nbytes


class Postings:
    """A term's postings as numpy arrays, read once per index generation.

    One ``Postings`` per Whoosh reader (readers are not thread-safe); the
    ``cache`` may be shared by the readers of one generation.
    """

    def __init__(self, reader, cache: PostingsCache | None = None):
        self.reader = reader
        self.leaves = reader.leaf_readers()
        self.cache = cache if cache is not None else PostingsCache()

    def get(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (fieldname, term)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        parts = []
        for segment, offset in self.leaves:
            if (fieldname, term) in segment:
                parts.append(_matcher_arrays(_leaf_postings(segment, fieldname, term), offset))
        if not parts:
            result = _EMPTY
        elif len(parts) == 1:
            result = parts[0]
        else:
            result = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
        self.cache.put(key, result)
        return result

    def positions(self, fieldname: str, term: str, docnums: np.ndarray) -> dict[int, list[int]]:
        """Positions of ``term`` in each of ``docnums`` (sorted) that contains it."""
        found: dict[int, list[int]] = {}
        for segment, offset in self.leaves:
            count = segment.doc_count_all()
            local = docnums[(docnums >= offset) & (docnums < offset + count)] - offset
            if not len(local) or (fieldname, term) not in segment:
                continue
            matcher = _leaf_postings(segment, fieldname, term)
            decode = self.reader.schema[fieldname].format.decoder("positions")
            if whoosh_internals.is_block_matcher(matcher):
                # A block whose last id is below the next wanted document is skipped
                # unread: its header says so (a frequent word has thousands of blocks).
                next_wanted = 0
                while matcher.is_active() and next_wanted < len(local):
                    last_id = whoosh_internals.block_last_id(matcher)
                    if last_id < local[next_wanted]:
                        whoosh_internals.next_block(matcher)
                        continue
                    block_end = int(np.searchsorted(local, last_id, side="right"))
                    block_ids = np.asarray(whoosh_internals.block_ids(matcher))
                    hits = np.flatnonzero(np.isin(block_ids, local[next_wanted:block_end], assume_unique=True))
                    if len(hits):
                        values = whoosh_internals.block_values(matcher)
                        for i in hits:
                            found[int(block_ids[i]) + offset] = decode(values[i])
                    next_wanted = block_end
                    whoosh_internals.next_block(matcher)
            else:
                wanted = set(local.tolist())
                while matcher.is_active():
                    if matcher.id() in wanted:
                        found[matcher.id() + offset] = decode(matcher.value() or emptybytes)
                    matcher.next()
        return found

    def expand_prefix(self, fieldname: str, prefix: str) -> list[str]:
        """The most frequent indexed words of ``fieldname`` that start with ``prefix``."""
        frequencies: dict[str, int] = {}
        for segment, _offset in self.leaves:
            for scanned, term in enumerate(segment.expand_prefix(fieldname, prefix)):
                if scanned >= MAX_PREFIX_SCAN:
                    break
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                frequencies[text] = frequencies.get(text, 0) + segment.doc_frequency(fieldname, term)
        ranked = sorted(frequencies, key=frequencies.get, reverse=True)
        return ranked[:MAX_PREFIX_TERMS]
