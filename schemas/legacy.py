"""The tutorials' own request and response shapes (the deprecated legacy routes)."""

import marshmallow as ma
from marshmallow import fields, validates_schema

from schemas.base import BaseSchema
from schemas.resources import validate_data_limits
from schemas.users import NAME_RULES, USERNAME_RULES, CredentialsSchema


class LegacySignUpSchema(CredentialsSchema):
    """The tutorial's sign-up form."""


class LegacyUserDetailsSchema(BaseSchema):
    """The tutorial's details form: the names to set, and your own username (optional)."""

    username = fields.String(
        validate=USERNAME_RULES,
        metadata={
            "description": "Must be yours if sent (the tutorial sends it).",
            "example": "sam",
        },
    )
    firstname = fields.String(validate=NAME_RULES, metadata={"example": "Sam"})
    lastname = fields.String(validate=NAME_RULES, metadata={"example": "Smith"})


class JsonObjectSchema(ma.Schema):
    """Any JSON object, within the same size and depth caps as a resource's `data`."""

    class Meta:
        unknown = ma.INCLUDE

    @validates_schema(pass_original=True)
    def _within_limits(self, data, original, **kwargs):
        validate_data_limits(original)


class LegacyDataSchema(BaseSchema):
    """The tutorial's answer: the object it was sent, and that all went well."""

    # Always true, but declared a plain boolean: generated clients turn `enum: [true]` into a
    # check against the string "true", which the real answer fails.
    success = fields.Boolean(required=True, metadata={"description": "Always true."})
    data = fields.Dict(required=True, metadata={"example": {"color": "green"}})


class IndexSchema(BaseSchema):
    """Where to go from the root of the server."""

    docs = fields.String(required=True, metadata={"example": "/docs"})
    redoc = fields.String(required=True, metadata={"example": "/redoc"})
    openapi = fields.String(required=True, metadata={"example": "/openapi.json"})
    v1 = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "The collections of API v1.",
            "example": {"users": "/api/v1/users"},
        },
    )
