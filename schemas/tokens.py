"""Tokens: log-in credentials and the bearer tokens they buy."""

from marshmallow import fields, validate

from schemas.base import NO_NUL, BaseSchema, FullMatch, StrictInteger, UTCDateTime

SCOPE_DESCRIPTIONS = {
    "resources:read": "See resources, their grants and comments.",
    "resources:write": "Create, change and delete resources, grants and comments.",
    "profile": "See and change your own account.",
}
SCOPES = tuple(SCOPE_DESCRIPTIONS)
_SCOPE = "(" + "|".join(SCOPES) + ")"
# A space-separated list of known scopes, as OAuth 2 writes `scope`.
SCOPE_RULES = FullMatch(
    rf"^{_SCOPE}( {_SCOPE})*$",
    error="Use a space-separated list of: " + ", ".join(SCOPES) + ".",
)
SCOPE_EXAMPLE = " ".join(SCOPES)


class TokenCreateSchema(BaseSchema):
    """Credentials to log in with, and optionally a narrower scope for the token. Also an
    OAuth2 password grant (RFC 6749 §4.3), as Swagger UI's Authorize dialog sends it."""

    grant_type = fields.String(
        load_only=True,
        validate=validate.OneOf(["password"]),
        metadata={"description": "Sent by OAuth2 clients; `password` is the only grant."},
    )
    username = fields.String(
        required=True, validate=[validate.Length(1, 254), NO_NUL], metadata={"example": "sam"}
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(1, 128),
        metadata={"example": "correct horse battery"},
    )
    scope = fields.String(
        validate=SCOPE_RULES,
        metadata={
            "description": "Space-separated scopes; all of them when left out.",
            "example": "resources:read",
        },
    )


class TokenSchema(BaseSchema):
    """A newly issued bearer token; its secret is shown only this once."""

    access_token = fields.String(required=True, metadata={"example": "k3P0...Zq"})
    token_type = fields.String(
        required=True, validate=validate.OneOf(["Bearer"]), metadata={"example": "Bearer"}
    )
    scope = fields.String(required=True, metadata={"example": SCOPE_EXAMPLE})
    expires_at = UTCDateTime(required=True)
    expires_in = StrictInteger(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Seconds the token is valid for (RFC 6749 §5.1).",
            "example": 86400,
        },
    )


class TokenInfoSchema(BaseSchema):
    """What a token is allowed to do, without its secret."""

    username = fields.String(required=True, attribute="user.username", metadata={"example": "sam"})
    scope = fields.String(required=True, metadata={"example": SCOPE_EXAMPLE})
    created_at = UTCDateTime(required=True)
    expires_at = UTCDateTime(required=True)
