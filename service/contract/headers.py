"""Response headers the spec declares in more than one place, each with an example (mock
servers and generated collections answer and send what the examples say)."""

from http import HTTPStatus

LOCATION = {
    "Location": {
        "description": "The URL of the created thing.",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference"},
        "example": "/api/v1/resources/1",
    }
}
ETAG = {
    "ETag": {
        "description": "The version of this representation, for If-Match and If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
        "example": '"v1"',
    }
}
REQUEST_ID = {
    "X-Request-ID": {
        "description": "The request's id: yours if you sent a plain one, else a new one.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
        "example": "3f0a9c2e5b7d4e1f8a6b2c9d0e4f7a1b",
    }
}
CACHE_CONTROL = {
    "Cache-Control": {
        "description": "`private, no-cache` when you sent credentials, else `no-cache`: "
        "revalidate with If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
        "example": "private, no-cache",
    }
}
PAGINATION = {
    "X-Pagination": {
        "description": "Where this page sits in the whole list: a JSON object.",
        "required": True,
        # The header's value is the JSON text itself (a `schema` with the JSON's own schema
        # would mean comma-separated values; `content` is not understood by every tool).
        "schema": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/PaginationMetadata"},
        },
        "example": '{"total": 42, "total_pages": 5, "first_page": 1, "last_page": 5, '
        '"page": 2, "previous_page": 1, "next_page": 3}',
    },
    "Link": {
        "description": "RFC 8288 links to the first, prev, next and last pages.",
        "schema": {"type": "string"},
        "example": '</api/v1/resources?page=1>; rel="first", </api/v1/resources?page=3>; '
        'rel="next"',
    },
}


def _count(description: str, example: int, required: bool = True) -> dict:
    return {
        "description": description,
        "required": required,
        "schema": {"type": "integer", "minimum": 0},
        "example": example,
    }


# On every answer of a rate-limited operation while rate limiting is on (IETF RateLimit
# header fields: the reset in seconds from now). The examples are not 0: a mock server may
# read a header of 0 as missing.
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": ("Requests allowed in the window.", 300),
    "RateLimit-Remaining": ("Requests left in the window.", 1),
    "RateLimit-Reset": ("Seconds until the window resets.", 42),
}
RATE_LIMIT_COMPONENTS = {
    name: _count(text, example, required=False)
    for name, (text, example) in RATE_LIMIT_HEADERS.items()
}
RATE_LIMIT = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_COMPONENTS}

# Headers an error response must carry (RFC 9110 §11.6.1, §15.5.6).
ERRORS = {
    HTTPStatus.UNAUTHORIZED: {
        "WWW-Authenticate": {
            "description": 'The bearer challenge, such as `Bearer realm="api"`.',
            "required": True,
            "schema": {"type": "string"},
            "example": 'Bearer realm="api", error="invalid_token"',
        }
    },
    HTTPStatus.METHOD_NOT_ALLOWED: {
        "Allow": {
            "description": "The methods this path supports.",
            "required": True,
            "schema": {"type": "string"},
            "example": "GET, HEAD, OPTIONS, POST",
        }
    },
    HTTPStatus.SERVICE_UNAVAILABLE: {
        "Retry-After": _count("Seconds to wait before trying again.", 5)
    },
    HTTPStatus.TOO_MANY_REQUESTS: {
        "Retry-After": _count("Seconds until the limit lets a request through again.", 42),
        **{name: _count(text, example) for name, (text, example) in RATE_LIMIT_HEADERS.items()},
    },
}
