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

import contextlib
import io
import os
import pickle
import shutil
import struct
import zlib
from itertools import accumulate

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

from indexer.storage import blocks, parallel, whoosh_internals

_TERM_INFO = whoosh_internals.TERM_INFO_STRUCT
_POINTER = struct.Struct("!qi")
_BLOCK_LENGTH = struct.Struct("!i")
_FIELD_NUMBER = struct.Struct("!H")
#: Term table entries written at a time.
ENTRIES_PER_WRITE = 20_000


class SourceSegment:
    """One segment being merged: its term table, postings file and first document number in the merge."""

    def __init__(self, reader, offset: int):
        self.reader = reader
        self.table, self.fieldmap, self.postfile = whoosh_internals.term_reader_files(reader)
        self.offset = offset
        self._terms: _TermTable | None = None
        #: Read with positioned reads (``os.pread``) when on disk: a forked merge process shares the file.
        self.descriptor = whoosh_internals.file_descriptor(self.postfile)

    def field_terms(self, fieldname: str) -> dict[bytes, bytes]:
        """``term bytes -> term info bytes`` of one field."""
        if self._terms is None:
            self._terms = _TermTable(self.table)
        number = self.fieldmap.get(fieldname)
        return {} if number is None else self._terms.entries(_FIELD_NUMBER.pack(number))

    def block_bytes(self, info: bytes) -> bytes:
        """The posting blocks of a term that is not inlined, header included."""
        offset, length = _POINTER.unpack_from(info, _TERM_INFO.size)
        if self.descriptor is None:
            return self.postfile.get(offset, length)
        return os.pread(self.descriptor, length, offset)

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


class _TermTable:
    """The entries of a Whoosh ordered hash file, read as one string and split by field on demand.

    The entries lie one after the other (key length, value length, key,
    value) between the header and the hash tables, in key order, so each
    field's entries are one run.  Reading them this way is many times faster
    than ``items()``, which seeks twice per entry, and only one field's
    entries are ever held as objects.
    """

    def __init__(self, table):
        self.data = table.dbfile.get(table.startofdata, table.endofdata - table.startofdata)
        #: Field number (2 key bytes) -> (start, end) of its run of entries.
        self.runs: dict[bytes, tuple[int, int]] = {}
        data, unpack, header = self.data, blocks.ENTRY_LENGTHS.unpack_from, blocks.ENTRY_LENGTHS.size
        position, end = 0, len(data)
        current, run_start = None, 0
        while position < end:
            key_length, value_length = unpack(data, position)
            field = data[position + header:position + header + 2]
            if field != current:
                if current is not None:
                    self.runs[current] = (run_start, position)
                current, run_start = field, position
            position += header + key_length + value_length
        if current is not None:
            self.runs[current] = (run_start, end)

    def entries(self, field: bytes) -> dict[bytes, bytes]:
        """``term bytes -> value bytes`` of one field."""
        if field not in self.runs:
            return {}
        position, end = self.runs[field]
        data, unpack, header = self.data, blocks.ENTRY_LENGTHS.unpack_from, blocks.ENTRY_LENGTHS.size
        found = {}
        while position < end:
            key_length, value_length = unpack(data, position)
            key_start = position + header
            value_start = key_start + key_length
            position = value_start + value_length
            found[data[key_start + 2:value_start]] = data[value_start:position]
        return found


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


def _blocks_without_last_mark(data: bytes) -> bytes:
    """Posting blocks with the "last block" mark (a negative length) of the final one cleared."""
    last_start = None
    for last_start, _end, _info, _payload in iter_blocks(data):
        pass
    length = _BLOCK_LENGTH.unpack_from(data, last_start)[0]
    return data[:last_start] + _BLOCK_LENGTH.pack(abs(length)) + data[last_start + _BLOCK_LENGTH.size:]


def _shifted_blocks(data: bytes, offset: int, last: bool) -> list[bytes]:
    """Posting blocks (header excluded) with their document numbers moved up by ``offset``.

    A block stores its first document number as it is and the others as
    gaps, so only that first number and the block's last id change.
    """
    pieces = []
    for _start, end, info, payload in iter_blocks(data):
        count, last_id, max_weight, compression, min_byte, max_byte = info
        deltas, weights, values = pickle.loads(zlib.decompress(payload) if compression else payload)
        payload = blocks.compact_pickle(((deltas[0] + offset, *deltas[1:]), weights, values))
        if compression:
            payload = zlib.compress(payload, compression)
        info = blocks.compact_pickle((count, last_id + offset, max_weight, compression, min_byte, max_byte))
        size = len(info) + len(payload)
        pieces += [_BLOCK_LENGTH.pack(-size if last and end == len(data) else size), info, payload]
    return pieces


