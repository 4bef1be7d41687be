"""A faster Whoosh segment writer that writes the same W3 segments.

Whoosh's ``SegmentWriter`` sends every posting through ``PostingPool`` (pickled
into temporary run files, merged back with ``heapq.merge``), then through
``add_postings``, which looks up the document's field length in a column and
calls ``add_posting`` once per posting.  On this corpus that is most of the
build time.

``FastSegmentWriter`` keeps each field's postings in compact in-memory columns
(term number, document number, weight, value), sorts them with numpy when the
segment is flushed and writes each term's posting list block by block with
one pickle and one zlib call per block of 128 postings, in the W3 layout:
readers (``whoosh.index.open_dir``, the engine's block reader) see an
ordinary W3 segment.  Memory is bounded by closing a segment every
``flush_docs`` documents; the finished segments are in ``finished_segments``
until the commit adds them to the table of contents.

The blocks and inlined posting lists hold what ``W3PostingsWriter`` would
put in them, pickled more compactly (``compact_pickle``): protocol 3 without
memo entries, so a ``bytes`` value costs two bytes of framing instead of a
``_codecs.encode`` call, and whole-number weights as ints (2 bytes) rather
than floats (9 bytes).  ``pickle.loads`` reads either, so Whoosh's own
readers decode the same ids, weights and values.
"""

from __future__ import annotations

import io
import operator
from hashlib import md5
from itertools import accumulate, islice
import pickle
import struct
import zlib
from array import array

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.columns import TranslatingColumnReader
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.storage import whoosh_internals
from indexer.storage.blocks import (
    BLOCK_POSTINGS,
    CompactTermInfo,
    add_entries,
    add_block_stats,
    block_bytes,
    compact_pickle,
    shortest_length,
)
from indexer.storage.merge import SourceSegment, write_merged_postings

#: Documents per segment when the caller does not say: bounds the writer's memory (about
#: 100 MB of postings per 5,000 news articles) at the cost of one term table each.
DEFAULT_FLUSH_DOCS = 8_000
#: Posting lists this short are stored in the term table (``W3TermInfo`` "inlined",
#: read back by Whoosh as a ``ListMatcher``) instead of as a block in the postings
#: file: most terms of a segment occur in one or two documents, and a block costs
#: a header, an info tuple and a zlib stream each.  0 writes what Whoosh writes.
DEFAULT_INLINE_POSTINGS = 8
#: ``_FieldPostings.value_ends`` are 32-bit.
MAX_VALUE_BYTES = 2**32 - 1
#: Postings converted to Python lists at a time when a segment is flushed.
FLUSH_CHUNK_POSTINGS = 200_000


#: Decoded field length of each length byte; byte 0 reads as length 0, as in ``doc_field_length``.
_LENGTH_OF_BYTE = np.array([0] + [byte_to_length(i) for i in range(1, 256)], dtype=np.int64)


class _FieldPostings:
    """One field's postings of the current segment, in the order they were added.

    Posting values live in one byte buffer (plus end offsets when their size
    varies) rather than as one bytes object each: a third of the memory.
    Document numbers are kept as runs (a document's postings are added
    together), not one per posting.
    """

    __slots__ = ("fixed_size", "term_numbers", "terms", "run_docnums", "run_lengths", "weights", "value_bytes",
                 "value_ends")

    def __init__(self, fixed_size: int | None):
        #: The format's value size: None when it varies (positions), 0 when there are no values.
        self.fixed_size = None if fixed_size is None or fixed_size < 0 else fixed_size
        self.term_numbers: dict[bytes, int] = {}
        self.terms = array("I")
        self.run_docnums = array("I")
        self.run_lengths = array("I")
        self.weights = array("f")
        self.value_bytes = bytearray()
        self.value_ends = array("I")

    def add(self, terms, docnum: int, weights, values) -> None:
        if not terms:
            return
        numbers = self.term_numbers
        self.terms.extend([numbers.setdefault(term, len(numbers)) for term in terms])
        self.run_docnums.append(docnum)
        self.run_lengths.append(len(terms))
        self.weights.extend(weights)
        if self.fixed_size == 0:
            return
        if self.fixed_size is None:
            self.value_ends.extend(islice(accumulate(map(len, values), initial=len(self.value_bytes)), 1, None))
            if self.value_ends[-1] > MAX_VALUE_BYTES:
                raise OverflowError("a segment's posting values exceed 4 GiB: lower flush_docs")
        self.value_bytes += emptybytes.join(values)

    def docnums(self) -> np.ndarray:
        """The document number of every posting, in the order they were added."""
        return np.repeat(np.frombuffer(self.run_docnums, dtype=np.uint32),
                         np.frombuffer(self.run_lengths, dtype=np.uint32))


