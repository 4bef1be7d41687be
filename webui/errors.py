"""One way to fail: an Arabic HTML page or a JSON body with the status, never a stack trace.

Library errors (``FahrasError``) carry their HTTP status and a stable
``code``; the text shown is the Arabic one ``webui.messages`` keeps for that
code, filled from the error's ``params``, never the library's English message
(it may name a server path).  Werkzeug's own errors (unknown route, wrong
method) are mapped the same way; anything else is logged and answered with a
plain 500.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.errors import FahrasError
from webui import messages

API_PREFIX = "/api/"

TITLES = {
    400: "طلب غير صالح",
    404: "غير موجود",
    405: "طريقة غير مسموحة",
    500: "خطأ داخلي",
    503: "الفهرس غير جاهز",
}
DEFAULT_TITLE = "خطأ"

#: Codes for Werkzeug's errors, whose messages are English.
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def error_response(status: int, code: str, kind: str, params: dict | None = None):
    """JSON under ``/api/``, an Arabic HTML page elsewhere; both say the same Arabic sentence."""
    message = messages.error_text(code, params)
    hint = messages.HINTS.get(code)
    if request.path.startswith(API_PREFIX):
        body = {"error": {"status": status, "type": kind, "code": code, "message": message}}
        if params:
            body["error"]["params"] = params
        if hint:
            body["error"]["hint"] = hint
        return jsonify(body), status
    page = render_template(
        "error.html",
        status=status,
        title=TITLES.get(status, DEFAULT_TITLE),
        message=message,
        hint=hint,
        query=request.args.get("q", "")[: current_app.config["MAX_QUERY_CHARS"]],
    )
    return page, status


def handle_fahras_error(error: FahrasError):
    return error_response(error.status, error.code, type(error).__name__, error.params)


def handle_http_error(error: HTTPException):
    status = error.code or 500
    return error_response(status, HTTP_CODES.get(status, "http_error"), type(error).__name__)


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    return error_response(500, "internal_error", "InternalError")


def register(app: Flask) -> None:
    app.register_error_handler(FahrasError, handle_fahras_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
