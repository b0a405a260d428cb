"""Response headers the spec declares in more than one place."""

from http import HTTPStatus

LOCATION = {
    "Location": {
        "description": "The URL of the created thing.",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference"},
    }
}
ETAG = {
    "ETag": {
        "description": "The version of this representation, for If-Match and If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
    }
}
REQUEST_ID = {
    "X-Request-ID": {
        "description": "The request's id: yours if you sent a plain one, else a new one.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
    }
}
CACHE_CONTROL = {
    "Cache-Control": {
        "description": "`private, no-cache` when you sent credentials, else `no-cache`: "
        "revalidate with If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
    }
}
PAGINATION = {
    "X-Pagination": {
        "description": "Where this page sits in the whole list.",
        "required": True,
        # A JSON value in a header is `content`, not `schema` (which means a, b, c lists).
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}
        },
    },
    "Link": {
        "description": "RFC 8288 links to the first, prev, next and last pages, e.g. "
        '`</api/v1/resources?page=2>; rel="next"`.',
        "schema": {"type": "string"},
    },
}


def _count(description: str, required: bool = True) -> dict:
    return {
        "description": description,
        "required": required,
        "schema": {"type": "integer", "minimum": 0},
    }


# On every answer of a rate-limited operation while rate limiting is on (IETF RateLimit
# header fields: the reset in seconds from now).
RATE_LIMIT_DESCRIPTIONS = {
    "RateLimit-Limit": "Requests allowed in the window.",
    "RateLimit-Remaining": "Requests left in the window.",
    "RateLimit-Reset": "Seconds until the window resets.",
}
RATE_LIMIT_COMPONENTS = {
    name: _count(text, required=False) for name, text in RATE_LIMIT_DESCRIPTIONS.items()
}
RATE_LIMIT = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_COMPONENTS}


# Headers an error response must carry (RFC 9110 §11.6.1, §15.5.6).
ERRORS = {
    HTTPStatus.UNAUTHORIZED: {
        "WWW-Authenticate": {
            "description": 'The bearer challenge, such as `Bearer realm="api"`.',
            "required": True,
            "schema": {"type": "string"},
        }
    },
    HTTPStatus.METHOD_NOT_ALLOWED: {
        "Allow": {
            "description": "The methods this path supports.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    HTTPStatus.SERVICE_UNAVAILABLE: {"Retry-After": _count("Seconds to wait before trying again.")},
    HTTPStatus.TOO_MANY_REQUESTS: {
        "Retry-After": _count("Seconds until the limit lets a request through again."),
        **{name: _count(text) for name, text in RATE_LIMIT_DESCRIPTIONS.items()},
    },
}
