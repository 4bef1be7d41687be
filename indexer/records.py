"""The clean record that ingestion produces and the index stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

DATE_PRECISIONS = ("day", "month", "year")
DATE_ORIGINS = ("metadata", "text", "inferred")


@dataclass
class Record:
    #: Stable across runs: the path relative to the indexed folder for files,
    #: ``path#json-id`` (or ``path#line``) for JSON and JSON Lines articles.
    id: str
    path: str
    title: str
    #: The article text only, boilerplate removed.
    body: str
    source: str | None = None
    date: dt.date | None = None
    date_precision: str | None = None
    date_origin: str | None = None
    url: str | None = None
    author: str | None = None
    #: Canonical actor names, most mentioned first.
    actors: list[str] = field(default_factory=list)
    #: Canonical actor name -> the distinct surface forms found in this record.
    actor_variants: dict[str, list[str]] = field(default_factory=dict)
    #: Hash of the input the record came from, for incremental reindexing.
    content_hash: str = ""
    #: The text as found (decoded), kept when it differs from ``body`` so that
    #: the document view can show the original without reading outside the index.
    original: str | None = None
    #: True when no headline was found and ``title`` was made from the first
    #: sentence: such a title is shown, but not indexed with a headline's weight.
    title_derived: bool = False
    #: Things a user should know about this record (guessed fields, dropped parts).
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data


@dataclass
class Skipped:
    """An input that produced no record, with a one-line reason."""

    path: str
    reason: str

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}
