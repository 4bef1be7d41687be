"""Requests whose ``Host`` header no URL can be built for are answered 400 before Flask sees them.

Flask builds every link of a page (``url_for``) from the request's host; a
host Werkzeug cannot encode (a label of more than 63 characters, a space, a
stray character) leaves it without a URL adapter, and even the error page
then fails.  Such a request is malformed, so it gets a short 400 page of its
own, built without Flask.
"""

from __future__ import annotations

import re

#: A DNS name (labels of 1 to 63 letters, digits, hyphens; 253 characters at most) or an IPv4 or
#: bracketed IPv6 address, with an optional port.
_HOST = re.compile(
    r"^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?"
    r"|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$"
)
MAX_HOST_CHARS = 253 + 6

BAD_HOST_PAGE = (
    "<!doctype html><html lang=\"ar\" dir=\"rtl\"><meta charset=\"utf-8\"><title>طلب غير صالح</title>"
    "<p>عنوان الخادم في الطلب غير صالح (Host).</p><p dir=\"ltr\" lang=\"en\">Bad Host header.</p></html>"
).encode("utf-8")


def is_valid_host(host: str) -> bool:
    return len(host) <= MAX_HOST_CHARS and _HOST.match(host) is not None


class HostCheck:
    """WSGI middleware: a request with a ``Host`` that is not a valid host name gets 400."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is not None and not is_valid_host(host):
            start_response("400 Bad Request", [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(BAD_HOST_PAGE))),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'none'"),
            ])
            return [BAD_HOST_PAGE]
        return self.app(environ, start_response)