def _concatenated_blocks(parts: list) -> bytes:
    """One posting list made of the blocks of every part, in order."""
    pieces = [WHOOSH3_HEADER_MAGIC]
    for number, (source, info) in enumerate(parts):
        data = source.block_bytes(info)
        last = number == len(parts) - 1
        if source.offset:
            pieces += _shifted_blocks(data, source.offset, last)
        else:
            pieces.append((data if last else _blocks_without_last_mark(data))[len(WHOOSH3_HEADER_MAGIC):])
    return b"".join(pieces)


def _combined_statistics(parts: list, inlined: bool = False) -> bytes:
    """The packed term statistics of a posting list made of ``parts``, in order."""
    heads = [(_TERM_INFO.unpack_from(info), source.offset) for source, info in parts]
    min_bytes = [head[3] for head, _offset in heads if head[3]]
    return _TERM_INFO.pack(
        inlined,
        sum(head[1] for head, _offset in heads),
        sum(head[2] for head, _offset in heads),
        min(min_bytes) if min_bytes else 0,
        max(head[4] for head, _offset in heads),
        max(head[5] for head, _offset in heads),
        heads[0][0][6] + heads[0][1],
        heads[-1][0][7] + heads[-1][1],
    )


def _shifted_inlined(source: SourceSegment, info: bytes) -> bytes:
    """An inlined posting list's term info with its document numbers moved up by the source's offset."""
    return info if not source.offset else _joined_inlined([(source, info)])


def _joined_inlined(parts: list) -> bytes:
    """The term info of the inlined posting lists of ``parts`` made one (inlined) list."""
    ids, weights, values = [], [], []
    for source, info in parts:
        part_ids, part_weights, part_values = pickle.loads(info[_TERM_INFO.size:])
        ids += [i + source.offset for i in part_ids]
        weights += part_weights
        values += part_values
    return (_combined_statistics(parts, inlined=True)
            + blocks.compact_pickle((tuple(ids), tuple(weights), tuple(values))))


def write_merged_postings(fieldwriter, fieldname: str, format_, sources: list[SourceSegment], lengths: np.ndarray,
                          inline_postings: int, processes: int = 1) -> None:
    """Write one field's posting lists from ``sources`` (in document order) into a ``W3FieldWriter``.

    With ``processes`` > 1 and a large field, a forked process merges the
    second part of the terms while this one merges the first; its postings
    are then appended and its term entries moved to where they landed.
    """
    fixed_size = format_.fixed_value_size()
    fixed_size = None if fixed_size is None or fixed_size < 0 else fixed_size
    postfile, field_number, term_index = whoosh_internals.field_writer_files(fieldwriter)
    tables = [source.field_terms(fieldname) for source in sources]
    terms = sorted(set().union(*tables))
    merge = _TermMerge(_FIELD_NUMBER.pack(field_number), sources, tables, fixed_size, lengths, inline_postings)
    forkable = processes > 1 and parallel.can_fork() and all(source.descriptor is not None for source in sources)
    cut = _split_point(terms, tables) if forkable else len(terms)
    later = parallel.Forked(merge.to_files, terms[cut:]) if cut < len(terms) else None
    with later or contextlib.nullcontext():
        for entries in merge.batches(terms[:cut], postfile):
            blocks.add_entries(term_index, entries)
        if later is not None:
            postings_path, entries_path = later.result()
            base = postfile.tell()
            with open(postings_path, "rb") as chunk:
                shutil.copyfileobj(chunk, postfile, COPY_BYTES)
            for entries in _read_batches(entries_path):
                blocks.add_entries(term_index, [(key, _moved(value, base)) for key, value in entries])


#: Below this many terms a field is merged in one process: forking costs more than it saves.
PARALLEL_MIN_TERMS = 20_000
#: Per term, work that does not depend on its postings (in postings' worth), for balancing the split.
TERM_COST = 8
COPY_BYTES = 1 << 20
SPLIT_SAMPLE = 8
#: The first part's share of the work: this process also adds the second part's term entries and copies its postings.
FIRST_PART_SHARE = 0.45


def _split_point(terms: list[bytes], tables: list[dict[bytes, bytes]]) -> int:
    """Where to cut the sorted ``terms`` so that both processes take about as long.

    The cost is estimated on every ``SPLIT_SAMPLE``-th term: exact sums cost a tenth of the merge itself.
    """
    if len(terms) < PARALLEL_MIN_TERMS:
        return len(terms)
    unpack = _TERM_INFO.unpack_from
    sample = terms[::SPLIT_SAMPLE]
    costs = np.fromiter((TERM_COST + sum(unpack(table[term])[2] for table in tables if term in table)
                         for term in sample), dtype=np.int64, count=len(sample))
    running = np.cumsum(costs)
    return min(len(terms), SPLIT_SAMPLE * int(np.searchsorted(running, running[-1] * FIRST_PART_SHARE)))


