"""Comments: what callers say about a resource they can see."""

from marshmallow import fields, validate

from schemas.base import BaseSchema, FullMatch, StrictInteger, UTCDateTime

# Text of any length of lines: newlines and tabs, but no other control character (NUL
# breaks PostgreSQL text; the others are invisible).
TEXT = FullMatch(
    r"^[^\x00-\x08\x0b-\x1f\x7f]*$",
    error="Must not contain control characters other than newline and tab.",
)
BODY = {"validate": [validate.Length(1, 4000), TEXT], "metadata": {"example": "Looks right."}}


class CommentCreateSchema(BaseSchema):
    """A new comment; the caller is its author."""

    body = fields.String(required=True, **BODY)


class CommentUpdateSchema(BaseSchema):
    """Changes to a comment; fields left out stay as they are."""

    body = fields.String(**BODY)


class CommentSchema(BaseSchema):
    """A comment as stored."""

    id = StrictInteger(required=True, metadata={"example": 1})
    resource_id = StrictInteger(required=True, metadata={"example": 2})
    author = fields.String(
        required=True,
        attribute="author.username",
        metadata={"description": "The author's username.", "example": "sam"},
    )
    body = fields.String(required=True, metadata={"example": "Looks right."})
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)
    version = StrictInteger(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "Goes up by one with every change.", "example": 1},
    )