class MemoryPool:
    """Postings by field, in memory; ``add`` keeps Whoosh's pool interface (used when merging segments)."""

    def __init__(self, schema):
        self.schema = schema
        self.fields: dict[str, _FieldPostings] = {}

    def add(self, item) -> None:
        fieldname, term, docnum, weight, value = item
        self.add_document_field(fieldname, docnum, (term,), (weight,), (emptybytes if value is None else value,))

    def add_document_field(self, fieldname: str, docnum: int, terms, weights, values) -> None:
        postings = self.fields.get(fieldname)
        if postings is None:
            fixed_size = self.schema[fieldname].format.fixed_value_size()
            postings = self.fields[fieldname] = _FieldPostings(fixed_size)
        postings.add(terms, docnum, weights, values)

    def cleanup(self) -> None:
        self.fields.clear()


class FastSegmentWriter(SegmentWriter):
    """A ``SegmentWriter`` with an in-memory posting pool and bulk posting-list writing.

    Schemas with term vectors or separate spelling fields are refused (Fahras
    uses neither).  ``flush_docs`` documents per segment at most.
    """

    def __init__(self, ix, flush_docs: int = DEFAULT_FLUSH_DOCS, inline_postings: int = DEFAULT_INLINE_POSTINGS,
                 **kwargs):
        super().__init__(ix, **kwargs)
        unsupported = [name for name, field in self.schema.items() if field.vector or field.separate_spelling()]
        if unsupported:
            self.cancel()
            raise ValueError(f"FastSegmentWriter does not write term vectors or spelling fields: {unsupported}")
        self.flush_docs = flush_docs
        self.inline_postings = inline_postings
        self.finished_segments: list = []
        self.pool = MemoryPool(self.schema)
        #: ``merge.SourceSegment``s whose postings the current segment takes (``merge_fresh``).
        self.merge_sources: list = []
        self.merge_processes = 1

    @property
    def holds_documents(self) -> bool:
        """Whether the current segment has documents (added, or merged in by the merge policy)."""
        return self._added or bool(self.pool.fields)

    def merge_fresh(self, segments) -> None:
        """Make the current segment hold the documents of ``segments``, in order, as one segment.

        For segments just written by other writers (no deletions), into a
        writer that has not added documents of its own.  The segments'
        files are deleted when the commit writes a table of contents
        without them.
        """
        from whoosh.reading import SegmentReader

        if self.holds_documents:
            raise ValueError("merge_fresh needs a writer without documents of its own")
        fieldnames = set(self.schema.names())
        for segment in segments:
            reader = SegmentReader(self.storage, self.schema, segment)
            if reader.has_deletions():
                reader.close()
                raise ValueError("merge_fresh merges segments without deletions only")
            self.merge_sources.append(SourceSegment(reader, self.docnum))
            self._copy_per_document(fieldnames, reader)
        self._added = True

    def _copy_per_document(self, fieldnames: set[str], reader) -> None:
        """Whoosh's ``write_per_doc`` for a segment without deletions or vectors, each field's lengths read once.

        Whoosh asks for every document's length of every field, and each ask
        checks on disk that the length column exists: 280,000 file checks on
        the 70k corpus, most of the merge's per-document time.
        """
        schema, perdocwriter = self.schema, self.perdocwriter
        count = reader.doc_count_all()
        fields = [(name, schema[name]) for name in fieldnames]
        lengths = {name: _decoded_lengths(whoosh_internals.segment_length_column(reader, name), count).tolist()
                   for name, _field in fields}
        columns = {}
        for name, field in fields:
            if field.column_type and reader.has_column(name):
                column = reader.column_reader(name, field.column_type)
                columns[name] = column.raw_column() if isinstance(column, TranslatingColumnReader) else column
        for docnum, stored in reader.iter_docs():
            perdocwriter.start_doc(self.docnum)
            for name, field in fields:
                perdocwriter.add_field(name, field, stored.get(name), lengths[name][docnum])
                if name in columns:
                    perdocwriter.add_column_value(name, field.column_type, columns[name][docnum])
            perdocwriter.finish_doc()
            self.docnum += 1

    def add_document(self, **fields):
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                items = list(field.index(value))
                if items:
                    terms, frequencies, weights, values = zip(*items)
                    boost = self._field_boost(fields, fieldname, docboost)
                    if boost != 1.0:
                        weights = [weight * boost for weight in weights]
                    if field.scorable:
                        length = sum(frequencies)
                    self.pool.add_document_field(fieldname, docnum, terms, weights, values)
            stored = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            if field.column_type and stored is not None:
                perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        if self.docnum - self.docbase >= self.flush_docs:
            self._start_next_segment()

    def _start_next_segment(self) -> None:
        """Close the current segment (kept for the commit) and write the next documents into a new one."""
        self.finished_segments.append(self._finalize_segment())
        self._open_segment()

    def merged(self, segments, processes: int = 1) -> list:
        """``[one new segment]`` holding the documents of ``segments`` (fresh: no deletions).

        For after ``all_new_segments``: the writer's own segments can be among them.
        ``processes`` > 1 lets a forked process merge part of each large field.
        """
        self.merge_processes = processes
        self.finished_segments = []
        self._open_segment()
        self.merge_fresh(segments)
        return self.all_new_segments()

    def _open_segment(self) -> None:
        self.newsegment = self.codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = self.codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = self.codec.field_writer(self.storage, self.newsegment)
        self.pool = MemoryPool(self.schema)
        self.docnum = self.docbase
        self._added = False

    def all_new_segments(self) -> list:
        """Finish the current segment and return every segment this writer made (no TOC written)."""
        if self._added:
            self.finished_segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._added = False
        return self.finished_segments

    def commit(self, mergetype=None, optimize=None, merge=None):
        self._check_state()
        final = self._merge_segments(mergetype, optimize, merge)
        final += self.all_new_segments()
        self._commit_toc(final)
        self._finish()

    def _flush_segment(self):
        self.perdocwriter.close()
        document_count = self.docnum - self.docbase
        lengths_reader = self.per_document_reader()
        try:
            fieldwriter = self.fieldwriter
            # Each field's postings are released once written: the peak is the largest field, not all of them.
            for fieldname in sorted(self.pool.fields):
                field = self.schema[fieldname]
                lengths = _field_lengths(lengths_reader, fieldname, document_count)
                fieldwriter.start_field(fieldname, field)
                write_field_postings(fieldwriter, field.format, self.pool.fields.pop(fieldname), lengths,
                                     self.inline_postings)
                fieldwriter.finish_field()
            if self.merge_sources:
                self._write_merged_postings(lengths_reader, document_count)
            fieldwriter.close()
        finally:
            lengths_reader.close()
        self.pool.cleanup()

    def _write_merged_postings(self, lengths_reader, document_count: int) -> None:
        sources, self.merge_sources = self.merge_sources, []
        try:
            names = sorted({name for source in sources for name in source.fieldmap if name in self.schema})
            for fieldname in names:
                field = self.schema[fieldname]
                self.fieldwriter.start_field(fieldname, field)
                write_merged_postings(self.fieldwriter, fieldname, field.format, sources,
                                      _field_lengths(lengths_reader, fieldname, document_count), self.inline_postings,
                                      self.merge_processes)
                self.fieldwriter.finish_field()
        finally:
            for source in sources:
                source.reader.close()


