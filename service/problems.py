"""Every error becomes an RFC 9457 problem document served as application/problem+json."""

import json
from http import HTTPStatus

from flask import Response, g, request
from werkzeug.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"


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


def problem_response(error: HTTPException) -> Response:
    """Render any HTTPException, Werkzeug's own and unexpected 500s included."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        # Werkzeug's descriptions are fixed, generic sentences: never a stack trace.
        "detail": data.get("message") or error.description or HTTPStatus(status).description,
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
