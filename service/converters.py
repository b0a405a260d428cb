"""URL converters whose rules the spec documents, so a malformed path value is a routing 404."""

from flask_smorest.spec.plugins import integerconverter2paramschema
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter

# The sign-up rule for usernames (schemas/users.py): nothing else can name an account.
USERNAME_PATTERN = r"[a-z0-9][a-z0-9_-]{2,31}"


class UsernameConverter(BaseConverter):
    """`<username:username>`: a NUL or any other character no username has never reaches
    the database (PostgreSQL refuses NUL in text and would answer with an error)."""

    regex = USERNAME_PATTERN


def username_parameter_schema(converter) -> dict:
    return {"type": "string", "pattern": f"^{USERNAME_PATTERN}$", "minLength": 3, "maxLength": 32}


class AsciiIntegerConverter(IntegerConverter):
    """`<int:...>` with ASCII digits only: Werkzeug's `\\d` also matches other scripts' digits,
    so full-width digits in `/resources/<id>` would alias the ASCII id.

    Any path segment reaches it, so that one that is not an id answers a 404 saying what an
    id is, rather than a bare "not found"."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> int:
        # Longer than any 64-bit number: refused before Python reads a huge integer.
        digits = value.isascii() and value.isdigit() and len(value) <= 19
        if not digits or (self.max is not None and int(value) > self.max):
            shown = value if len(value) <= 24 else value[:21] + "..."
            raise NotFound(f"An id is a positive integer up to {self.max}: {shown!r} is not one.")
        return int(value)


# Documented exactly as Werkzeug's own int (type integer, minimum, maximum).
ascii_integer_parameter_schema = integerconverter2paramschema
