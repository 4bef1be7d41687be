"""Domain errors.  Library code raises these; only ``cli.py`` and the web
error handler turn them into exit codes and HTTP statuses."""

from __future__ import annotations


class FahrasError(Exception):
    """Base class: the message is written for the user and says what to do."""

    #: HTTP status the web UI answers with; the CLI exits 1 unless told otherwise.
    status = 500
    exit_code = 1
    #: Stable identifier of the kind of error, for programs and translations.
    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None, params: dict | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        #: Values a translated message fills in (never a server path).
        self.params = dict(params or {})


class IndexNotFound(FahrasError):
    status = 503
    code = "index_not_found"


class StaleIndex(FahrasError):
    """The index was built by an older schema or analyzer and must be rebuilt."""

    status = 503
    code = "stale_index"


class IndexLocked(FahrasError):
    status = 503
    code = "index_locked"


class QueryError(FahrasError):
    """A query or a filter that cannot be read, even forgivingly."""

    status = 400
    exit_code = 2
    code = "bad_query"


class DocumentNotFound(FahrasError):
    status = 404
    code = "document_not_found"


class IngestError(FahrasError):
    """One input cannot be turned into records; the run goes on without it."""

    code = "ingest_error"

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexWriteError(FahrasError):
    """The index could not be written (disk full, a read-only place); it was left as it was."""

    status = 503


class NothingToIndex(FahrasError):
    """Paths were given and nothing at all could be read from them; ``report`` says what was skipped."""

    exit_code = 2

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report