def _moved(value: bytes, base: int) -> bytes:
    """A term info whose posting blocks were written ``base`` bytes further into the file."""
    if is_inlined(value):
        return value
    offset, length = _POINTER.unpack_from(value, _TERM_INFO.size)
    return value[:_TERM_INFO.size] + _POINTER.pack(offset + base, length) + value[_TERM_INFO.size + _POINTER.size:]


def _read_batches(path: str):
    with open(path, "rb") as stream:
        while True:
            try:
                yield pickle.load(stream)
            except EOFError:
                return


class _TermMerge:
    """Merges posting lists of one field, term by term, into a postings file."""

    def __init__(self, prefix: bytes, sources: list[SourceSegment], tables: list[dict[bytes, bytes]],
                 fixed_size: int | None, lengths: np.ndarray, inline_postings: int):
        self.prefix, self.sources, self.tables = prefix, sources, tables
        self.fixed_size, self.lengths, self.inline_postings = fixed_size, lengths, inline_postings

    def batches(self, terms: list[bytes], postfile):
        """Write the postings of ``terms`` to ``postfile``; yield their term entries, a batch at a time."""
        entries = []
        prefix, sources, tables = self.prefix, self.sources, self.tables
        for term in terms:
            if len(entries) >= ENTRIES_PER_WRITE:
                yield entries
                entries = []
            parts = [(source, table[term]) for source, table in zip(sources, tables) if term in table]
            if not any(is_inlined(info) for _source, info in parts):
                data = _concatenated_blocks(parts)
                entries.append((prefix + term, _combined_statistics(parts) + _POINTER.pack(postfile.tell(), len(data))))
                postfile.write(data)
            elif len(parts) == 1:
                entries.append((prefix + term, _shifted_inlined(*parts[0])))
            elif all(is_inlined(info) for _source, info in parts) and (
                    sum(_TERM_INFO.unpack_from(info)[2] for _source, info in parts) <= self.inline_postings):
                entries.append((prefix + term, _joined_inlined(parts)))
            else:
                entries.append((prefix + term, _rewritten(parts, self.fixed_size, postfile, self.lengths,
                                                          self.inline_postings)))
        yield entries

    def to_files(self, terms: list[bytes], folder: str) -> tuple[str, str]:
        """``batches`` into files of ``folder``: the postings (offsets from 0) and the pickled entry batches."""
        postings_path, entries_path = os.path.join(folder, "postings"), os.path.join(folder, "entries")
        with open(postings_path, "wb") as postings, open(entries_path, "wb") as entries:
            for batch in self.batches(terms, postings):
                pickle.dump(batch, entries, pickle.HIGHEST_PROTOCOL)
        return postings_path, entries_path


def _rewritten(parts: list, fixed_size: int | None, postfile, lengths: np.ndarray, inline_postings: int) -> bytes:
    """Decode every part and write the whole list again (inlined or as blocks); its term info bytes."""
    terminfo = blocks.CompactTermInfo()
    ids, weights, values = [], [], []
    for source, info in parts:
        part_ids, part_weights, part_values = source.postings(info, fixed_size)
        ids += part_ids
        weights += part_weights
        values += part_values
    term_lengths = lengths[ids].tolist()
    if len(ids) <= inline_postings:
        blocks.add_block_stats(terminfo, ids, weights, blocks.shortest_length(term_lengths), max(term_lengths))
        terminfo.set_inlined(ids, weights, () if fixed_size == 0 else values)
        return terminfo.to_bytes()
    pieces = [WHOOSH3_HEADER_MAGIC]
    for start in range(0, len(ids), blocks.BLOCK_POSTINGS):
        end = min(start + blocks.BLOCK_POSTINGS, len(ids))
        blocks.block_bytes(pieces, terminfo, ids[start:end], weights[start:end],
                              _block_values(fixed_size, values, start, end), term_lengths[start:end],
                              last=end == len(ids))
    data = b"".join(pieces)
    terminfo.set_extent(postfile.tell(), len(data))
    postfile.write(data)
    return terminfo.to_bytes()


def _block_values(fixed_size: int | None, values: list, start: int, end: int):
    """Values of postings ``start..end`` as a W3 block stores them."""
    if fixed_size == 0:
        return None
    if fixed_size is None:
        return tuple(values[start:end])
    return b"".join(values[start:end])
