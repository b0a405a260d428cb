"""Resources and who may see them."""

from typing import Any

from sqlalchemy import or_, select

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


def list_visible_resources(user: User | None) -> list[Resource]:
    """Public resources plus, for a signed-in caller, its own and those granted to it."""
    visible = Resource.visibility == "public"
    if user is not None:
        granted = select(Grant.resource_id).where(Grant.user_id == user.id)
        visible = or_(visible, Resource.owner_id == user.id, Resource.id.in_(granted))
    return list(db.session.scalars(select(Resource).where(visible).order_by(Resource.id)))


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
