"""Base schema and strict fields shared by the whole contract."""

import marshmallow as ma
from marshmallow import fields, validate


class FullMatch(validate.Regexp):
    """A pattern the whole value must match. marshmallow's Regexp uses `re.match`, whose `$`
    also matches before a final newline ("sam\n" passed `^[a-z0-9]+$`); the spec keeps the
    pattern as written, which JSON Schema applies to the whole value anyway."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


# A single-line text never carries control characters (NUL breaks PostgreSQL text columns).
SINGLE_LINE = FullMatch(
    r"^[^\x00-\x1f\x7f]*$", error="Must be a single line without control characters."
)
# Multi-line text may hold newlines and tabs, but never NUL.
NO_NUL = FullMatch(r"^[^\x00]*$", error="Must not contain NUL characters.")


class BaseSchema(ma.Schema):
    """Refuse unknown fields, so mass assignment is an error and the spec says so."""

    class Meta:
        # Set explicitly: apispec only writes `additionalProperties: false` when it is.
        unknown = ma.RAISE


class StrictInteger(fields.Integer):
    """An integer that refuses strings and fractions, as the JSON Schema `integer` does."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)


class UTCDateTime(fields.DateTime):
    """An RFC 3339 timestamp; the service only ever hands it timezone-aware UTC values."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)
