"""Readers: one input file (text, HTML, JSON, JSON Lines) to records.

Text and HTML go through the whole pipeline (furniture, title, source, date,
actors).  JSON articles use their metadata first and run the line rules only
when the body shows furniture, which keeps the 70k corpus fast.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import html
import json
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IngestError
from indexer.ingest import boilerplate, dates
from indexer.ingest.actors import find_actors
from indexer.ingest.decode import MAX_FILE_BYTES, decode_bytes
from indexer.ingest.discover import file_kind, record_id_base, shown_path, stat_input, unsupported_reason
from indexer.ingest.sources import name_key, outlet_signatures
from indexer.ingest.title import DERIVED_TITLE_WARNING, choose_title
from indexer.records import Record, Skipped

# Common field names, in order of preference.
TITLE_FIELDS = ("title", "headline", "name")
BODY_FIELDS = ("body", "content", "text", "article", "maintext", "article_body", "articleBody")
SOURCE_FIELDS = ("source", "site", "sitename", "site_name", "publisher", "outlet", "source_name", "domain")
DATE_FIELDS = ("date", "published", "published_at", "publishedAt", "pubDate", "datePublished", "publish_date", "date_publish", "created_at")
URL_FIELDS = ("url", "link", "source_url", "canonical_url")
AUTHOR_FIELDS = ("author", "byline", "authors", "creator")
ID_FIELDS = ("id", "_id", "guid", "uuid", "article_id")
#: Where a JSON file keeps its list of articles when it is an object.
ARTICLE_LIST_FIELDS = ("articles", "items", "data", "records", "documents", "results")
#: The corpus marks crawl times this way: a date, but not the publication date.
CRAWL_DATE_KINDS = ("extracted", "crawled", "crawl")

#: JSON Lines files are read in chunks of this many lines (the build hands each chunk to a worker).
LINES_PER_CHUNK = 500
UTF8_BOM = b"\xef\xbb\xbf"
#: What reading a JSON document can raise besides ``ValueError``: nesting deeper than the
#: parser's recursion limit (``[`` x 100,000).
JSON_NESTING_ERRORS = (RecursionError, MemoryError)



def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def first_field(obj: dict, names: tuple[str, ...]):
    for name in names:
        value = obj.get(name)
        if value not in (None, "", []):
            return value
    return None


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(item) for item in value if item) or None
    if isinstance(value, dict):
        return _as_text(first_field(value, ("name", "title", "value")))
    # Exports from CMSes carry HTML entities ("&#8220;", "&amp;") in plain-text fields.
    text = html.unescape(str(value)).strip()
    return text or None


# --- Text documents ------------------------------------------------------------------


def parse_text_document(
    text: str,
    *,
    record_id: str,
    path: str,
    content_hash: str,
    reference_date: dt.date,
    reference_note: str | None = None,
    title: str | None = None,
    url: str | None = None,
    source: str | None = None,
    date_guess: dates.DateGuess | None = None,
    author: str | None = None,
    original: str | None = None,
) -> Record | Skipped:
    """A record from article text with page furniture around it.

    Metadata arguments (from HTML or JSON) win over what the text suggests.
    """
    lines = text.split("\n")
    dropped = boilerplate.furniture(lines)
    signatures = outlet_signatures()
    warnings: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or index in dropped:
            continue
        if name_key(stripped) in signatures.by_key:
            dropped[index] = "outlet name"
        elif (found_author := boilerplate.byline_author(stripped)) is not None:
            dropped[index] = "byline"
            author = author or found_author
    kept = [index for index, line in enumerate(lines) if line.strip() and index not in dropped]
    title_derived = False
    if title:
        not_body = {index for index in kept if lines[index].strip() == title.strip()}
    else:
        title, not_body, title_warning = choose_title(lines, kept)
        if title_warning:
            warnings.append(title_warning)
        title_derived = title_warning == DERIVED_TITLE_WARNING
    not_body |= dropped.keys()
    body = boilerplate.join_paragraphs("" if index in not_body else line for index, line in enumerate(lines))
    if not body and kept:
        # A one-line article: its only line is both the headline and the text.
        body = boilerplate.join_paragraphs(lines[index] for index in kept)
        warnings.append("the text is a single headline-like line")
    if not body:
        return Skipped(path, "no article text left after removing page furniture")
    if source is None:
        source, evidence = signatures.detect(lines, url)
        if source is None:
            warnings.append(f"source unknown ({evidence})")
    if date_guess is None:
        date_guess, date_warning = dates.publication_date(lines, reference_date, dates.reference_kind(reference_note))
        if date_warning:  # only inferred dates carry one
            warnings.append(f"{date_warning}; {reference_note}" if reference_note else date_warning)
        elif date_guess is None:
            warnings.append("date unknown")
    reasons = sorted({reason for reason in dropped.values() if reason != "empty"})
    if reasons:
        warnings.append("removed: " + ", ".join(reasons))
    return _record(
        record_id=record_id, path=path, title=title, body=body, source=source, date_guess=date_guess,
        url=url, author=author, content_hash=content_hash,
        original=original if original is not None else (text if text.strip() != body else None),
        warnings=warnings,
        title_derived=title_derived,
    )


def _record(
    *, record_id, path, title, body, source, date_guess, url, author, content_hash, original, warnings, title_derived=False
) -> Record:
    found = find_actors(f"{title}\n{body}")
    return Record(
        id=record_id,
        path=path,
        title=title,
        body=body,
        source=source,
        date=date_guess.date if date_guess else None,
        date_precision=date_guess.precision if date_guess else None,
        date_origin=date_guess.origin if date_guess else None,
        date_basis=date_guess.date_basis if date_guess else None,
        date_reference=date_guess.reference.isoformat() if date_guess and date_guess.reference else None,
        url=url,
        author=author,
        actors=found.actors,
        actor_variants=found.variants,
        entities=found.entities,
        content_hash=content_hash,
        original=original,
        warnings=warnings,
        title_derived=title_derived,
    )


# --- JSON articles ---------------------------------------------------------------------


def record_from_mapping(
    obj: dict, *, id: str, path: str, content_hash: str, reference_date: dt.date | None = None
) -> Record | Skipped:
    """One JSON article.  Given metadata wins over inference; the body goes
    through the furniture rules only when it shows furniture (or has no title)."""
    where = f"{path}#{id.rpartition('#')[2]}"
    if not isinstance(obj, dict):
        return Skipped(where, "not a JSON object")
    body = _as_text(first_field(obj, BODY_FIELDS))
    if not body:
        return Skipped(where, "no body/content/text field")
    signatures = outlet_signatures()
    warnings: list[str] = []
    url = _as_text(first_field(obj, URL_FIELDS))
    source = signatures.canonical(_as_text(first_field(obj, SOURCE_FIELDS)))
    if source is None and (outlet := signatures.from_url(url)) is not None:
        source = outlet.name
    date_guess = _metadata_date(obj, warnings)
    title = _as_text(first_field(obj, TITLE_FIELDS))
    author = _as_text(first_field(obj, AUTHOR_FIELDS))
    reference_note = None if reference_date else dates.TODAY_REFERENCE_NOTE
    reference = reference_date or dt.date.today()
    if not title or boilerplate.needs_cleaning(body):
        record = parse_text_document(
            body, record_id=id, path=path, content_hash=content_hash, reference_date=reference,
            reference_note=reference_note, title=title, url=url, source=source, date_guess=date_guess,
            author=author,
        )
        if isinstance(record, Record):
            record.warnings[:0] = warnings
        return record
    if source is None:
        source, evidence = signatures.detect(body.split("\n"), url)
        if source is None:
            warnings.append(f"source unknown ({evidence})")
    if date_guess is None:
        date_guess, note = dates.publication_date(body.split("\n"), reference, dates.reference_kind(reference_note))
        if note or date_guess is None:
            warnings.append(note or "date unknown")
    return _record(
        record_id=id, path=path, title=title, body=body, source=source, date_guess=date_guess, url=url,
        author=author, content_hash=content_hash, original=None, warnings=warnings,
    )


def _metadata_date(obj: dict, warnings: list[str]) -> dates.DateGuess | None:
    raw_date = first_field(obj, DATE_FIELDS)
    if raw_date is None:
        return None
    parsed = dates.parse_metadata_date(raw_date) or dates.parse_metadata_date(obj.get("date_raw"))
    if parsed is None:
        warnings.append(f"unreadable date in metadata: {str(raw_date)[:40]!r}")
        return None
    if str(obj.get("date_kind", "")).lower() in CRAWL_DATE_KINDS:
        warnings.append("date is the crawl time given in the metadata")
        return dates.DateGuess(parsed, "day", dates.BASIS_CRAWL, dates.BASIS_CRAWL)
    return dates.DateGuess(parsed, "day", "metadata")


def json_error_reason(error: Exception, one_line: bool = False) -> str:
    """What is wrong with a JSON text, with the position when the parser gives one."""
    if isinstance(error, json.JSONDecodeError):
        if one_line:
            return f"{error.msg} (column {error.colno})"
        return f"{error.msg} (line {error.lineno}, column {error.colno}, character {error.pos})"
    if isinstance(error, UnicodeDecodeError):
        return f"not valid UTF-8 (byte {error.start})"
    if isinstance(error, JSON_NESTING_ERRORS):
        return "nested too deeply"
    # e.g. an integer of more than 4,300 digits (Python's limit on int conversion).
    return str(error).split("\n", 1)[0] or type(error).__name__


def json_line_record(
    line: bytes, *, line_number: int, id_base: str, path: str, reference_date: dt.date | None = None,
    content_hash: str | None = None,
) -> Record | Skipped | None:
    """One line of a JSON Lines file (None for a blank line); ``content_hash``: the stripped line's, when known."""
    stripped = line.strip()
    if not stripped:
        return None
    where = f"{path}#{line_number}"
    try:
        obj = json.loads(stripped.decode("utf-8"))
    except (ValueError, *JSON_NESTING_ERRORS) as error:
        return Skipped(where, f"invalid JSON on line {line_number}: {json_error_reason(error, one_line=True)}")
    try:
        article_id = _as_text(first_field(obj, ID_FIELDS)) if isinstance(obj, dict) else None
        return record_from_mapping(
            obj, id=f"{id_base}#{article_id or line_number}", path=path,
            content_hash=content_hash or sha256_hex(stripped), reference_date=reference_date,
        )
    except JSON_NESTING_ERRORS:
        return Skipped(where, f"line {line_number}: fields nested too deeply")


