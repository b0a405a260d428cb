"""Every error becomes an RFC 9457 problem document served as application/problem+json."""

import json
from http import HTTPStatus

from flask import Flask, Response, current_app, g, request
from gunicorn.http.errors import NoMoreData, ParseException
from werkzeug.exceptions import BadRequest, HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
# What gunicorn raises while the app reads a body it cannot read as framed: a chunk size that
# is not hexadecimal, a chunk without its terminator, a body shorter than its Content-Length.
BODY_FRAMING_ERRORS = (ParseException, NoMoreData)


def init_app(app: Flask) -> None:
    for error in BODY_FRAMING_ERRORS:
        app.register_error_handler(error, _unreadable_body)


def _unreadable_body(error: Exception) -> Response:
    return problem_response(
        BadRequest("The request body could not be read: its framing is broken.")
    )


def _field_errors(data: dict) -> dict | None:
    """webargs nests messages by location ({"json": {...}}); clients want field -> messages."""
    messages = data.get("errors") or data.get("messages")
    if not messages:
        return None
    if set(messages) <= {"json", "form", "json_or_form", "query", "querystring", "headers"}:
        merged: dict = {}
        for location_messages in messages.values():
            merged.update(location_messages)
        return merged
    return messages


def _detail(error: HTTPException, status: int) -> str:
    if status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return f"The request body is larger than the {limit} bytes this API accepts."
    return error.description or HTTPStatus(status).description


def problem_response(error: HTTPException) -> Response:
    """Render any HTTPException, Werkzeug's own and unexpected 500s included."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        # Werkzeug's descriptions are fixed, generic sentences: never a stack trace.
        "detail": data.get("message") or _detail(error, status),
        "instance": request.path,
        "request_id": g.get("request_id", ""),
    }
    errors = _field_errors(data)
    if errors is not None:
        problem["errors"] = errors
        if "message" not in data:
            problem["detail"] = "Some fields are invalid: see `errors`."
    # Keep Werkzeug's own headers (Allow on 405) which flask-smorest drops.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return Response(
        json.dumps(problem), status=status, headers=headers, mimetype=PROBLEM_MEDIA_TYPE
    )
