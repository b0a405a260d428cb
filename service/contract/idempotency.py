"""Idempotency-Key on creating POSTs (IETF httpapi "The Idempotency-Key HTTP Header Field"):
a client that retries a POST with the same key gets the first answer again, and nothing is
created twice.

The first request's answer is stored per caller and key, with a fingerprint of the request,
in the same transaction as what the request created: a retry finds both or neither. A retry
with the same key and another request answers 422; one while the first is still being
served answers 409. A request that failed stores nothing, so its retry runs again. Keys
expire after SERVICE_IDEMPOTENCY_TTL_SECONDS.
"""

import hashlib
import re
from functools import wraps

from flask import Response, current_app, request
from flask_smorest import abort

from service.auth import current_caller
from service.contract.annotate import add_error_responses, add_manual_doc, add_success_headers
from service.contract.order import Step, add_step
from service.data import idempotency
from service.database import one_transaction

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# A Structured Field string (the draft's form), or a plain token as most clients send.
KEY_PATTERN = r'^("[ !#-\[\]-~]{1,255}"|[A-Za-z0-9._:-]{1,255})$'
KEY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Any unique value per request you may retry, e.g. a UUID: a retry with "
    f"the same key and body gets the first answer again (with `{REPLAYED}: true`) and "
    "creates nothing more; with another body, 422; while the first is still being served, "
    "409. Kept for a day.",
    "schema": {"type": "string", "pattern": KEY_PATTERN},
    "example": "8e03978e-40d5-43e8-bc93-6894a57f9324",
}
REPLAYED_HEADER = {
    REPLAYED: {
        "description": "Present on the stored answer to a retry with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
# The headers of the first answer that a retry gets again (the rest are made afresh).
STORED_HEADERS = ("Content-Type", "Location", "ETag")


def _key() -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not re.match(KEY_PATTERN, raw):
        abort(
            400,
            message=f"{HEADER} must be a quoted string or a token of letters, digits "
            "and ._:- (at most 255 characters).",
        )
    return raw.strip('"')


def _fingerprint() -> str:
    request_line = f"{request.method} {request.path}\n".encode()
    return hashlib.sha256(request_line + request.get_data(cache=True)).hexdigest()


def _replay(stored: dict) -> Response:
    headers = {**stored["headers"], REPLAYED: "true"}
    return Response(stored["body"], status=stored["status"], headers=headers)


class IdempotencyMixin:
    @staticmethod
    def idempotent(func):
        """Honour an Idempotency-Key on this creating POST. It goes above the response it
        stores and below @authenticated (keys are per caller)."""

        @wraps(func)
        def wrapper(*args, **kwargs):
            key = _key()
            if key is None:
                return func(*args, **kwargs)
            user_id, fingerprint = current_caller().user_id, _fingerprint()
            ttl = current_app.config["IDEMPOTENCY_TTL_SECONDS"]
            with one_transaction() as connection:
                try:
                    new = idempotency.claim(connection, user_id, key, fingerprint, ttl)
                except idempotency.InFlight:
                    abort(
                        409,
                        message="A request with this Idempotency-Key is still being "
                        "served: wait for its answer, then retry.",
                    )
                if not new:
                    stored = idempotency.stored(connection, user_id, key)
                    if stored["fingerprint"] != fingerprint:
                        abort(422, message=f"This {HEADER} was used for another request.")
                    return _replay(stored)
                response = func(*args, **kwargs)
                headers = {
                    name: response.headers[name]
                    for name in STORED_HEADERS
                    if name in response.headers
                }
                body = response.get_data(as_text=True)
                idempotency.record(connection, user_id, key, response.status_code, headers, body)
            return response

        add_step(wrapper, Step("idempotent"))
        add_manual_doc(wrapper, parameters=[KEY_PARAMETER])
        add_success_headers(wrapper, REPLAYED_HEADER)
        return add_error_responses(wrapper, 409, 422)