@dataclass
class LineChunk:
    """Consecutive lines of a JSON Lines file, as bytes (BOM removed)."""

    first_line: int
    lines: list[bytes]
    #: Bytes of the file read so far (compressed bytes for ``.gz``), for progress.
    position: int
    #: The file's last chunk.
    last: bool = False
    #: Why reading stopped before the end of the file (a truncated or corrupted gzip); last chunk only.
    error: str | None = None


def iter_line_chunks(path: Path, lines_per_chunk: int = LINES_PER_CHUNK) -> Iterator[LineChunk]:
    """A JSON Lines file (``.gz`` too) in chunks of lines; a read error ends it with an ``error`` chunk."""
    chunk: list[bytes] = []
    first = 1
    position = 0
    try:
        with open(path, "rb") as raw:
            handle = gzip.GzipFile(fileobj=raw) if path.name.lower().endswith(".gz") else raw
            for number, line in enumerate(handle, start=1):
                if number == 1 and line.startswith(UTF8_BOM):
                    line = line[len(UTF8_BOM):]
                chunk.append(line)
                if len(chunk) == lines_per_chunk:
                    position = raw.tell()
                    yield LineChunk(first, chunk, position)
                    chunk, first = [], number + 1
            position = raw.tell()
    except (OSError, EOFError, zlib.error) as error:
        # A truncated gzip keeps the lines read so far and reports the rest.
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        yield LineChunk(first, chunk, position, last=True, error=f"stopped reading: {reason}")
        return
    yield LineChunk(first, chunk, position, last=True)


