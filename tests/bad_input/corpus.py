"""Bad input, kept as data: bodies for every operation that takes one, bad values for every
path and query parameter by its type, and requests whose headers or method are bad. Each
case names the status it must get; tests/bad_input/test_bad_input.py applies them to the
operations of the spec.

Only a real server can test what never reaches the app in-process: a request line or header
past the server's own limits (gunicorn answers 400 itself for a line over 4094 bytes), a body
shorter than its Content-Length, slow or chunked uploads. The Flask test client hands the app
whatever it is given, so here those cases test the app's own handling.
"""

from dataclasses import dataclass, field

JSON = "application/json"
DEEP = 10_000
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class BodyCase:
    name: str
    data: bytes
    content_type: str | None
    status: int
    # A JSON object bad only for a fixed schema: POST /api/data echoes any object.
    any_object_accepts: bool = False
    # operationId -> the bug it reveals (the cell is a strict xfail until fixed).
    bugs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RequestCase:
    name: str
    method: str
    path: str  # {id}: the owner's shared resource
    status: int
    headers: dict = field(default_factory=dict)
    authenticated: bool = True
    bug: str | None = None  # the cell is a strict xfail until the bug is fixed


BODY_CASES = [
    BodyCase("malformed_json", b'{"broken": ', JSON, 400),
    BodyCase("trailing_garbage", b'{"name": "x"} x', JSON, 400),
    BodyCase("single_quotes", b"{'name': 'x'}", JSON, 400),
    BodyCase("nan_literal", b'{"name": NaN}', JSON, 400),
    BodyCase("infinity_literal", b'{"name": Infinity}', JSON, 400),
    BodyCase("text_plain", b'{"name": "x"}', "text/plain", 415),
    BodyCase("application_xml", b"<name>x</name>", "application/xml", 415),
    BodyCase("multipart_without_boundary", b'{"name": "x"}', "multipart/form-data", 415),
    BodyCase("missing_content_type", b'{"name": "x"}', None, 415),
    BodyCase("empty_body", b"", JSON, 422),
    BodyCase("array", b"[]", JSON, 422),
    BodyCase("string", b'"x"', JSON, 422),
    BodyCase("number", b"1", JSON, 422),
    BodyCase("null", b"null", JSON, 422),
    BodyCase("true", b"true", JSON, 422),
    BodyCase("deep_arrays", b"[" * DEEP + b"]" * DEEP, JSON, 400),
    BodyCase("deep_objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP, JSON, 400),
    BodyCase("huge_string_1mb", b'{"name": "' + b"x" * 1_000_000 + b'"}', JSON, 413),
    BodyCase("just_over_body_limit", b'{"name": "' + b"x" * MAX_BODY + b'"}', JSON, 413),
    # Valid syntax, but no double: refused by the parser (it was stored as null, or a 500).
    BodyCase("huge_float", b'{"name": 1e400}', JSON, 400),
    BodyCase(
        "huge_integer",
        b'{"name": 123456789012345678901234567890}',
        JSON,
        422,
        any_object_accepts=True,
    ),
    BodyCase("escaped_nul", b'{"name": "a\\u0000b"}', JSON, 422, any_object_accepts=True),
    BodyCase("raw_nul_byte", b'{"name": "a\x00b"}', JSON, 400),
    BodyCase("raw_nul_outside_string", b'{"name": "a"}\x00', JSON, 400),
    BodyCase("invalid_utf8", b'{"name": "\xff\xfe"}', JSON, 400),
    BodyCase("utf16_body", '{"name": "x"}'.encode("utf-16"), JSON, 400),
    BodyCase("unpaired_surrogate", b'{"name": "\\ud800"}', JSON, 400),
    BodyCase(
        "duplicate_keys_with_unknown",
        b'{"name": "a", "name": "b", "zzz": 1}',
        JSON,
        422,
        any_object_accepts=True,
    ),
]

# Bodies that only a resource's create and update take: bad values inside `data`.
RESOURCE_BODY_CASES = [
    BodyCase("data_huge_float", b'{"name": "N", "data": {"n": 1e400}}', JSON, 400),
    BodyCase("data_nan_literal", b'{"name": "N", "data": {"n": NaN}}', JSON, 400),
    BodyCase("description_escaped_nul", b'{"name": "N", "description": "\\u0000"}', JSON, 422),
    BodyCase("name_unpaired_surrogate", b'{"name": "\\udfff"}', JSON, 400),
    BodyCase("visibility_array", b'{"name": "N", "visibility": ["public"]}', JSON, 422),
]

PAST_64_BITS = "18446744073709551616"
PAST_SIGNED_64_BITS = "9223372036854775808"
LONG = "x" * 100_000

# Values of a path parameter that names no thing (each a routing 404), by its type.
# "{wide}" is the shared thing's own id in U+FF10..FF19 (Werkzeug's `\d` took them for it).
BAD_INTEGER_IDS = {
    "past_64_bits": PAST_64_BITS,
    "past_signed_64_bits": PAST_SIGNED_64_BITS,
    "negative": "-1",
    "exponent": "1e3",
    "fullwidth_digits": "{wide}",
    "percent_encoded_nul": "{value}%00",
}
BAD_NAMES = {"nul": "a%00b", "invalid_utf8": "%FF%FE", "100kb": LONG}
# A query value no integer, enumerated or patterned parameter takes.
BAD_QUERY_VALUE = "a%00b"

# Cases only the list of resources has: its filters' own rules.
REQUEST_CASES = [
    # page has no maximum in the spec: a page past the end is an empty page.
    RequestCase("page_past_64_bits", "GET", f"/api/v1/resources?page={PAST_64_BITS}", 200),
    RequestCase("page_size_huge_float", "GET", "/api/v1/resources?page_size=1e400", 422),
    RequestCase("page_negative", "GET", "/api/v1/resources?page=-1", 422),
    # Werkzeug decodes invalid UTF-8 in the query as U+FFFD: a valid, harmless search.
    RequestCase("query_invalid_utf8", "GET", "/api/v1/resources?q=%FF%FE", 200),
    RequestCase("query_string_100kb", "GET", f"/api/v1/resources?q={LONG}", 422),
    RequestCase("visibility_repeated", "GET", "/api/v1/resources?visibility=a&visibility=b", 422),
    RequestCase("sort_unknown", "GET", "/api/v1/resources?sort=password_hash", 422),
    RequestCase(
        "authorization_64kb",
        "GET",
        "/api/v1/users/me",
        401,
        {"Authorization": "Bearer " + "x" * 65_536},
        authenticated=False,
    ),
    RequestCase(
        "authorization_with_nul",
        "GET",
        "/api/v1/users/me",
        401,
        {"Authorization": "Bearer abc\x00def"},
        authenticated=False,
    ),
    RequestCase(
        "authorization_non_ascii",
        "GET",
        "/api/v1/users/me",
        401,
        {"Authorization": "Bearer \u00e9\u00e9"},
        authenticated=False,
    ),
    RequestCase(
        "authorization_basic_scheme",
        "GET",
        "/api/v1/users/me",
        401,
        {"Authorization": "Basic b2xpdmlhOng="},
        authenticated=False,
    ),
    RequestCase("method_propfind", "PROPFIND", "/api/v1/resources", 405),
    RequestCase("method_foo", "FOO", "/api/v1/resources/{id}", 405),
    RequestCase("method_trace", "TRACE", "/api/v1/users/me", 405),
    RequestCase("method_connect_on_unknown_path", "FOO", "/api/v1/nowhere", 404),
]

# A header the app may ignore or replace, but never echo back unbounded, never 5xx.
OVERSIZED_REQUEST_ID = "r" * 65_536
