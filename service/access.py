"""Loading what a route acts on: 404 for what the caller cannot see, then 403."""

from enum import Enum

from flask_smorest import abort

from service.auth import current_user
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


def load_resource(resource_id: int, permission: Permission) -> Resource:
    """The one place that applies the visibility policy (GitHub's rule: never confirm a
    private thing exists, so an invisible resource gets the very same 404 as a missing id)."""
    resource = resource_data.get_resource(resource_id)
    role = resource_data.role_of(resource, current_user()) if resource else None
    if role is None:
        abort(404, message=f"Resource {resource_id} not found.")
    if role not in permission.value:
        abort(403, message=FORBIDDEN_DETAIL[permission])
    return resource


def load_user(username: str) -> User:
    """A user by name (profiles are public, so a missing one is simply not found)."""
    return user_data.get_user(username) or abort(404, message=f"User {username} not found.")
