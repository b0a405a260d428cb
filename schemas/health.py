"""What the health probes answer."""

from marshmallow import fields, validate

from schemas.base import BaseSchema


class HealthSchema(BaseSchema):
    """The process serves requests (liveness), or it and what it needs do (readiness)."""

    status = fields.String(
        required=True, validate=validate.OneOf(["ok"]), metadata={"example": "ok"}
    )
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["ok"])),
        metadata={
            "description": "Each dependency checked, by name (readiness only).",
            "example": {"database": "ok"},
        },
    )
