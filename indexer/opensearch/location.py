"""Where a cluster index is: ``opensearch+http://HOST:PORT/INDEX_NAME`` (or ``opensearch+https://``).

Credentials come from ``FAHRAS_OPENSEARCH_USER`` / ``FAHRAS_OPENSEARCH_PASSWORD`` and never from the
URL: a URL ends up in shell history, logs and error messages.  ``ClusterLocation`` keeps the
password out of its ``repr`` and of ``str(location)``, so nothing Fahras prints can show it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from indexer.errors import FahrasError

SCHEMES = {"opensearch+http": "http", "opensearch+https": "https"}
USER_ENV = "FAHRAS_OPENSEARCH_USER"
PASSWORD_ENV = "FAHRAS_OPENSEARCH_PASSWORD"
#: OpenSearch's rules for index names, less the ones Fahras needs free (``.`` starts hidden indices,
#: ``-`` separates the alias from its physical indices' suffixes).
_INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9_]{0,199}")


class LocationError(FahrasError):
    code = "bad_location"


_SCHEME_PREFIX = re.compile(r"^(opensearch\+https?):/+", re.IGNORECASE)


def as_url(location) -> str:
    """``location`` as a string, with the ``//`` that ``pathlib.Path`` folds into ``/`` put back."""
    return _SCHEME_PREFIX.sub(lambda match: match.group(1) + "://", str(location))


def is_cluster_location(location) -> bool:
    """Whether ``location`` (a string, or a path made from one) names an OpenSearch index, not a directory."""
    return location is not None and _SCHEME_PREFIX.match(str(location)) is not None


@dataclass(frozen=True)
class ClusterLocation:
    """A parsed cluster location: the node URL, the index name (an alias) and the credentials."""

    scheme: str
    host: str
    port: int
    index: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def node_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def __str__(self) -> str:
        return f"opensearch+{self.node_url}/{self.index}"

    @property
    def http_auth(self) -> tuple[str, str] | None:
        return (self.user, self.password or "") if self.user else None


def parse_location(location: str, environ=None) -> ClusterLocation:
    """Read ``opensearch+http(s)://HOST:PORT/INDEX_NAME``; a bad one is a one-line ``LocationError``."""
    environ = os.environ if environ is None else environ
    location = as_url(location)
    scheme, _, _ = location.partition("://")
    if scheme.lower() not in SCHEMES:
        raise LocationError(f"not an OpenSearch location: {_shown(location)} "
                            f"(write opensearch+http://HOST:PORT/INDEX_NAME)")
    try:
        parts = urlsplit(location)
        port = parts.port
    except ValueError:
        raise LocationError(f"cannot read the OpenSearch location {_shown(location)}: "
                            f"write opensearch+http://HOST:PORT/INDEX_NAME") from None
    if parts.username or parts.password:
        raise LocationError(f"put no credentials in the OpenSearch location {_shown(location)}: set "
                            f"{USER_ENV} and {PASSWORD_ENV} instead")
    if not parts.hostname:
        raise LocationError(f"the OpenSearch location {_shown(location)} names no host")
    index = parts.path.strip("/")
    if not _INDEX_NAME.fullmatch(index) or parts.query or parts.fragment:
        raise LocationError(f"the OpenSearch location {_shown(location)} needs an index name after the port: "
                            f"lowercase letters, digits and _ (e.g. /fahras)")
    user = environ.get(USER_ENV) or None
    password = environ.get(PASSWORD_ENV) or None
    return ClusterLocation(SCHEMES[scheme.lower()], parts.hostname, port or 9200, index, user, password)


def _shown(location: str) -> str:
    """``location`` without any ``user:password@`` part, for messages."""
    return repr(re.sub(r"//[^/@]*@", "//", location))


#: Seconds a request may take; bulk requests and rebuild swaps get longer.
REQUEST_TIMEOUT = 30


def connect(location: ClusterLocation):
    """An ``opensearchpy.OpenSearch`` client for ``location`` (the only place one is made)."""
    from opensearchpy import OpenSearch

    return OpenSearch(
        hosts=[{"host": location.host, "port": location.port, "scheme": location.scheme}],
        http_auth=location.http_auth,
        use_ssl=location.scheme == "https",
        verify_certs=location.scheme == "https",
        timeout=REQUEST_TIMEOUT,
        # A node going away: the client tries the request again on another (or the same, restarted) node.
        max_retries=3,
        retry_on_timeout=True,
        retry_on_status=(429, 502, 503, 504),
        # Gzip pays on a network, not on the loopback, where it would only cost CPU.
        http_compress=location.host not in ("127.0.0.1", "localhost", "::1"),
    )


def cluster_error(location: ClusterLocation, error: Exception, doing: str) -> FahrasError:
    """A one-line, credential-free ``FahrasError`` for a failed cluster request."""
    from opensearchpy.exceptions import AuthenticationException, AuthorizationException, ConnectionError

    if isinstance(error, ConnectionError):
        return FahrasError(f"cannot reach OpenSearch at {location.node_url} while {doing}: is the cluster running?",
                           code="cluster_unreachable")
    if isinstance(error, AuthenticationException):
        return FahrasError(f"OpenSearch at {location.node_url} refused the credentials while {doing}: check "
                           f"{USER_ENV} and {PASSWORD_ENV}", code="cluster_auth")
    if isinstance(error, AuthorizationException):
        return FahrasError(f"OpenSearch at {location.node_url} does not allow {doing} on {location.index!r} "
                           f"for this user (see docs/opensearch.md for the permissions Fahras needs)",
                           code="cluster_forbidden")
    status = getattr(error, "status_code", None)
    reason = _reason(error)
    return FahrasError(f"OpenSearch at {location.node_url} failed while {doing}"
                       f"{f' ({status})' if status else ''}: {reason}", code="cluster_error")


def _reason(error: Exception) -> str:
    info = getattr(error, "info", None)
    if isinstance(info, dict):
        cause = info.get("error", {})
        if isinstance(cause, dict):
            root = (cause.get("root_cause") or [cause])[0]
            return str(root.get("reason") or root.get("type") or cause)[:300]
    return str(getattr(error, "error", None) or error)[:300]


SCROLL_KEEP = "2m"


def scroll_hits(client, call, index: str, body: dict):
    """Every hit of ``body``'s search on ``index``, a batch at a time (``call(doing, method, **kw)`` makes the
    requests); the scroll is cleared however the reading ends."""
    from opensearchpy.exceptions import OpenSearchException

    response = call("reading the index", client.search, index=index, body=body, scroll=SCROLL_KEEP)
    scroll_id = response.get("_scroll_id")
    try:
        while response["hits"]["hits"]:
            yield from response["hits"]["hits"]
            response = call("reading the index", client.scroll, body={"scroll_id": scroll_id, "scroll": SCROLL_KEEP})
            scroll_id = response.get("_scroll_id", scroll_id)
    finally:
        if scroll_id:
            try:
                client.clear_scroll(body={"scroll_id": [scroll_id]})
            except OpenSearchException:
                pass  # it expires by itself after SCROLL_KEEP
