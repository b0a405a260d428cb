"""Settings from the environment (`SERVICE_*`, `DATABASE_URL`)."""

import os
from collections.abc import Mapping
from typing import Any

from schemas.tokens import SCOPE_DESCRIPTIONS
from service.json_provider import load_json

DEFAULT_SECRET_KEY = "dev-only-secret-change-me"
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The configuration is unsafe or invalid; the app refuses to start."""


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from error


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _list(environ: Mapping[str, str], name: str, default: str) -> list[str]:
    raw = environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling of the URL was given."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(database_url: str, environ: Mapping[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {
        # A request waits at most this long for a pooled connection, then answers 503.
        "pool_timeout": _int(environ, "SERVICE_DB_POOL_TIMEOUT", 5),
        # A ping before each request's first statement costs a round trip on every request.
        # Without it a connection that died while pooled fails one request (503), and the
        # pool then replaces all its connections at once.
        "pool_pre_ping": _bool(environ, "SERVICE_DB_PRE_PING", False),
        # JSON columns (a resource's `data`) decoded by orjson where it reads them exactly.
        "json_deserializer": load_json,
    }
    if database_url.startswith("postgresql"):
        # An unreachable server must fail a request (and readiness) in seconds, not hang it;
        # a statement the server cuts (503) must end well before gunicorn's 30 s worker kill.
        timeout = _int(environ, "SERVICE_DB_CONNECT_TIMEOUT", 5)
        statement_ms = _int(environ, "SERVICE_DB_STATEMENT_TIMEOUT_MS", 10_000)
        connect_args: dict[str, Any] = {"connect_timeout": timeout}
        if _bool(environ, "SERVICE_DB_TRANSACTION_POOLER", False):
            # Behind a pooler in transaction mode (PgBouncer): consecutive transactions may
            # run on different server connections, so psycopg must not prepare statements
            # (it does after a few executions), and the pooler refuses the `options`
            # startup parameter: statement_timeout is set on the database instead.
            connect_args["prepare_threshold"] = None
        else:
            connect_args["options"] = f"-c statement_timeout={statement_ms}"
        options["connect_args"] = connect_args
    return options


def settings_from_env(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Flask config keys built from environment variables; every one has a safe default."""
    env = environ.get("SERVICE_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"SERVICE_ENV must be one of {ENVIRONMENTS}, got {env!r}")
    default_db = "sqlite:///" + os.path.join(instance_path, "service.sqlite3")
    database_url = normalize_database_url(environ.get("DATABASE_URL", default_db))
    return {
        "SERVICE_ENV": env,
        "SECRET_KEY": environ.get("SERVICE_SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url, environ),
        "MAX_CONTENT_LENGTH": _int(environ, "SERVICE_MAX_BODY_BYTES", 64 * 1024),
        # Reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto it
        # believes (0: none, the peer is the client). Exactly the proxies there are: one more
        # would let a client choose the address its rate limits count against.
        "PROXY_HOPS": _int(environ, "SERVICE_PROXY_HOPS", 0),
        "TOKEN_TTL_SECONDS": _int(environ, "SERVICE_TOKEN_TTL_SECONDS", 24 * 3600),
        # How long a POST's Idempotency-Key and its answer are kept for retries.
        "IDEMPOTENCY_TTL_SECONDS": _int(environ, "SERVICE_IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        # Browser origins allowed to call the API (comma-separated); when unset, any origin
        # in development and none otherwise. Production refuses `*`.
        "CORS_ALLOWED_ORIGINS": _list(environ, "SERVICE_CORS_ORIGINS", ""),
        # Rate limits per client address: in memory, or shared through Redis when set.
        "RATELIMIT_ENABLED": _bool(environ, "SERVICE_RATE_LIMITS", True),
        "RATELIMIT_STORAGE_URI": environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_DEFAULT": environ.get("SERVICE_RATE_LIMIT", "300 per minute"),
        # Per client address, shared by the routes that hash a password (sign-up, log-in,
        # password change) or tell whether a name or an email address is taken.
        "ACCOUNT_RATE_LIMIT": environ.get("SERVICE_ACCOUNT_RATE_LIMIT", "10 per minute"),
        # In production the limits must be shared by every process (REDIS_URL), unless the
        # operator chooses limits counted by each process on its own.
        "RATE_LIMITS_PER_PROCESS": _bool(environ, "SERVICE_RATE_LIMITS_PER_PROCESS", False),
        # Keeps the counts of deployments that share one Redis apart.
        "RATELIMIT_KEY_PREFIX": environ.get("SERVICE_RATE_LIMIT_PREFIX", "contract-api"),
        # Check every response against the spec (tests, staging); costs ~1 ms per response.
        "CONTRACT_GUARD": _bool(environ, "SERVICE_CONTRACT_GUARD", False),
        # At most this many argon2 computations at once on this machine (0: no bound), so
        # that a flood of sign-ups and log-ins cannot take every core from the reads; a
        # request that finds none free within the wait answers 503.
        "HASHING_SLOTS": _int(environ, "SERVICE_HASHING_SLOTS", max(1, (os.cpu_count() or 2) // 2)),
        "HASHING_WAIT_MS": _int(environ, "SERVICE_HASHING_WAIT_MS", 250),
        # The Host names this server answers for (Flask's TRUSTED_HOSTS; a leading dot takes
        # every subdomain); any other answers 400. Required in production.
        "TRUSTED_HOSTS": _list(environ, "SERVICE_ALLOWED_HOSTS", "") or None,
        # argon2id cost; the defaults are RFC 9106's low-memory profile.
        "ARGON2_TIME_COST": _int(environ, "SERVICE_ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_KIB": _int(environ, "SERVICE_ARGON2_MEMORY_KIB", 64 * 1024),
        "ARGON2_PARALLELISM": _int(environ, "SERVICE_ARGON2_PARALLELISM", 4),
    }


def check_production_safety(config: Mapping[str, Any]) -> None:
    """Refuse to serve production traffic with settings meant for a laptop."""
    if config["SERVICE_ENV"] != "production":
        return
    if config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
        raise ConfigError("SERVICE_SECRET_KEY must be set to a private value in production")
    if "*" in config["CORS_ALLOWED_ORIGINS"]:
        raise ConfigError("SERVICE_CORS_ORIGINS must list the allowed origins in production")
    if not config["TRUSTED_HOSTS"]:
        raise ConfigError("SERVICE_ALLOWED_HOSTS must list the host names served in production")
    per_process = config["RATELIMIT_STORAGE_URI"].startswith("memory://")
    if config["RATELIMIT_ENABLED"] and per_process and not config["RATE_LIMITS_PER_PROCESS"]:
        # Each worker would count on its own: five workers allow five times the limit.
        raise ConfigError(
            "Rate limits in production need REDIS_URL (limits shared by every process), "
            "or SERVICE_RATE_LIMITS_PER_PROCESS=1 to accept limits counted per process"
        )


API_SETTINGS: dict[str, Any] = {
    "API_TITLE": "Contract API",
    "API_VERSION": "1.1.0",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # Vendored from npm (make vendor); the trailing slash is required by the template.
    "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
    "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None, "persistAuthorization": False},
    "OPENAPI_REDOC_PATH": "redoc",
    "OPENAPI_REDOC_URL": "/static/vendor/redoc/redoc.standalone.js",
    # flask-limiter: fail open (logged) when Redis is unreachable rather than refusing every
    # request; its headers are service/limits.py's own.
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_SWALLOW_ERRORS": True,
    # flask-compress: brotli or gzip for JSON and the documentation assets.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Not streamed files (the docs' assets): flask-compress 1.25 never closes the file it
    # streams from, one leaked handle per request. Leave those to the proxy.
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": [
        "application/json",
        "application/problem+json",
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
    ],
    "API_SPEC_OPTIONS": {
        "info": {
            "summary": "A JSON API whose every answer is declared in this document.",
            "description": (
                "Users, bearer tokens, and user-owned resources shared through grants.\n\n"
                "Errors are RFC 9457 problem documents (`application/problem+json`). "
                "What the caller may not see answers 404, exactly like a missing id; "
                "what the caller sees but may not change answers 403."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/", "description": "The server that serves this document"}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `POST /api/v1/tokens`.",
                },
                # What Swagger UI's Authorize dialog (and OAuth2 clients) log in with: the
                # same route, form-encoded, grant_type=password (RFC 6749 §4.3).
                "oauth2Password": {
                    "type": "oauth2",
                    "description": "Log in with a username and password; the token is sent "
                    "as a bearer token.",
                    "flows": {
                        "password": {
                            "tokenUrl": "/api/v1/tokens",
                            "scopes": SCOPE_DESCRIPTIONS,
                        }
                    },
                },
            }
        },
    },
}
