"""Merging freshly built segments into one, copying whatever can be copied.

A large batch is indexed by two worker processes, each writing its own
segment.  Every segment repeats the term table of its vocabulary: on the
70k-article corpus two segments held 1.3 term entries per distinct term, at
about 90 bytes each, and a search reads one posting list per term per
segment.  ``write_merged_postings`` writes the postings of such segments as
one segment's (``FastSegmentWriter.merge_fresh`` copies their per-document
data first, through Whoosh's ``write_per_doc``):

* a term found in the first segment only keeps its bytes: the term info as
  it is (inlined postings included) and its posting blocks copied raw, as its
  document numbers do not change;
* when the first segment's part of a posting list is in blocks, those blocks
  are copied and only the last one's "last block" mark is cleared;
* every other part is decoded, its document numbers shifted, and written
  again as compact blocks (or inlined, when the whole list is short).

Segments with deleted documents are not merged here (their document numbers
would need a map); Whoosh's own merge handles those.
"""

from __future__ import annotations

import heapq
import io
import pickle
import struct
import zlib
from itertools import accumulate, groupby

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.util.numeric import byte_to_length

from indexer import segments

_TERM_INFO = W3TermInfo._struct
_POINTER = struct.Struct("!qi")
_BLOCK_LENGTH = struct.Struct("!i")
_FIELD_NUMBER = struct.Struct("!H")


class SourceSegment:
    """One segment being merged: its term table, postings file and first document number in the merge."""

    def __init__(self, reader, offset: int):
        terms = reader._terms
        self.reader = reader
        self.table = terms._tindex
        self.fieldmap = terms._fieldmap
        self.postfile = terms._postfile
        self.offset = offset

    def field_terms(self, fieldname: str):
        """``(term bytes, term info bytes)`` of one field, in term order."""
        number = self.fieldmap.get(fieldname)
        if number is None:
            return
        prefix = _FIELD_NUMBER.pack(number)
        for key, value in self.table.items_from(prefix):
            if not key.startswith(prefix):
                return
            yield key[len(prefix):], value

    def block_bytes(self, info: bytes) -> bytes:
        """The posting blocks of a term that is not inlined, header included."""
        offset, length = _POINTER.unpack_from(info, _TERM_INFO.size)
        return self.postfile.get(offset, length)

    def postings(self, info: bytes, fixed_size: int | None) -> tuple[list, list, list]:
        """A term's ``(document numbers in the merge, float weights, values)``."""
        if is_inlined(info):
            ids, weights, values = pickle.loads(info[_TERM_INFO.size:])
            if not fixed_size:
                values = values if fixed_size is None else [None] * len(ids)
            return [i + self.offset for i in ids], [float(w) for w in weights], list(values)
        ids, weights, values = [], [], []
        data = self.block_bytes(info)
        for _start, _end, block_info, payload in iter_blocks(data):
            count, compression = block_info[0], block_info[3]
            if compression:
                payload = zlib.decompress(payload)
            deltas, block_weights, block_values = pickle.loads(payload)
            base = self.offset
            ids.extend(i + base for i in accumulate(deltas))
            if block_weights is None:
                weights.extend([1.0] * count)
            elif isinstance(block_weights, float):
                weights.extend([block_weights] * count)
            else:
                weights.extend(float(w) for w in block_weights)
            if fixed_size is None:
                values.extend(block_values)
            elif fixed_size == 0:
                values.extend([None] * count)
            else:
                values.extend(block_values[i:i + fixed_size] for i in range(0, len(block_values), fixed_size))
        return ids, weights, values


def is_inlined(info: bytes) -> bool:
    return bool(info[0])


def iter_blocks(data: bytes):
    """``(start, end, info tuple, payload bytes)`` of each block of a posting list."""
    position = len(WHOOSH3_HEADER_MAGIC)
    while position < len(data):
        length = abs(_BLOCK_LENGTH.unpack_from(data, position)[0])
        body_start = position + _BLOCK_LENGTH.size
        end = body_start + length
        stream = io.BytesIO(data[body_start:end])
        info = pickle.load(stream)
        yield position, end, info, stream.read()
        position = end


