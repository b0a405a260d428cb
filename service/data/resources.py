"""Resources and who may see them."""

from typing import Any

from sqlalchemy import func, or_, select

from service.database import db
from service.models import Grant, Resource, User


def get_resource(resource_id: int) -> Resource | None:
    return db.session.get(Resource, resource_id)


def role_of(resource: Resource, user: User | None) -> str | None:
    """The caller's relation to a resource: owner, editor, reader, public, or None."""
    if user is not None:
        if resource.owner_id == user.id:
            return "owner"
        grant = db.session.get(Grant, (resource.id, user.id))
        if grant is not None:
            return grant.role
    return "public" if resource.visibility == "public" else None


def _containing(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    for special in ("\\", "%", "_"):
        text = text.replace(special, "\\" + special)
    return f"%{text}%"


SORT_COLUMNS = {"created_at": Resource.created_at, "name": Resource.name}


def list_visible_resources(
    user: User | None, filters: dict[str, Any], *, offset: int, limit: int
) -> tuple[list[Resource], int]:
    """One page of what the caller may see (public resources plus, for a signed-in caller,
    its own and those granted to it), filtered and ordered; and the count of all matches."""
    visible = Resource.visibility == "public"
    if user is not None:
        granted = select(Grant.resource_id).where(Grant.user_id == user.id)
        visible = or_(visible, Resource.owner_id == user.id, Resource.id.in_(granted))
    conditions = [visible]
    if "visibility" in filters:
        conditions.append(Resource.visibility == filters["visibility"])
    if "owner" in filters:
        conditions.append(Resource.owner.has(User.username == filters["owner"]))
    if "q" in filters:
        conditions.append(Resource.name.ilike(_containing(filters["q"]), escape="\\"))
    total = db.session.scalar(select(func.count()).select_from(Resource).where(*conditions))
    if offset >= total:
        # Past the end (a page number can be any size; OFFSET in SQL cannot).
        return [], total
    sort = filters.get("sort", "created_at")
    column = SORT_COLUMNS[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    # The id breaks ties, so pages never overlap or skip.
    query = select(Resource).where(*conditions).order_by(order, Resource.id)
    page = db.session.scalars(query.offset(offset).limit(limit))
    return list(page), total


def create_resource(owner: User, fields: dict[str, Any]) -> Resource:
    resource = Resource(owner=owner, **fields)
    db.session.add(resource)
    db.session.flush()
    return resource


def update_resource(resource: Resource, changes: dict[str, Any]) -> Resource:
    for name, value in changes.items():
        setattr(resource, name, value)
    db.session.flush()
    return resource


def delete_resource(resource: Resource) -> None:
    db.session.delete(resource)
    db.session.flush()
