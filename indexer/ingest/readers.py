"""Readers: one input file (text, HTML, JSON, JSON Lines) to records.

Text and HTML go through the whole pipeline (furniture, title, source, date,
actors).  JSON articles use their metadata first and run the line rules only
when the body shows furniture, which keeps the 70k corpus fast.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import IngestError
from indexer.ingest import boilerplate, dates
from indexer.ingest.actors import extract_actors
from indexer.ingest.decode import MAX_FILE_BYTES, decode_bytes
from indexer.ingest.discover import SUPPORTED_SUFFIXES, file_kind, record_id_base
from indexer.ingest.sources import name_key, outlet_signatures
from indexer.ingest.title import DERIVED_TITLE_WARNING, choose_title
from indexer.text.normalize import normalize_text
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

#: Relative dates ("منذ 6 شهر") and month-only dates are looked for this far from the top.
DATE_HEADER_LINES = 12
DATE_FOOTER_LINES = 8


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
    text = str(value).strip()
    return text or None


# --- Dates ------------------------------------------------------------------------


def publication_date(lines: list[str], reference: dt.date) -> tuple[dates.DateGuess | None, str | None]:
    """The publication date of a text document and a warning when it is guessed.

    In order: a date with a publication prefix anywhere ("نشر في: ..."), a
    whole-line date near the top or the bottom, a relative date line near the
    top ("• منذ 6 شهر"), a "current month" in the text ("أيلول الحالي").
    Dates inside sentences are event dates and never count.
    """
    non_empty = [line for line in lines if line.strip()]
    edges = non_empty[:DATE_HEADER_LINES] + non_empty[-DATE_FOOTER_LINES:]
    found = [result for result in map(dates.date_line, non_empty) if result]
    prefixed = [result for result in found if result[2]]
    if prefixed:
        return dates.DateGuess(prefixed[0][0], prefixed[0][1], "text"), None
    for line in edges:
        result = dates.date_line(line)
        if result:
            return dates.DateGuess(result[0], result[1], "text"), None
    for line in non_empty[:DATE_HEADER_LINES]:
        if boilerplate.word_count(line) <= boilerplate.MAX_LABEL_WORDS:
            relative = dates.relative_date(normalize_text(line), reference)
            if relative:
                return dates.DateGuess(relative[0], relative[1], "inferred"), f"date inferred from {line.strip()!r}"
    for line in non_empty:
        month = dates.current_month(normalize_text(line), reference)
        if month:
            return dates.DateGuess(month, "month", "inferred"), "date inferred from a 'current month' mention"
    return None, None


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
        date_guess, date_warning = publication_date(lines, reference_date)
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
    actors, variants = extract_actors(f"{title}\n{body}")
    return Record(
        id=record_id,
        path=path,
        title=title,
        body=body,
        source=source,
        date=date_guess.date if date_guess else None,
        date_precision=date_guess.precision if date_guess else None,
        date_origin=date_guess.origin if date_guess else None,
        url=url,
        author=author,
        actors=actors,
        actor_variants=variants,
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
    reference_note = None if reference_date else "reference date: today"
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
        date_guess, note = publication_date(body.split("\n"), reference)
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
    return dates.DateGuess(parsed, "day", "metadata")


def json_line_record(
    line: bytes, *, line_number: int, id_base: str, path: str, reference_date: dt.date | None = None
) -> Record | Skipped | None:
    """One line of a JSON Lines file (None for a blank line)."""
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except ValueError as error:
        return Skipped(f"{path}#{line_number}", f"invalid JSON on line {line_number}: {error.msg}")
    article_id = _as_text(first_field(obj, ID_FIELDS)) if isinstance(obj, dict) else None
    return record_from_mapping(
        obj, id=f"{id_base}#{article_id or line_number}", path=path, content_hash=sha256_hex(line.strip()),
        reference_date=reference_date,
    )


# --- Files ------------------------------------------------------------------------------


def iter_file(path: str | Path, root: str | Path | None = None, reference_date: dt.date | None = None) -> Iterator[Record | Skipped]:
    """Records of one file, streamed (a JSON Lines file can hold many thousands)."""
    path = Path(path).absolute()
    root = Path(root).absolute() if root is not None else None
    shown = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        yield Skipped(shown, f"cannot read: {error.strerror or error}")
        return
    if not path.is_file():
        yield Skipped(shown, "not a regular file")
        return
    kind = file_kind(path)
    if kind is None:
        yield Skipped(
            shown, f"unsupported file type {path.suffix or '(no extension)'!r} (reads {' '.join(SUPPORTED_SUFFIXES)})"
        )
        return
    if size == 0:
        yield Skipped(shown, "empty file")
        return
    id_base = record_id_base(path, root)
    try:
        if kind == "jsonl":
            yield from _iter_json_lines(path, id_base, reference_date)
            return
        if size > MAX_FILE_BYTES:
            raise IngestError(shown, f"too large ({size // 1_000_000} MB > {MAX_FILE_BYTES // 1_000_000} MB)")
        data = path.read_bytes()
        text, _encoding = decode_bytes(data, shown)
        if not text.strip():
            raise IngestError(shown, "empty file (only whitespace)")
        reference, note = _reference(path, reference_date)
        if kind == "json":
            yield from _iter_json_document(text, data, path, id_base, reference_date or reference)
        elif kind == "html":
            yield _html_record(text, data, path, id_base, reference, note)
        else:
            yield parse_text_document(
                text, record_id=id_base, path=shown, content_hash=sha256_hex(data), reference_date=reference,
                reference_note=note,
            )
    except IngestError as error:
        yield Skipped(shown, error.reason)
    except OSError as error:
        yield Skipped(shown, f"cannot read: {error.strerror or error}")


def read_file(path: str | Path, root: str | Path | None = None, reference_date: dt.date | None = None) -> list[Record | Skipped]:
    """All records of one file (for workers that take one file each)."""
    return list(iter_file(path, root, reference_date))


def _reference(path: Path, reference_date: dt.date | None) -> tuple[dt.date, str | None]:
    if reference_date is not None:
        return reference_date, None
    modified = dt.date.fromtimestamp(path.stat().st_mtime)
    return modified, f"reference date: file modified {modified.isoformat()}"


def _iter_json_lines(path: Path, id_base: str, reference_date: dt.date | None) -> Iterator[Record | Skipped]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    reference = reference_date or _reference(path, None)[0]
    try:
        with opener(path, "rb") as handle:
            for line_number, line in enumerate(handle, start=1):
                if line_number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                record = json_line_record(line, line_number=line_number, id_base=id_base, path=str(path), reference_date=reference)
                if record is not None:
                    yield record
    except (OSError, EOFError) as error:
        # A truncated gzip keeps the lines read so far and reports the rest.
        yield Skipped(str(path), f"stopped reading: {error}")


def _iter_json_document(text: str, data: bytes, path: Path, id_base: str, reference: dt.date) -> Iterator[Record | Skipped]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise IngestError(str(path), f"invalid JSON: {error}") from None
    if isinstance(document, dict):
        articles = first_field(document, ARTICLE_LIST_FIELDS)
        if isinstance(articles, list):
            document = articles
    if isinstance(document, dict):
        yield record_from_mapping(document, id=id_base, path=str(path), content_hash=sha256_hex(data), reference_date=reference)
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


def _html_record(text: str, data: bytes, path: Path, id_base: str, reference: dt.date, note: str | None) -> Record | Skipped:
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
        body, record_id=id_base, path=str(path), content_hash=sha256_hex(data), reference_date=reference,
        reference_note=note, title=fields.get("title"), url=url, source=source, date_guess=date_guess,
        author=fields.get("author"), original=text,
    )
    return record
