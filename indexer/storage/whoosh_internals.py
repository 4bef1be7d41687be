"""Every use of Whoosh 2.7.4's private names, in one place.

Fahras writes W3 segments itself (``segments``, ``merge``) and reads posting
lists block by block (``postings``): both need parts of Whoosh that are not
its public API.  They reach them only through the functions here, so an
upgrade of Whoosh is checked against this module alone (``whoosh==2.7.4`` is
pinned; the segment tests compare our output with Whoosh's own writer).
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3TermInfo, _lenfield
from whoosh.index import _DEF_INDEX_NAME

#: The ``struct`` of a W3 term info's fixed part (weight, df, lengths, ...).
TERM_INFO_STRUCT = W3TermInfo._struct
#: The name of an index in its directory (``MAIN``): table-of-contents files are ``_MAIN_<n>.toc``.
INDEX_NAME = _DEF_INDEX_NAME


# --- per-document lengths -------------------------------------------------------------


def length_column(perdoc_reader, fieldname: str):
    """The one-byte field-length column of a per-document reader, or None when the field has none."""
    return perdoc_reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


def segment_length_column(segment, fieldname: str):
    """``length_column`` of a ``SegmentReader``."""
    return length_column(segment._perdoc, fieldname)


# --- term tables and postings files ---------------------------------------------------


def field_writer_files(fieldwriter):
    """``(postings file, field number, term index)`` of a ``W3FieldWriter`` in the middle of a field."""
    return fieldwriter._postfile, fieldwriter._fieldid, fieldwriter._tindex


def term_reader_files(reader):
    """``(term index, field map, postings file)`` of a ``SegmentReader``'s term reader."""
    terms = reader._terms
    return terms._tindex, terms._fieldmap, terms._postfile


def file_descriptor(structfile) -> int | None:
    """The operating system's descriptor of a ``StructFile``'s file; None for one in memory."""
    try:
        return structfile.file.fileno()
    except (AttributeError, OSError):  # io.UnsupportedOperation is an OSError
        return None


def widen_hash_index(index, largest: int) -> None:
    """Make an ``OrderedHashWriter``'s position array hold ``largest`` (what it does itself on ``add``)."""
    index._retype(largest)


def add_block_stats(terminfo, docnums: list, weights: list, min_length: int | None, max_length: int) -> None:
    """What ``W3TermInfo.add_block`` accumulates from a block."""
    max_weight = max(weights)
    terminfo._weight += sum(weights)
    terminfo._df += len(weights)
    if terminfo._minlength is None:
        terminfo._minlength = min_length
    elif min_length is not None:
        terminfo._minlength = min(terminfo._minlength, min_length)
    terminfo._maxlength = max(terminfo._maxlength, max_length)
    terminfo._maxweight = max(terminfo._maxweight, max_weight)
    if terminfo._minid is None:
        terminfo._minid = docnums[0]
    terminfo._maxid = docnums[-1]


# --- reading a posting list block by block --------------------------------------------


def is_block_matcher(matcher) -> bool:
    return isinstance(matcher, W3LeafMatcher)


def unfiltered(matcher):
    """The block matcher under a ``FilterMatcher`` that skips deleted documents one posting at a time
    (deletions are masked by the caller instead), reset to its first posting; else ``matcher``."""
    child = getattr(matcher, "child", None)
    if not is_block_matcher(matcher) and is_block_matcher(child):
        child.reset()
        return child
    return matcher


def block_ids(matcher):
    """The current block's document numbers."""
    matcher._read_ids()
    return matcher._ids


def block_weights(matcher):
    matcher._read_weights()
    return matcher._weights


def block_values(matcher):
    matcher._read_values()
    return matcher._values


def block_last_id(matcher) -> int:
    """The current block's last document number, from its header (the block is not read)."""
    return matcher._maxid


def next_block(matcher) -> None:
    matcher._next_block()
