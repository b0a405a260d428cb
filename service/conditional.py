"""Conditional requests (RFC 9110 §13): entity tags from a row's version, 304 and 412.

The tag is the version, so a client's If-Match is exactly the compare-and-swap the write
does: a stale tag is refused up front (412), and a writer that loses the race between the
check and the UPDATE is refused by the database's version check (also 412; see
`Blueprint.conflicts`).
"""

import re

from flask import request
from flask_smorest import abort

# RFC 9110 §8.8.3: "*" or a list of (possibly weak) quoted tags.
ENTITY_TAGS = r'^(\*|(W/)?"[!#-~]+"( *, *(W/)?"[!#-~]+")*)$'
ETAG_HEADER = {
    "ETag": {
        "description": "The version of this representation, for If-Match and If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def header_parameter(name: str, description: str) -> dict:
    # Any string is accepted: one that is not a list of entity tags names no version.
    return {
        "in": "header",
        "name": name,
        "required": False,
        "description": description + ' Entity tags as sent in ETag, e.g. `"v3"`, or `*`.',
        "schema": {"type": "string"},
    }


IF_MATCH = header_parameter("If-Match", "Change only if this is still the current ETag (else 412).")
IF_NONE_MATCH = header_parameter(
    "If-None-Match", "Answer 304 without a body if this is still the current ETag."
)


def etag_of(version: int) -> str:
    return f'"v{version}"'


def _listed_tags(header: str) -> set[str]:
    """The tags a client sent; flask-compress's ":br"/":gzip" suffix names the same version.
    A malformed header names no tag: If-Match then fails (412), If-None-Match never hits."""
    if not re.match(ENTITY_TAGS, header):
        return set()
    tags = re.findall(r'(?:W/)?"([!#-~]+)"', header)
    return {f'"{tag.split(":")[0]}"' for tag in tags} | ({"*"} if header == "*" else set())


def _names_current(header_name: str, version: int) -> bool | None:
    """Whether the header names this version (or *); None when it was not sent."""
    header = request.headers.get(header_name)
    if header is None:
        return None
    tags = _listed_tags(header)
    return "*" in tags or etag_of(version) in tags


def unchanged_since_client_copy(version: int) -> bool:
    """If-None-Match names the current version: the client's copy is still good (304)."""
    return bool(_names_current("If-None-Match", version))


def require_current(version: int) -> None:
    """If-Match, when sent, must name the current version (else 412)."""
    if _names_current("If-Match", version) is False:
        abort(412, message="The resource changed since you loaded it: load it again.")


def preconditions_sent() -> bool:
    return "If-Match" in request.headers
