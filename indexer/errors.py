"""Domain errors.  Library code raises these; only ``cli.py`` and the web
error handler turn them into exit codes and HTTP statuses."""

from __future__ import annotations


class FahrasError(Exception):
    """Base class: the message is written for the user and says what to do."""

    #: HTTP status the web UI answers with; the CLI exits 1 unless told otherwise.
    status = 500
    exit_code = 1


class IndexNotFound(FahrasError):
    status = 503


class StaleIndex(FahrasError):
    """The index was built by an older schema or analyzer and must be rebuilt."""

    status = 503


class IndexLocked(FahrasError):
    status = 503


class QueryError(FahrasError):
    """A query or a filter that cannot be read, even forgivingly."""

    status = 400
    exit_code = 2


class DocumentNotFound(FahrasError):
    status = 404


class IngestError(FahrasError):
    """One input cannot be turned into records; the run goes on without it."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
