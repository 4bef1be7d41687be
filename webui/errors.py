"""One way to fail: an HTML page or a JSON body with the status, never a stack trace.

Library errors (``FahrasError``) carry their HTTP status; Werkzeug's own
(unknown route, wrong method) are mapped the same way; anything else is logged
and answered with a plain 500.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.errors import FahrasError, IndexNotFound, StaleIndex

API_PREFIX = "/api/"

TITLES = {
    400: "طلب غير صالح",
    404: "غير موجود",
    405: "طريقة غير مسموحة",
    500: "خطأ داخلي",
    503: "الفهرس غير جاهز",
}
DEFAULT_TITLE = "خطأ"

#: Werkzeug's messages are English; the page speaks Arabic.
HTTP_MESSAGES = {
    404: "لا توجد صفحة بهذا العنوان.",
    405: "هذا العنوان لا يقبل هذه الطريقة.",
}

INTERNAL_ERROR_MESSAGE = "حدث خطأ غير متوقع في الخادم. سُجّل الخطأ؛ أعد المحاولة أو أبلغ المسؤول."

#: Shown under the message when the index cannot be used: how to build it.
INDEX_HINT = (
    "ابنِ الفهرس ثم أعد تحميل الصفحة: fahras index <المجلد> "
    "(أو شغّل fahras serve دون ‎--index‎ ليُبنى الفهرس الافتراضي من المقالات المرفقة)."
)


def error_response(status: int, message: str, kind: str, hint: str | None = None):
    """JSON under ``/api/``, an Arabic HTML page elsewhere."""
    if request.path.startswith(API_PREFIX):
        body = {"error": {"status": status, "type": kind, "message": message}}
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
    hint = INDEX_HINT if isinstance(error, (IndexNotFound, StaleIndex)) else None
    return error_response(error.status, str(error), type(error).__name__, hint)


def handle_http_error(error: HTTPException):
    status = error.code or 500
    message = HTTP_MESSAGES.get(status, error.description or "")
    return error_response(status, message, type(error).__name__)


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    return error_response(500, INTERNAL_ERROR_MESSAGE, "InternalError")


def register(app: Flask) -> None:
    app.register_error_handler(FahrasError, handle_fahras_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
