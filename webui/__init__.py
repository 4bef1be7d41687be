"""The Fahras web UI: a Flask app factory in the flaskr style.

``create_app()`` wires the one blueprint (``webui.views``), the error handlers
(``webui.errors``) and the security headers every response carries.
"""

from __future__ import annotations

from flask import Flask

from indexer.search.query import MAX_QUERY_CHARS
from webui.hosts import HostCheck

#: Scripts only from our own static folder: no inline script, no ``on*=``
#: attributes, no eval.  Styles too, so histogram bar heights are CSS classes.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

DEFAULT_CONFIG = {
    #: A search past this many milliseconds stops its slow steps and says its result may be partial,
    #: so that one query of very common words cannot hold the page for everyone.
    "SEARCH_BUDGET_MS": 1500,
    #: An already open ``indexer.Index`` (``fahras serve`` opens it before binding).
    "INDEX": None,
    #: Otherwise the folder to open on first request; None means ``indexer.default_index_dir()``.
    "INDEX_DIR": None,
    "PER_PAGE": 10,
    #: How many actor/source values the page asks for; the first
    #: ``FACET_VISIBLE`` show, the rest sit behind a "more" expansion.
    "FACET_LIMIT": 40,
    "FACET_VISIBLE": 8,
    #: A longer query is refused (400) rather than cut: the library cuts at the same length, with a note.
    "MAX_QUERY_CHARS": MAX_QUERY_CHARS,
}


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides ``DEFAULT_CONFIG`` (e.g. ``INDEX_DIR``)."""
    from webui import errors, views

    app = Flask(__name__)
    app.config.from_mapping(DEFAULT_CONFIG)
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False
    app.register_blueprint(views.bp)
    # A Host that no URL can be built for (a label of 64 characters, say) is refused before Flask sees it.
    app.wsgi_app = HostCheck(app.wsgi_app)
    errors.register(app)
    app.after_request(add_security_headers)
    return app
