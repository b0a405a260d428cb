"""Grants: another user's `reader` or `editor` access to one resource."""

from marshmallow import fields, validate

from schemas.base import BaseSchema, UTCDateTime

ROLES = ("reader", "editor")
ROLE_DESCRIPTION = "`reader` may see the resource; `editor` may also change it."


class GrantUpdateSchema(BaseSchema):
    """The role to give."""

    role = fields.String(
        required=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": ROLE_DESCRIPTION, "example": "reader"},
    )


class GrantSchema(BaseSchema):
    """A user's access to a resource."""

    username = fields.String(required=True, attribute="user.username", metadata={"example": "alex"})
    role = fields.String(
        required=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": ROLE_DESCRIPTION, "example": "reader"},
    )
    created_at = UTCDateTime(required=True)