def chunk_records(
    chunk: LineChunk, *, id_base: str, path: str, reference_date: dt.date | None,
    known: Callable[[str], bool] | None = None,
) -> Iterator[Record | Skipped]:
    """The records of a chunk's lines, except lines whose hash ``known(hash)`` claims (not parsed at all)."""
    for number, line in enumerate(chunk.lines, start=chunk.first_line):
        stripped = line.strip()
        if not stripped:
            continue
        digest = sha256_hex(stripped)
        if known is not None and known(digest):
            continue
        result = json_line_record(stripped, line_number=number, id_base=id_base, path=path,
                                  reference_date=reference_date, content_hash=digest)
        if result is not None:
            yield result
    if chunk.error:
        yield Skipped(path, chunk.error)


def json_lines_reference(path: Path, reference_date: dt.date | None, mtime: float | None = None) -> dt.date:
    """What relative dates in a JSON Lines file count from: the given date, else the file's modification day."""
    if reference_date is not None:
        return reference_date
    return dt.date.fromtimestamp(path.stat().st_mtime if mtime is None else mtime)


# --- Files ------------------------------------------------------------------------------


def iter_file(
    path: str | Path, root: str | Path | None = None, reference_date: dt.date | None = None, *,
    stat: os.stat_result | None = None, content_hash: str | None = None,
) -> Iterator[Record | Skipped]:
    """Records of one file, streamed (a JSON Lines file can hold many thousands).

    ``stat`` and ``content_hash`` (the file's SHA-256), when the caller has
    them already, spare a second look at the disk.
    """
    path = Path(path).absolute()
    root = Path(root).absolute() if root is not None else None
    shown = shown_path(path)
    if stat is None:
        stat, problem = stat_input(path)
        if problem is not None:
            yield Skipped(shown, problem if problem.startswith("cannot read") else f"cannot read: {problem}")
            return
    size = stat.st_size
    kind = file_kind(path)
    if kind is None:
        yield Skipped(shown, unsupported_reason(path))
        return
    if size == 0:
        yield Skipped(shown, "empty file")
        return
    id_base = record_id_base(path, root)
    try:
        if kind == "jsonl":
            yield from _iter_json_lines(path, id_base, json_lines_reference(path, reference_date, stat.st_mtime))
            return
        if size > MAX_FILE_BYTES:
            raise IngestError(shown, f"too large ({size // 1_000_000} MB > {MAX_FILE_BYTES // 1_000_000} MB)")
        data = path.read_bytes()
        text, _encoding = decode_bytes(data, shown)
        if not text.strip():
            raise IngestError(shown, "empty file (only whitespace)")
        reference, note = _reference(path, reference_date, stat.st_mtime)
        content_hash = content_hash or sha256_hex(data)
        if kind == "json":
            yield from _iter_json_document(text, content_hash, path, id_base, reference_date or reference)
        elif kind == "html":
            yield _html_record(text, content_hash, path, id_base, reference, note)
        else:
            yield parse_text_document(
                html.unescape(text), record_id=id_base, path=shown, content_hash=content_hash,
                reference_date=reference, reference_note=note,
            )
    except IngestError as error:
        yield Skipped(shown, error.reason)
    except JSON_NESTING_ERRORS:
        yield Skipped(shown, "invalid JSON: nested too deeply")
    except OSError as error:
        yield Skipped(shown, f"cannot read: {error.strerror or error}")


