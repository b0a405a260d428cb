"""Password hashing, bearer tokens, the current caller and its scopes."""

import hashlib
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, request
from flask_smorest import abort

from service.data import tokens as token_data
from service.data.tokens import Caller
from service.database import db
from service.hashing import hashing_slot
from service.logs import USER_ID_ENVIRON
from service.models import Token, User

REALM = 'Bearer realm="api"'
# Any well-formed argon2id hash: verifying against it costs what a real check costs.
_DUMMY_PASSWORD = "not-a-real-password"


def password_hasher() -> PasswordHasher:
    """One hasher per app, built from its argon2 settings."""
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        config = current_app.config
        hasher = PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_KIB"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
        current_app.extensions["password_hasher"] = hasher
        current_app.extensions["dummy_password_hash"] = hasher.hash(_DUMMY_PASSWORD)
    return hasher


def hash_password(password: str) -> str:
    with hashing_slot():
        return password_hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Verify a password; an unknown user costs the same time as a wrong password."""
    hasher = password_hasher()
    stored = user.password_hash if user else current_app.extensions["dummy_password_hash"]
    with hashing_slot():
        try:
            hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        if user is None:
            return False
        if hasher.check_needs_rehash(user.password_hash):
            # The cost settings changed since this hash was made: upgrade it now.
            user.password_hash = hasher.hash(password)
    return True


def new_token_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _unauthorized(detail: str, error: str | None = None):
    challenge = f'{REALM}, error="{error}"' if error else REALM
    abort(401, message=detail, headers={"WWW-Authenticate": challenge})


def _bearer_secret() -> str | None:
    """The bearer token of the request; None when no credentials were sent."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        _unauthorized("Send credentials as 'Authorization: Bearer <token>'.", "invalid_request")
    return secret


def authenticate(*, required: bool, scopes: Iterable[str] = (), admin: bool = False) -> None:
    """Identify the caller (401), then check its token's scopes and role (403)."""
    secret = _bearer_secret()
    g.caller = None
    if secret is None:
        if required:
            _unauthorized("Authentication is required: send a bearer token.")
        return
    caller = g.caller = token_data.find_active_token(hash_token(secret))
    if caller is None:
        _unauthorized("The bearer token is invalid, expired or revoked.", "invalid_token")
    # For the access log line, written by the server after the response (service/logs.py).
    request.environ[USER_ID_ENVIRON] = caller.user_id
    missing = set(scopes) - caller.scopes
    if missing:
        needed = " ".join(sorted(missing))
        abort(
            403,
            message=f"This token lacks the scope: {needed}.",
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{needed}"'},
        )
    if admin and not caller.is_admin:
        abort(403, message="Only administrators may do this.")


def current_caller() -> Caller | None:
    return g.get("caller")


def current_user_id() -> int | None:
    caller = current_caller()
    return caller.user_id if caller else None


def current_user() -> User | None:
    """The caller's account as an ORM object (one query, on the routes that use it)."""
    caller = current_caller()
    return db.session.get(User, caller.user_id) if caller else None


def current_token() -> Token | None:
    """The caller's token as an ORM object (one query, on the routes that use it)."""
    caller = current_caller()
    return db.session.get(Token, caller.token_id) if caller else None
