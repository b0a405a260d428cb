"""Bearer tokens: issue, look up, revoke."""

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select, update

from service.database import db, execute
from service.models import Token, User
from service.models.types import utcnow


class Caller(NamedTuple):
    """Who sent a request, as its bearer token says: the few columns access checks need, not
    ORM objects (routes that change the account load those)."""

    token_id: int
    scope: str
    user_id: int
    username: str
    role: str

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def issue_token(user: User, *, token_hash: str, scope: str, ttl_seconds: int) -> Token:
    now = utcnow()
    token = Token(
        user=user,
        token_hash=token_hash,
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    db.session.add(token)
    db.session.flush()
    return token


# Run on every authenticated request: a Core statement built once (SQLAlchemy caches its
# compiled form by the statement object), with only the columns access checks need.
_tokens, _users = Token.__table__.c, User.__table__.c
ACTIVE_TOKEN = (
    select(
        _tokens.id.label("token_id"),
        _tokens.scope,
        _users.id.label("user_id"),
        _users.username,
        _users.role,
    )
    .join_from(Token.__table__, User.__table__, _tokens.user_id == _users.id)
    .where(
        _tokens.token_hash == bindparam("token_hash"),
        _tokens.revoked_at.is_(None),
        _tokens.expires_at > bindparam("now"),
    )
)


def find_active_token(token_hash: str) -> Caller | None:
    """Who the unexpired, unrevoked token with this hash speaks for."""
    parameters = {"token_hash": token_hash, "now": utcnow()}
    row = execute(ACTIVE_TOKEN, parameters).first()
    return None if row is None else Caller(**row._mapping)


def revoke_token(token: Token) -> None:
    token.revoked_at = utcnow()
    db.session.flush()


def revoke_other_tokens(user: User, keep: Token | None) -> None:
    """Log out every other session, as a password change should."""
    statement = update(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None))
    if keep is not None:
        statement = statement.where(Token.id != keep.id)
    db.session.execute(statement.values(revoked_at=utcnow()))
