"""The W3 posting-block and term-table formats, as Fahras writes them.

Shared by the segment writer (``segments``) and the segment merge
(``merge``): blocks pickled compactly (protocol 3, no memo, whole-number
weights as ints) that Whoosh's own readers decode unchanged, inlined short
posting lists, and term-table entries written in batches.
"""

from __future__ import annotations

import io
import operator
import pickle
import struct
import zlib
from array import array
from hashlib import md5

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.filetables import md5_hash
from whoosh.system import emptybytes, pack_int
from whoosh.util.numeric import length_to_byte

from indexer.storage import whoosh_internals
from indexer.storage.whoosh_internals import add_block_stats

#: Whoosh's W3 block layout: postings per block, zlib level.
BLOCK_POSTINGS = 128
BLOCK_COMPRESSION = 3
#: The oldest protocol that pickles ``bytes`` natively (Whoosh uses 2).
PICKLE_PROTOCOL = 3

#: ``whoosh.filedb.filetables``: each entry of a hash file starts with its key and value lengths.
ENTRY_LENGTHS = struct.Struct("!ii")


def add_entries(table, entries: list[tuple[bytes, bytes]]) -> None:
    """``OrderedHashWriter.add`` for each of ``entries`` (keys ascending): the same file, far fewer calls.

    Each entry is its key and value lengths, the key and the value; the
    writer remembers every entry's position (for ordered lookups) and its
    MD5-based hash (for the hash tables written on close).
    """
    if not entries:
        return
    if table.hashfn is not md5_hash:
        raise ValueError("add_entries writes MD5-hashed tables only")
    if entries[0][0] <= table.lastkey:
        raise ValueError(f"Keys must increase: {table.lastkey!r}..{entries[0][0]!r}")
    dbfile = table.dbfile
    buckets = table.buckets
    pack = ENTRY_LENGTHS.pack
    position = dbfile.tell()
    positions = []
    chunks = []
    for key, value in entries:
        positions.append(position)
        chunks += (pack(len(key), len(value)), key, value)
        # md5_hash: the digest's last four bytes as a big-endian number.
        hashed = int.from_bytes(md5(key).digest()[-4:], "big")
        buckets[hashed & 255].append((hashed, position))
        position += ENTRY_LENGTHS.size + len(key) + len(value)
    dbfile.write(emptybytes.join(chunks))
    index = table.index
    if isinstance(index.array, array):
        try:
            array(index.array.typecode, positions[-1:])
        except OverflowError:
            whoosh_internals.widen_hash_index(index, positions[-1])
    index.array.extend(positions)
    table.lastkey = entries[-1][0]


def compact_pickle(value) -> bytes:
    """``value`` pickled without memo entries (it holds no shared or recursive objects)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, PICKLE_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


def compact_weights(weights: list) -> tuple:
    """Weights as stored: ints when they are all whole numbers (term frequencies, usually)."""
    if all(weight.is_integer() for weight in weights):
        return tuple(map(int, weights))
    return tuple(weights)


class CompactTermInfo(W3TermInfo):
    """A ``W3TermInfo`` whose inlined postings are pickled with ``compact_pickle``."""

    def to_bytes(self) -> bytes:
        if not self.is_inlined():
            return super().to_bytes()
        # The statistics exactly as ``W3TermInfo.to_bytes`` packs them (ids are never None here).
        head = self._struct.pack(True, self._weight, self._df,
                                 0 if self._minlength is None else length_to_byte(self._minlength),
                                 length_to_byte(self._maxlength), self._maxweight, self._minid, self._maxid)
        ids, weights, values = self._inlined
        return head + compact_pickle((ids, compact_weights(weights), values))


def block_bytes(chunks: list, terminfo, docnums: list, weights: list, values, lengths: list, last: bool) -> None:
    """One block, laid out as ``W3PostingsWriter._write_block`` writes it, and its term statistics."""
    count = len(docnums)
    if weights.count(1.0) == count:
        mini_weights = None
    elif weights.count(weights[0]) == count:
        mini_weights = weights[0]
    else:
        mini_weights = compact_weights(weights)
    deltas = tuple(map(operator.sub, docnums, [0, *docnums[:-1]])) if count > 1 else (docnums[0],)
    data = compact_pickle((deltas, mini_weights, values))
    compressed = zlib.compress(data, BLOCK_COMPRESSION)
    # Short blocks do not shrink: W3 blocks record their compression level, 0 for none.
    compression = BLOCK_COMPRESSION if len(compressed) < len(data) else 0
    if compression:
        data = compressed
    min_length = shortest_length(lengths)
    max_length = max(lengths)
    max_weight = max(weights)
    last_id = docnums[-1]
    info = compact_pickle((count, last_id, int(max_weight) if max_weight.is_integer() else max_weight, compression,
                           length_to_byte(min_length), length_to_byte(max_length)))
    size = len(info) + len(data)
    chunks.append(pack_int(-size if last else size))
    chunks.append(info)
    chunks.append(data)
    add_block_stats(terminfo, docnums, weights, min_length, max_length)


def shortest_length(lengths: list) -> int | None:
    """Field lengths of 0 (fields that are not scorable) do not count, as in ``W3PostingsWriter.add_posting``."""
    shortest = min(lengths)
    if not shortest:
        present = [length for length in lengths if length]
        shortest = min(present) if present else None
    return shortest