def _as_last_block_cleared(data: bytes) -> bytes:
    """Posting blocks with the "last block" mark (a negative length) of the final one cleared."""
    last_start = None
    for last_start, _end, _info, _payload in iter_blocks(data):
        pass
    length = _BLOCK_LENGTH.unpack_from(data, last_start)[0]
    return data[:last_start] + _BLOCK_LENGTH.pack(abs(length)) + data[last_start + _BLOCK_LENGTH.size:]


def _statistics_from(info: bytes) -> segments.CompactTermInfo:
    """A term info carrying the statistics packed in ``info`` (and nothing else)."""
    _flags, weight, df, min_byte, max_byte, max_weight, min_id, max_id = _TERM_INFO.unpack_from(info)
    terminfo = segments.CompactTermInfo()
    terminfo._weight, terminfo._df = weight, df
    terminfo._minlength = byte_to_length(min_byte) if min_byte else None
    terminfo._maxlength = byte_to_length(max_byte)
    terminfo._maxweight, terminfo._minid, terminfo._maxid = max_weight, min_id, max_id
    return terminfo


def write_merged_postings(fieldwriter, fieldname: str, format_, sources: list[SourceSegment], lengths: np.ndarray,
                          inline_postings: int) -> None:
    """Write one field's posting lists from ``sources`` (in document order) into a ``W3FieldWriter``."""
    fixed_size = format_.fixed_value_size()
    fixed_size = None if fixed_size is None or fixed_size < 0 else fixed_size
    postfile = fieldwriter._postfile
    add_term = fieldwriter._tindex.add
    prefix = _FIELD_NUMBER.pack(fieldwriter._fieldid)
    streams = [_tagged_terms(source, order, fieldname) for order, source in enumerate(sources)]
    merged = heapq.merge(*streams, key=lambda item: (item[0], item[1]))
    for term, group in groupby(merged, key=lambda item: item[0]):
        parts = [(source, info) for _term, _order, source, info in group]
        first_source, first_info = parts[0]
        keeps_numbers = first_source.offset == 0
        if keeps_numbers and len(parts) == 1:
            if is_inlined(first_info):
                add_term(prefix + term, first_info)
            else:
                data = first_source.block_bytes(first_info)
                add_term(prefix + term, first_info[:_TERM_INFO.size] + _POINTER.pack(postfile.tell(), len(data)))
                postfile.write(data)
            continue
        pieces = []
        if keeps_numbers and not is_inlined(first_info):
            terminfo = _statistics_from(first_info)
            pieces.append(_as_last_block_cleared(first_source.block_bytes(first_info)))
            parts = parts[1:]
        else:
            terminfo = segments.CompactTermInfo()
        ids, weights, values = [], [], []
        for source, info in parts:
            part_ids, part_weights, part_values = source.postings(info, fixed_size)
            ids += part_ids
            weights += part_weights
            values += part_values
        term_lengths = lengths[ids].tolist()
        if not pieces and len(ids) <= inline_postings:
            segments._add_block_stats(terminfo, ids, weights, segments._min_length(term_lengths), max(term_lengths))
            terminfo.set_inlined(ids, weights, () if fixed_size == 0 else values)
            add_term(prefix + term, terminfo.to_bytes())
            continue
        if not pieces:
            pieces.append(WHOOSH3_HEADER_MAGIC)
        for start in range(0, len(ids), segments.BLOCK_POSTINGS):
            end = min(start + segments.BLOCK_POSTINGS, len(ids))
            segments._block_bytes(pieces, terminfo, ids[start:end], weights[start:end],
                                  _block_values(fixed_size, values, start, end), term_lengths[start:end],
                                  last=end == len(ids))
        data = b"".join(pieces)
        terminfo.set_extent(postfile.tell(), len(data))
        postfile.write(data)
        add_term(prefix + term, terminfo.to_bytes())


def _tagged_terms(source: SourceSegment, order: int, fieldname: str):
    for term, info in source.field_terms(fieldname):
        yield term, order, source, info


def _block_values(fixed_size: int | None, values: list, start: int, end: int):
    """Values of postings ``start..end`` as a W3 block stores them."""
    if fixed_size == 0:
        return None
    if fixed_size is None:
        return tuple(values[start:end])
    return b"".join(values[start:end])
