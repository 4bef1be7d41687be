"""A result set as CSV or JSON Lines, one row per document, produced line by line.

The web UI streams these lines (``/export.csv``, ``/export.jsonl``) and
``fahras search --format csv|jsonl`` writes them, so both exports have the
same columns.  The CSV starts with a byte order mark: without it a
spreadsheet opens UTF-8 Arabic as mojibake.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from indexer.models import Hit

FIELDS = ("id", "title", "source", "date", "actors", "url", "path", "score")
#: Between actors in a CSV cell (the JSON Lines row keeps a list).
ACTOR_SEPARATOR = "; "
BYTE_ORDER_MARK = "\ufeff"


def row(hit: Hit) -> dict:
    """The exported fields of one hit."""
    return {
        "id": hit.id,
        "title": hit.title,
        "source": hit.source,
        "date": hit.date,
        "actors": list(hit.actors),
        "url": hit.url,
        "path": hit.path,
        "score": hit.score,
    }


def csv_lines(hits: Iterable[Hit], *, byte_order_mark: bool = True) -> Iterator[str]:
    """The header, then one CSV line per hit (``\\r\\n`` line ends, as RFC 4180 and spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield (BYTE_ORDER_MARK if byte_order_mark else "") + line(FIELDS)
    for hit in hits:
        data = row(hit)
        data["actors"] = ACTOR_SEPARATOR.join(data["actors"])
        yield line("" if data[name] is None else data[name] for name in FIELDS)


def jsonl_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """One JSON object per hit and line (UTF-8 text, not ``\\u`` escapes)."""
    for hit in hits:
        yield json.dumps(row(hit), ensure_ascii=False) + "\n"
