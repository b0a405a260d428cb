"""Loading what a route acts on: 404 for what the caller cannot see, then 403."""

from enum import Enum

from flask_smorest import abort
from sqlalchemy import Row

from service.auth import current_user_id
from service.data import resources as resource_data
from service.data import users as user_data
from service.models import Resource, User


class Permission(Enum):
    READ = frozenset({"owner", "editor", "reader", "public"})
    EDIT = frozenset({"owner", "editor"})
    OWN = frozenset({"owner"})


FORBIDDEN_DETAIL = {
    Permission.EDIT: "You may see this resource but not change it.",
    Permission.OWN: "Only the owner may do this.",
}


def load_resource(resource_id: int, permission: Permission) -> Resource | Row:
    """The one place that applies the visibility policy (GitHub's rule: never confirm a
    private thing exists, so an invisible resource gets the very same 404 as a missing id).
    To read, a row is enough; to change or delete, the ORM object is loaded."""
    if permission is Permission.READ:
        resource = resource_data.read_resource(resource_id)
    else:
        resource = resource_data.get_resource(resource_id)
    role = resource_data.role_of(resource, current_user_id()) if resource else None
    if role is None:
        abort(404, message=f"Resource {resource_id} not found.")
    if role not in permission.value:
        abort(403, message=FORBIDDEN_DETAIL[permission])
    return resource


def load_user(username: str) -> User:
    """A user by name (profiles are public, so a missing one is simply not found)."""
    return user_data.get_user(username) or abort(404, message=f"User {username} not found.")
