"""Conditional requests (RFC 9110 §13) for any model with a `version` column.

The entity tag is the version, so a client's If-Match is exactly the compare-and-swap the
write does: a stale tag is refused up front (412), and a writer that loses the race between
that check and its UPDATE is refused by the database's version check (412 when the client
sent If-Match, else 409).
"""

import re
from functools import wraps

from flask import Response, request
from flask_smorest import abort
from sqlalchemy.orm.exc import StaleDataError

from service.contract import headers
from service.contract.annotate import add_error_responses, add_manual_doc, add_response
from service.contract.order import Step, add_step
from service.data.errors import ChangedMeanwhile
from service.database import db

# RFC 9110 §8.8.3: "*" or a list of (possibly weak) quoted tags.
ENTITY_TAGS = re.compile(r'^(\*|(W/)?"[!#-~]+"( *, *(W/)?"[!#-~]+")*)$')
CHANGED_MEANWHILE = "It was changed meanwhile; load it again."
# Set on a view whose successful answers carry the ETag (documented by `document_etag`).
VERSIONED = "versioned"


def _header_parameter(name: str, description: str) -> dict:
    return {
        "in": "header",
        "name": name,
        "required": False,
        "description": description + ' Entity tags as sent in ETag, e.g. `"v3"`, or `*`.',
        "schema": {"type": "string", "pattern": ENTITY_TAGS.pattern},
        "example": '"v1"',
    }


IF_MATCH = _header_parameter(
    "If-Match", "Change only if this is still the current ETag (else 412)."
)
IF_NONE_MATCH = _header_parameter(
    "If-None-Match", "Answer 304 without a body if this is still the current ETag."
)


def etag_of(version: int) -> str:
    return f'"v{version}"'


def _listed_tags(header_name: str, header: str) -> set[str]:
    """The tags a client sent; flask-compress's ":br"/":gzip" suffix names the same version.
    A header that is not a list of entity tags (RFC 9110 §8.8.3) is the client's error."""
    if not ENTITY_TAGS.match(header):
        abort(
            400,
            message=f'{header_name} must be "*" or a list of entity tags as ETag sends them, '
            'in double quotes, such as "v3".',
        )
    tags = re.findall(r'(?:W/)?"([!#-~]+)"', header)
    return {f'"{tag.split(":")[0]}"' for tag in tags} | ({"*"} if header == "*" else set())


def _names_current(header_name: str, version: int) -> bool | None:
    """Whether the header names this version (or *); None when it was not sent."""
    header = request.headers.get(header_name)
    if header is None:
        return None
    tags = _listed_tags(header_name, header)
    return "*" in tags or etag_of(version) in tags


def mark_versioned(func):
    """Its successful answers (but a 204) carry the ETag of the version they show."""
    func._apidoc[VERSIONED] = True
    return func


class ConditionalMixin:
    def conditional_read(self, keyword: str):
        """ETag on the answer; If-None-Match naming it answers 304 without a body. The
        thing is the view argument `keyword`, loaded by an @access above."""

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                version = kwargs[keyword].version
                etag = etag_of(version)
                if _names_current("If-None-Match", version):
                    return Response(status=304, headers={"ETag": etag})
                return func(*args, **kwargs), {"ETag": etag}

            add_step(wrapper, Step("conditional_read", needs=keyword))
            add_manual_doc(wrapper, parameters=[IF_NONE_MATCH])
            add_error_responses(wrapper, 400)
            not_modified = {"description": "Your copy (If-None-Match) is current."}
            add_response(
                wrapper, 304, {**not_modified, "headers": headers.ETAG, "content_type": None}
            )
            return mark_versioned(wrapper)

        return decorator

    def conditional_write(self, keyword: str):
        """If-Match, when sent, must name the current version of the view argument
        `keyword` (412); a write that loses the race to another is 412 or 409; the answer
        carries the new ETag."""

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                if _names_current("If-Match", kwargs[keyword].version) is False:
                    abort(412, message="It changed since you loaded it: load it again.")
                try:
                    result = func(*args, **kwargs)
                except (ChangedMeanwhile, StaleDataError):
                    db.session.rollback()
                    abort(412 if "If-Match" in request.headers else 409, message=CHANGED_MEANWHILE)
                if result is None:
                    return None
                return result, {"ETag": etag_of(result.version)}

            add_step(wrapper, Step("conditional_write", needs=keyword))
            add_manual_doc(wrapper, parameters=[IF_MATCH])
            add_error_responses(wrapper, 400, 409, 412)
            return mark_versioned(wrapper)

        return decorator

    @staticmethod
    def document_etag(doc, doc_info, **kwargs):
        """Declare the ETag on a versioned view's success responses that have a body."""
        if doc_info.get(VERSIONED):
            for status in doc_info.get("success_status_codes", []):
                if int(status) != 204:
                    doc["responses"][status].setdefault("headers", {}).update(headers.ETAG)
        return doc