def _field_lengths(perdoc_reader, fieldname: str, document_count: int) -> np.ndarray:
    """Each document's field length as Whoosh's ``doc_field_length`` reports it (0 when not scorable)."""
    return _decoded_lengths(whoosh_internals.length_column(perdoc_reader, fieldname), document_count)


def _decoded_lengths(column, document_count: int) -> np.ndarray:
    """The lengths a one-byte length column (or None: no lengths) stands for."""
    if column is None:
        return np.zeros(document_count, dtype=np.int64)
    encoded = np.fromiter((column[i] for i in range(document_count)), dtype=np.uint8, count=document_count)
    return _LENGTH_OF_BYTE[encoded]


def write_field_postings(fieldwriter, format_, postings: _FieldPostings, lengths: np.ndarray,
                         inline_postings: int = 0) -> None:
    """Write one field's posting lists, terms in byte order, into a ``W3FieldWriter``.

    The sort is one numpy call per field; the per-block work then runs on
    plain lists (most posting lists are one short block, for which numpy's
    per-call overhead costs more than the work), converted for about
    ``FLUSH_CHUNK_POSTINGS`` postings at a time to bound the memory they take.
    """
    terms = list(postings.term_numbers)
    if not terms:
        return
    by_bytes = sorted(range(len(terms)), key=terms.__getitem__)
    rank = np.empty(len(terms), dtype=np.int32)
    rank[by_bytes] = np.arange(len(terms), dtype=np.int32)
    term_numbers = np.frombuffer(postings.terms, dtype=np.uint32)
    term_ends = np.cumsum(np.bincount(term_numbers, minlength=len(terms))[by_bytes])
    order = _posting_order(rank, term_numbers)
    del rank
    docnums = postings.docnums()
    weights = np.frombuffer(postings.weights, dtype=np.float32)
    values = _SortedValues(postings, order)
    postfile, field_number, term_index = whoosh_internals.field_writer_files(fieldwriter)
    entries = []
    add_term = entries.append
    field_prefix = field_number.to_bytes(2, "big")
    offset = postfile.tell()
    first_term = 0
    while first_term < len(terms):
        chunk_start = int(term_ends[first_term - 1]) if first_term else 0
        end_term = max(first_term + 1,
                       int(np.searchsorted(term_ends, chunk_start + FLUSH_CHUNK_POSTINGS, side="right")))
        chunk_end = int(term_ends[end_term - 1])
        chunk_order = order[chunk_start:chunk_end]
        chunk_docnums = docnums[chunk_order]
        chunk_doc_list = chunk_docnums.tolist()
        chunk_weights = weights[chunk_order].tolist()
        chunk_lengths = lengths[chunk_docnums].tolist()
        chunk_values = values.chunk(chunk_start, chunk_end)
        start = 0
        for term_rank in range(first_term, end_term):
            end = int(term_ends[term_rank]) - chunk_start
            terminfo = CompactTermInfo()
            if end - start <= inline_postings:
                term_lengths = chunk_lengths[start:end]
                add_block_stats(terminfo, chunk_doc_list[start:end], chunk_weights[start:end],
                                 shortest_length(term_lengths), max(term_lengths))
                terminfo.set_inlined(chunk_doc_list[start:end], chunk_weights[start:end],
                                     chunk_values.separate(start, end))
                add_term((field_prefix + terms[by_bytes[term_rank]], terminfo.to_bytes()))
                start = end
                continue
            pieces = [WHOOSH3_HEADER_MAGIC]
            for block_start in range(start, end, BLOCK_POSTINGS):
                block_end = min(block_start + BLOCK_POSTINGS, end)
                block_bytes(pieces, terminfo, chunk_doc_list[block_start:block_end],
                             chunk_weights[block_start:block_end], chunk_values(block_start, block_end),
                             chunk_lengths[block_start:block_end], last=block_end == end)
            data = emptybytes.join(pieces)
            postfile.write(data)
            terminfo.set_extent(offset, len(data))
            offset += len(data)
            add_term((field_prefix + terms[by_bytes[term_rank]], terminfo.to_bytes()))
            start = end
        add_entries(term_index, entries)
        entries.clear()
        first_term = end_term


