"""The one error model: an RFC 9457 problem document."""

from marshmallow import fields, validate

from schemas.base import BaseSchema, StrictInteger


class ProblemSchema(BaseSchema):
    """An error, served as `application/problem+json`."""

    type = fields.String(
        required=True,
        metadata={
            "description": "A URI reference naming the problem type; `about:blank` "
            "means the title is the HTTP status phrase.",
            "example": "about:blank",
        },
    )
    title = fields.String(required=True, metadata={"example": "Not Found"})
    status = StrictInteger(
        required=True, validate=validate.Range(400, 599), metadata={"example": 404}
    )
    detail = fields.String(
        required=True,
        metadata={
            "description": "What went wrong, for a human.",
            "example": "Resource 999 not found.",
        },
    )
    instance = fields.String(
        required=True,
        metadata={"description": "The request path.", "example": "/api/v1/resources/999"},
    )
    request_id = fields.String(
        required=True,
        metadata={"description": "Also sent as the `X-Request-ID` header; quote it in reports."},
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={
            "description": "On 422 only: the invalid fields, each with its messages.",
            "example": {"name": ["Missing data for required field."]},
        },
    )
