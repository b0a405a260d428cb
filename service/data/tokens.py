"""Bearer tokens: issue, look up, revoke."""

from datetime import timedelta

from sqlalchemy import select, update

from service.database import db
from service.models import Token, User
from service.models.types import utcnow


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


def find_active_token(token_hash: str) -> Token | None:
    """The unexpired, unrevoked token with this hash, with its user loaded."""
    return db.session.scalar(
        select(Token).where(
            Token.token_hash == token_hash,
            Token.revoked_at.is_(None),
            Token.expires_at > utcnow(),
        )
    )


def revoke_token(token: Token) -> None:
    token.revoked_at = utcnow()
    db.session.flush()


def revoke_other_tokens(user: User, keep: Token | None) -> None:
    """Log out every other session, as a password change should."""
    statement = update(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None))
    if keep is not None:
        statement = statement.where(Token.id != keep.id)
    db.session.execute(statement.values(revoked_at=utcnow()))
