"""Resources and who may see them, through Core statements (see service/data/__init__.py).

Every function returns rows with the fields a resource shows, the owner's username as
`owner_name`. A change is a compare-and-swap on `version`: it applies only to the version
that was read, and raises ChangedMeanwhile when another writer changed it first.
"""

import json
from functools import cache
from typing import Any

from sqlalchemy import (
    Row,
    RowMapping,
    Select,
    String,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from service.data.errors import ChangedMeanwhile
from service.data.tokens import Caller
from service.database import execute
from service.models import Grant, Resource, User
from service.models.types import utcnow

_resources, _users, _grants = Resource.__table__.c, User.__table__.c, Grant.__table__.c
_COLUMNS = (*_resources, _users.username.label("owner_name"))
_WITH_OWNER = Resource.__table__.join(User.__table__, _resources.owner_id == _users.id)
RESOURCE_BY_ID = select(*_COLUMNS).select_from(_WITH_OWNER).where(_resources.id == bindparam("id"))
GRANTED_ROLE = select(_grants.role).where(
    _grants.resource_id == bindparam("resource_id"), _grants.user_id == bindparam("user_id")
)
# A statement that writes a row answers with it, the owner's name passed through.
_RETURNING = (*_resources, bindparam("owner_name", type_=String).label("owner_name"))
INSERT_RESOURCE = insert(Resource.__table__).returning(*_RETURNING)
# Bound under other names than the columns: an UPDATE binds those to its SET clause.
_THIS_VERSION = (
    _resources.id == bindparam("current_id"),
    _resources.version == bindparam("current_version"),
)
DELETE_RESOURCE = delete(Resource.__table__).where(*_THIS_VERSION)


def get_resource(resource_id: int) -> Row | None:
    return execute(RESOURCE_BY_ID, {"id": resource_id}).first()


def roles_of(resource: Row, caller: Caller | None) -> frozenset[str]:
    """The caller's relation to a resource: owner, editor, reader or public (none: the
    caller may not see it)."""
    if caller is not None:
        if resource.owner_id == caller.user_id:
            return frozenset({"owner"})
        granted = execute(GRANTED_ROLE, {"resource_id": resource.id, "user_id": caller.user_id})
        role = granted.scalar()
        if role is not None:
            return frozenset({role})
    return frozenset({"public"}) if resource.visibility == "public" else frozenset()


def _containing(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    for special in ("\\", "%", "_"):
        text = text.replace(special, "\\" + special)
    return f"%{text}%"


SORT_COLUMNS = {"created_at": _resources.created_at, "name": _resources.name}


@cache
def _list_statements(signed_in: bool, filters: frozenset[str], sort: str) -> tuple[Select, Select]:
    """The count and the page statements for one shape of list request, built once: the
    values (user, filters, offset, limit) are bound parameters."""
    visible = _resources.visibility == "public"
    if signed_in:
        granted = select(_grants.resource_id).where(_grants.user_id == bindparam("user_id"))
        visible = or_(
            visible, _resources.owner_id == bindparam("user_id"), _resources.id.in_(granted)
        )
    conditions = [visible]
    if "visibility" in filters:
        conditions.append(_resources.visibility == bindparam("visibility"))
    if "owner" in filters:
        conditions.append(_users.username == bindparam("owner"))
    if "q" in filters:
        conditions.append(_resources.name.ilike(bindparam("q"), escape="\\"))
    # Only the owner filter needs the users table to count.
    counted = _WITH_OWNER if "owner" in filters else Resource.__table__
    count = select(func.count()).select_from(counted).where(*conditions)
    column = SORT_COLUMNS[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    # The id breaks ties, so pages never overlap or skip.
    page = (
        select(*_COLUMNS)
        .select_from(_WITH_OWNER)
        .where(*conditions)
        .order_by(order, _resources.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return count, page


def list_visible_resources(
    user_id: int | None, filters: dict[str, Any], *, offset: int, limit: int
) -> tuple[list[RowMapping], int]:
    """One page of what the caller may see (public resources plus, for a signed-in caller,
    its own and those granted to it), filtered and ordered; and the count of all matches."""
    sort = filters.get("sort", "created_at")
    shape = frozenset(filters.keys() & {"visibility", "owner", "q"})
    count, page = _list_statements(user_id is not None, shape, sort)
    parameters = {key: filters[key] for key in shape} | {"user_id": user_id}
    if "q" in parameters:
        parameters["q"] = _containing(parameters["q"])
    total = execute(count, parameters).scalar_one()
    if offset >= total:
        # Past the end (a page number can be any size; OFFSET in SQL cannot).
        return [], total
    # As mappings: by key, a row's fields are quickest to read (100 rows, 9 fields each).
    rows = execute(page, parameters | {"offset": offset, "limit": limit}).mappings().all()
    return rows, total


def create_resource(owner_id: int, owner_name: str, fields: dict[str, Any]) -> Row:
    """Store a new resource, version 1."""
    parameters = {**fields, "owner_id": owner_id, "owner_name": owner_name, "version": 1}
    return execute(INSERT_RESOURCE, parameters).one()


def _json(value: Any) -> str:
    # Compared as JSON: in Python 1 == 1.0 == True, which are three different documents.
    return json.dumps(value, sort_keys=True)


def update_resource(resource: Row, changes: dict[str, Any]) -> Row:
    """The resource with these changes, one version up (as it was, if nothing changes)."""
    changes = {
        name: value
        for name, value in changes.items()
        if _json(getattr(resource, name)) != _json(value)
    }
    if not changes:
        return resource
    statement = (
        update(Resource.__table__)
        .where(*_THIS_VERSION)
        .values(**changes, version=resource.version + 1, updated_at=utcnow())
        .returning(*_RETURNING)
    )
    parameters = {
        "current_id": resource.id,
        "current_version": resource.version,
        "owner_name": resource.owner_name,
    }
    updated = execute(statement, parameters).first()
    if updated is None:
        raise ChangedMeanwhile
    return updated


def delete_resource(resource: Row) -> None:
    parameters = {"current_id": resource.id, "current_version": resource.version}
    if execute(DELETE_RESOURCE, parameters).rowcount != 1:
        raise ChangedMeanwhile
