"""Resources: user-owned JSON documents, private or public."""

import json

from marshmallow import ValidationError, fields, validate

from schemas.base import NO_NUL, SINGLE_LINE, BaseSchema, FullMatch, StrictInteger, UTCDateTime

VISIBILITIES = ("private", "public")
DATA_MAX_BYTES = 16 * 1024
DATA_MAX_DEPTH = 16
DATA_DESCRIPTION = (
    f"Any JSON object, at most {DATA_MAX_BYTES} bytes once serialized "
    f"and {DATA_MAX_DEPTH} levels deep."
)


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def validate_data_limits(value: dict) -> None:
    """Cap the free-form document so one resource cannot hog storage or the encoder."""
    if _depth(value) > DATA_MAX_DEPTH:
        raise ValidationError(f"Must be at most {DATA_MAX_DEPTH} levels deep.")
    if len(json.dumps(value, separators=(",", ":")).encode()) > DATA_MAX_BYTES:
        raise ValidationError(f"Must be at most {DATA_MAX_BYTES} bytes once serialized.")


NAME = {"validate": [validate.Length(1, 100), SINGLE_LINE], "metadata": {"example": "Notes"}}
DESCRIPTION = {
    "validate": [validate.Length(max=2000), NO_NUL],
    "metadata": {"example": "Things to remember."},
}
DATA = {
    "keys": fields.String(),
    "validate": validate_data_limits,
    "metadata": {"description": DATA_DESCRIPTION, "example": {"color": "green"}},
}
VISIBILITY = {
    "validate": validate.OneOf(VISIBILITIES),
    "metadata": {
        "description": "`private`: the owner and grantees; `public`: everyone, "
        "anonymous callers included.",
        "example": "private",
    },
}


class ResourceCreateSchema(BaseSchema):
    """A new resource; the caller becomes its owner."""

    name = fields.String(required=True, **NAME)
    description = fields.String(load_default="", **DESCRIPTION)
    data = fields.Dict(load_default=dict, **DATA)
    visibility = fields.String(load_default="private", **VISIBILITY)


class ResourceUpdateSchema(BaseSchema):
    """Changes to a resource; fields left out stay as they are."""

    name = fields.String(**NAME)
    description = fields.String(**DESCRIPTION)
    data = fields.Dict(**DATA)
    visibility = fields.String(**VISIBILITY)


class ResourceSchema(BaseSchema):
    """A resource as stored."""

    id = StrictInteger(required=True, metadata={"example": 1})
    name = fields.String(required=True, metadata={"example": "Notes"})
    description = fields.String(required=True, metadata={"example": "Things to remember."})
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": DATA_DESCRIPTION, "example": {"color": "green"}},
    )
    visibility = fields.String(
        required=True, validate=validate.OneOf(VISIBILITIES), metadata={"example": "private"}
    )
    owner = fields.String(
        required=True,
        attribute="owner_name",
        metadata={"description": "The owner's username.", "example": "sam"},
    )
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)
    version = StrictInteger(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "Goes up by one with every change.", "example": 1},
    )


SORT_ORDERS = ("created_at", "-created_at", "name", "-name")


class ResourceQueryArgsSchema(BaseSchema):
    """Filters and order for the list of resources."""

    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))
    owner = fields.String(
        validate=FullMatch(r"^[a-z0-9][a-z0-9_-]{2,31}$"),
        metadata={"description": "Only this user's resources.", "example": "sam"},
    )
    q = fields.String(
        validate=[validate.Length(1, 100), SINGLE_LINE],
        metadata={
            "description": "Only resources whose name contains this (any case).",
            "example": "Notes",
        },
    )
    sort = fields.String(
        load_default="created_at",
        validate=validate.OneOf(SORT_ORDERS),
        metadata={"description": "Order by this field; a leading '-' reverses it."},
    )
