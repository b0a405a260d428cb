"""HTTP for browser clients: CORS, compression, caching and security headers (DESIGN §5)."""

import functools
from collections.abc import Callable

from flask import Flask, Response, request

from service.extensions import compress, cors

# What a page calling the API may send, and what its script may read from the answer.
ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-ID"]
EXPOSED_HEADERS = [
    "ETag",
    "Location",
    "Link",
    "X-Pagination",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-Request-ID",
    "Deprecation",
]
# JSON is never a page: nothing may be loaded or framed from it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc run inline bootstrap scripts and styles, from this server only.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "frame-ancestors 'none'"
)
DOCUMENTATION = ("api-docs.", "static")
# CORS headers depend on the request's Origin, caching headers on its Authorization.
API_VARY = ("Authorization", "Origin")
_SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
]
API_HEADERS = [*_SECURITY_HEADERS, ("Content-Security-Policy", API_POLICY)]
DOCS_HEADERS = [*_SECURITY_HEADERS, ("Content-Security-Policy", DOCS_POLICY)]


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ALLOWED_ORIGINS"]
    if not origins and app.config["SERVICE_ENV"] == "development":
        origins = ["*"]
    hooks = app.after_request_funcs.setdefault(None, [])
    first_cors_hook = len(hooks)
    # Only requests with an Origin (a page on another site) get CORS headers: a caller
    # without one (same-origin page, SDK, curl) has no use for them, and sending them
    # anyway made answers differ by Origin in a way Vary could not tell caches about.
    cors.init_app(
        app,
        origins=origins,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
        always_send=False,
    )
    hooks[first_cors_hook:] = map(_when_cross_origin, hooks[first_cors_hook:])
    compress.init_app(app)
    app.after_request(_cache_and_security_headers)


def _when_cross_origin(hook: Callable[[Response], Response]) -> Callable[[Response], Response]:
    """A flask-cors response hook, run only when there is an Origin to answer. Without one
    it adds nothing, yet still matches the path and works out the headers: about 5 % of
    the instructions of a small authenticated GET."""

    @functools.wraps(hook)
    def wrapper(response: Response) -> Response:
        return hook(response) if "Origin" in request.headers else response

    return wrapper


def _cache_and_security_headers(response: Response) -> Response:
    documentation = (request.endpoint or "").startswith(DOCUMENTATION)
    # Added, not set: only this hook writes them, and setting scans every header each time.
    response.headers.extend(DOCS_HEADERS if documentation else API_HEADERS)
    if request.method not in ("GET", "HEAD"):
        response.headers["Cache-Control"] = "no-store"
    elif request.endpoint == "static":
        response.headers["Cache-Control"] = "public, max-age=86400"
        response.vary.add("Origin")
    elif "Authorization" in request.headers:
        # Revalidate with the ETag; shared caches must not keep one caller's answer.
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.update(API_VARY)
    else:
        response.headers["Cache-Control"] = "no-cache"
        response.vary.update(API_VARY)
    return response
