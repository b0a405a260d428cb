"""What both peers share with the product: SQL, the visibility rule, limits and headers."""

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

# The product's ResourceSchema fields, owner as the owner's username.
_COLUMNS = (
    "r.id, r.owner_id, r.name, r.description, r.data, r.visibility, "
    "r.created_at, r.updated_at, r.version, u.username AS owner"
)
# service/data/tokens.py ACTIVE_TOKEN: unexpired, unrevoked, with its user's id and name.
TOKEN = (
    "SELECT t.scope, u.id AS user_id, u.username FROM tokens t JOIN users u ON u.id = t.user_id "
    "WHERE t.token_hash = %(token_hash)s AND t.revoked_at IS NULL AND t.expires_at > %(now)s"
)
RESOURCE = (
    f"SELECT {_COLUMNS} FROM resources r JOIN users u ON u.id = r.owner_id WHERE r.id = %(id)s"
)
GRANT = "SELECT role FROM grants WHERE resource_id = %(resource_id)s AND user_id = %(user_id)s"
# service/data/resources.py list_visible_resources: public, own, or granted.
_VISIBLE = (
    "(r.visibility = 'public' OR r.owner_id = %(user_id)s "
    "OR r.id IN (SELECT resource_id FROM grants WHERE user_id = %(user_id)s))"
)
COUNT = f"SELECT count(*) AS total FROM resources r WHERE {_VISIBLE}"
# The product's default order (sort=created_at), the id breaking ties.
PAGE = (
    f"SELECT {_COLUMNS} FROM resources r JOIN users u ON u.id = r.owner_id WHERE {_VISIBLE} "
    "ORDER BY r.created_at, r.id LIMIT %(limit)s OFFSET %(offset)s"
)
INSERT = (
    "INSERT INTO resources "
    "(owner_id, name, description, data, visibility, created_at, updated_at, version) "
    "VALUES (%(owner_id)s, %(name)s, %(description)s, %(data)s, %(visibility)s, "
    "%(now)s, %(now)s, 1) RETURNING id"
)

READ_SCOPE = "resources:read"
WRITE_SCOPE = "resources:write"
VISIBILITIES = ("private", "public")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
MAX_ID = 2**63 - 1
DATA_MAX_BYTES = 16 * 1024
DATA_MAX_DEPTH = 16
REALM = 'Bearer realm="api"'
PAGE_RELATIONS = {
    "first_page": "first",
    "previous_page": "prev",
    "next_page": "next",
    "last_page": "last",
}


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def role_of(resource: dict[str, Any], user_id: int | None, grant_role: str | None) -> str | None:
    """service/data/resources.py role_of, given the caller's grant (if it was looked up)."""
    if user_id is not None:
        if resource["owner_id"] == user_id:
            return "owner"
        if grant_role is not None:
            return grant_role
    return "public" if resource["visibility"] == "public" else None


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def data_limits_error(value: dict) -> str | None:
    """The product's cap on the free-form document (schemas/resources.py)."""
    if _depth(value) > DATA_MAX_DEPTH:
        return f"Must be at most {DATA_MAX_DEPTH} levels deep."
    if len(json.dumps(value, separators=(",", ":")).encode()) > DATA_MAX_BYTES:
        return f"Must be at most {DATA_MAX_BYTES} bytes once serialized."
    return None


def etag(version: int) -> str:
    return f'"v{version}"'


def pagination_headers(path: str, page: int, page_size: int, total: int) -> dict[str, str]:
    """X-Pagination and Link as the product sends them (flask-smorest's metadata)."""
    metadata: dict[str, int] = {"total": total, "total_pages": 0}
    if total:
        last = (total - 1) // page_size + 1
        metadata.update(total_pages=last, first_page=1, last_page=last)
        if page <= last:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last:
                metadata["next_page"] = page + 1
    links = [
        f'<{path}?{urlencode({"page_size": page_size, "page": metadata[key]})}>; rel="{rel}"'
        for key, rel in PAGE_RELATIONS.items()
        if key in metadata
    ]
    headers = {"X-Pagination": json.dumps(metadata)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers
