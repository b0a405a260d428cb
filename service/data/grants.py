"""Grants of a resource to other users."""

from sqlalchemy import Row, select

from service.data.errors import Conflict
from service.database import db
from service.models import Grant, User


def list_grants(resource: Row) -> list[Grant]:
    query = select(Grant).where(Grant.resource_id == resource.id).order_by(Grant.created_at)
    return list(db.session.scalars(query))


def get_grant(resource: Row, user: User) -> Grant | None:
    return db.session.get(Grant, (resource.id, user.id))


def put_grant(resource: Row, user: User, role: str) -> Grant:
    """Give `user` this role on the resource, creating or replacing the grant."""
    if user.id == resource.owner_id:
        raise Conflict("The owner already has full access; grants are for other users.")
    grant = get_grant(resource, user)
    if grant is None:
        grant = Grant(resource_id=resource.id, user=user, role=role)
        db.session.add(grant)
    else:
        grant.role = role
    db.session.flush()
    return grant


def delete_grant(grant: Grant) -> None:
    db.session.delete(grant)
    db.session.flush()
