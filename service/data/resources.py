"""Resources and who may see them.

Reading is the hot path (every GET and list): it runs Core statements built once and
returns rows with exactly the fields ResourceSchema shows, the owner's username as
`owner_name`. Changing and deleting go through the ORM object, whose version counter makes
each UPDATE and DELETE a compare-and-swap.
"""

from functools import cache
from typing import Any

from sqlalchemy import Row, RowMapping, Select, String, bindparam, func, insert, or_, select

from service.database import db, execute
from service.models import Grant, Resource, User

_resources, _users, _grants = Resource.__table__.c, User.__table__.c, Grant.__table__.c
# Every field a resource shows, as ORM objects show them (Resource.owner_name).
_COLUMNS = (*_resources, _users.username.label("owner_name"))
_WITH_OWNER = Resource.__table__.join(User.__table__, _resources.owner_id == _users.id)
RESOURCE_BY_ID = select(*_COLUMNS).select_from(_WITH_OWNER).where(_resources.id == bindparam("id"))
GRANTED_ROLE = select(_grants.role).where(
    _grants.resource_id == bindparam("resource_id"), _grants.user_id == bindparam("user_id")
)


def read_resource(resource_id: int) -> Row | None:
    """A resource to show, as a row."""
    return execute(RESOURCE_BY_ID, {"id": resource_id}).first()


def get_resource(resource_id: int) -> Resource | None:
    """A resource to change or delete, as an ORM object."""
    return db.session.get(Resource, resource_id)


def role_of(resource: Resource | Row, user_id: int | None) -> str | None:
    """The caller's relation to a resource: owner, editor, reader, public, or None."""
    if user_id is not None:
        if resource.owner_id == user_id:
            return "owner"
        granted = execute(GRANTED_ROLE, {"resource_id": resource.id, "user_id": user_id})
        role = granted.scalar()
        if role is not None:
            return role
    return "public" if resource.visibility == "public" else None


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


# The columns come from the parameters; the timestamps from the columns' defaults. The
# owner's name comes back with the row, so showing it needs no other query.
INSERT_RESOURCE = insert(Resource.__table__).returning(
    *_resources, bindparam("owner_name", type_=String).label("owner_name")
)


def create_resource(owner_id: int, owner_name: str, fields: dict[str, Any]) -> Row:
    """Store a new resource (version 1) and return it as a row, as reads do."""
    parameters = {**fields, "owner_id": owner_id, "owner_name": owner_name, "version": 1}
    return execute(INSERT_RESOURCE, parameters).one()


def update_resource(resource: Resource, changes: dict[str, Any]) -> Resource:
    for name, value in changes.items():
        setattr(resource, name, value)
    db.session.flush()
    return resource


def delete_resource(resource: Resource) -> None:
    db.session.delete(resource)
    db.session.flush()