def read_file(
    path: str | Path, root: str | Path | None = None, reference_date: dt.date | None = None, *,
    stat: os.stat_result | None = None, content_hash: str | None = None,
) -> list[Record | Skipped]:
    """All records of one file (for workers that take one file each)."""
    return list(iter_file(path, root, reference_date, stat=stat, content_hash=content_hash))


def _reference(path: Path, reference_date: dt.date | None, mtime: float | None = None) -> tuple[dt.date, str | None]:
    if reference_date is not None:
        return reference_date, None
    modified = dt.date.fromtimestamp(path.stat().st_mtime if mtime is None else mtime)
    return modified, dates.mtime_reference_note(modified)


def _iter_json_lines(path: Path, id_base: str, reference: dt.date) -> Iterator[Record | Skipped]:
    for chunk in iter_line_chunks(path):
        yield from chunk_records(chunk, id_base=id_base, path=str(path), reference_date=reference)


def _iter_json_document(text: str, content_hash: str, path: Path, id_base: str, reference: dt.date) -> Iterator[Record | Skipped]:
    try:
        document = json.loads(text)
    except (ValueError, *JSON_NESTING_ERRORS) as error:
        raise IngestError(str(path), f"invalid JSON: {json_error_reason(error)}") from None
    if isinstance(document, dict):
        articles = first_field(document, ARTICLE_LIST_FIELDS)
        if isinstance(articles, list):
            document = articles
    if isinstance(document, dict):
        yield record_from_mapping(document, id=id_base, path=str(path), content_hash=content_hash, reference_date=reference)
        return
    if not isinstance(document, list):
        raise IngestError(str(path), "JSON is neither an article object nor a list of articles")
    if not document:
        raise IngestError(str(path), "JSON list of articles is empty")
    for position, obj in enumerate(document, start=1):
        article_id = _as_text(first_field(obj, ID_FIELDS)) if isinstance(obj, dict) else None
        raw = json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8")
        yield record_from_mapping(
            obj, id=f"{id_base}#{article_id or position}", path=str(path), content_hash=sha256_hex(raw),
            reference_date=reference,
        )


# --- HTML ---------------------------------------------------------------------------------


def _html_record(text: str, content_hash: str, path: Path, id_base: str, reference: dt.date, note: str | None) -> Record | Skipped:
    """Main text and metadata by trafilatura, then our own furniture, source and date rules."""
    import trafilatura

    extracted = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, favor_precision=True)
    if extracted is None:
        return Skipped(str(path), "no article text found in the HTML")
    fields = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    body = fields.get("text") or ""
    if not body.strip():
        return Skipped(str(path), "no article text found in the HTML")
    signatures = outlet_signatures()
    url = fields.get("url")
    source = signatures.canonical(fields.get("sitename"))
    if source is None and (outlet := signatures.from_url(url)) is not None:
        source = outlet.name
    date_guess = None
    if fields.get("date"):
        parsed = dates.parse_metadata_date(fields["date"])
        if parsed:
            date_guess = dates.DateGuess(parsed, "day", "metadata")
    record = parse_text_document(
        body, record_id=id_base, path=str(path), content_hash=content_hash, reference_date=reference,
        reference_note=note, title=fields.get("title"), url=url, source=source, date_guess=date_guess,
        author=fields.get("author"), original=text,
    )
    return record
