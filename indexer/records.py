"""The clean record that ingestion produces and the index stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

#: The types of an actor (``Record.entities``' ``type``), in the order they are listed.
ACTOR_TYPES = ("person", "organisation", "place")


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
    #: "day", "month" or "year".
    date_precision: str | None = None
    #: "metadata", "crawl" (a metadata date that is the crawl time), "text" or "inferred".
    date_origin: str | None = None
    #: What the date was inferred from: "metadata", "crawl" (a metadata date marked as the crawl
    #: time), "text" (a date line), "relative:mtime" / "relative:today" / "relative:reference" (a
    #: relative form counted from that reference), "bound:text" (not before the latest date the
    #: text reports: the reference did not fit it).  See ``indexer.ingest.dates``.
    date_basis: str | None = None
    #: ISO date the relative form was counted from, or the evidence a "bound:text" date comes from.
    date_reference: str | None = None
    url: str | None = None
    author: str | None = None
    #: Canonical actor names, most mentioned first.
    actors: list[str] = field(default_factory=list)
    #: Canonical actor name -> the distinct surface forms found in this record.
    actor_variants: dict[str, list[str]] = field(default_factory=dict)
    #: Typed entities with this record's mention counts: ``{"name", "type", "mentions"}``, type
    #: ``person``, ``organisation`` or ``place``; every actor, then the other places named.
    entities: list[dict] = field(default_factory=list)
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