def _posting_order(rank: np.ndarray, term_numbers: np.ndarray) -> np.ndarray:
    """Posting indexes sorted by term rank, and by position (so by document) within a term.

    Each posting becomes one 64-bit key, rank above index, sorted in place:
    a third less memory than a stable ``argsort`` of the ranks (its 64-bit
    result and the 32-bit copy), which matters when a segment is flushed.
    """
    keys = rank.astype(np.uint64)[term_numbers]
    keys <<= np.uint64(32)
    for start in range(0, len(keys), FLUSH_CHUNK_POSTINGS):
        end = min(start + FLUSH_CHUNK_POSTINGS, len(keys))
        keys[start:end] |= np.arange(start, end, dtype=np.uint64)
    keys.sort()
    keys &= np.uint64(0xFFFFFFFF)
    return keys.astype(np.int32)


class _SortedValues:
    """A field's posting values in sorted order, sliced per block the way W3 blocks store them."""

    def __init__(self, postings: _FieldPostings, order: np.ndarray):
        self.fixed_size = postings.fixed_size
        self.order = order
        if self.fixed_size:
            record = np.dtype((np.void, self.fixed_size))
            self.sorted_fixed = np.frombuffer(postings.value_bytes, dtype=record)[order]
        elif self.fixed_size is None:
            # A view, not a copy: slices of it become the block's bytes objects.
            self.data = memoryview(postings.value_bytes)
            self.ends = np.frombuffer(postings.value_ends, dtype=np.uint32)

    def chunk(self, chunk_start: int, chunk_end: int) -> _ChunkValues:
        """The values of postings ``chunk_start..chunk_end`` (positions below are relative to the chunk)."""
        if self.fixed_size == 0:
            return _ChunkValues(0, None)
        if self.fixed_size:
            return _ChunkValues(self.fixed_size, self.sorted_fixed[chunk_start:chunk_end])
        chunk_order = self.order[chunk_start:chunk_end]
        ends = self.ends[chunk_order]
        starts = np.where(chunk_order > 0, self.ends[chunk_order - 1], 0)
        data = self.data
        return _ChunkValues(None, [data[a:b].tobytes() for a, b in zip(starts.tolist(), ends.tolist())])


class _ChunkValues:
    """Posting values of one chunk: as a W3 block stores them, or one per posting (inlined lists)."""

    def __init__(self, fixed_size: int | None, values):
        self.fixed_size = fixed_size
        self.values = values

    def __call__(self, start: int, end: int):
        if self.fixed_size == 0:
            return None
        if self.fixed_size:
            return self.values[start:end].tobytes()
        return tuple(self.values[start:end])

    def separate(self, start: int, end: int) -> tuple:
        if self.fixed_size == 0:
            # W3PostingsWriter keeps only non-empty values, and formats without values have none.
            return ()
        if self.fixed_size:
            return tuple(value.tobytes() for value in self.values[start:end])
        return tuple(self.values[start:end])
