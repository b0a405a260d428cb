"""Users: sign-up, profile updates, password changes and what is shown of a user."""

from marshmallow import fields, validate

from schemas.base import SINGLE_LINE, BaseSchema, FullMatch, UTCDateTime

USERNAME_RULES = [
    validate.Length(3, 32),
    FullMatch(
        r"^[a-z0-9][a-z0-9_-]*$",
        error="Use lower-case letters, digits, '-' and '_', starting with a letter or digit.",
    ),
]
PASSWORD_RULES = validate.Length(8, 128)
NAME_RULES = [validate.Length(max=100), SINGLE_LINE]
EMAIL_RULES = validate.Length(max=254)


class CredentialsSchema(BaseSchema):
    """The username and password a new account is made with."""

    username = fields.String(required=True, validate=USERNAME_RULES, metadata={"example": "sam"})
    password = fields.String(
        required=True,
        load_only=True,
        validate=PASSWORD_RULES,
        metadata={"example": "correct horse battery"},
    )


class UserCreateSchema(CredentialsSchema):
    """Sign-up details."""

    email = fields.Email(validate=EMAIL_RULES, metadata={"example": "sam@example.com"})
    first_name = fields.String(validate=NAME_RULES, metadata={"example": "Sam"})
    last_name = fields.String(validate=NAME_RULES, metadata={"example": "Smith"})


class UserUpdateSchema(BaseSchema):
    """The details a user may change; fields left out stay as they are."""

    email = fields.Email(validate=EMAIL_RULES, metadata={"example": "sam@example.com"})
    first_name = fields.String(validate=NAME_RULES, metadata={"example": "Sam"})
    last_name = fields.String(validate=NAME_RULES, metadata={"example": "Smith"})


class PasswordChangeSchema(BaseSchema):
    """A new password, authorised by the current one."""

    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(1, 128)
    )
    new_password = fields.String(required=True, load_only=True, validate=PASSWORD_RULES)


class UserPublicSchema(BaseSchema):
    """What anyone may see of a user."""

    username = fields.String(required=True, metadata={"example": "sam"})
    first_name = fields.String(required=True, metadata={"example": "Sam"})
    last_name = fields.String(required=True, metadata={"example": "Smith"})
    created_at = UTCDateTime(required=True)


class UserSchema(UserPublicSchema):
    """What a user sees of their own account, and an admin of every account."""

    email = fields.String(required=True, allow_none=True, metadata={"example": "sam@example.com"})
    role = fields.String(
        required=True, validate=validate.OneOf(["user", "admin"]), metadata={"example": "user"}
    )
    updated_at = UTCDateTime(required=True)
