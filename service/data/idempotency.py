"""Idempotency keys: the outcome of a POST, stored with what it created, for its retries.

A request claims its key by inserting the key's row first thing in its transaction; the
row gets the outcome and commits together with the request's writes, or not at all. A
retry meanwhile finds the key locked by the first request's uncommitted row (PostgreSQL:
it waits `LOCK_WAIT_MS`, then gives up: in flight); once it is committed, its stored answer.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from service.models import IdempotencyKey
from service.models.types import utcnow

LOCK_WAIT_MS = 200
_keys = IdempotencyKey.__table__


class InFlight(Exception):
    """Another request with this key is being served right now."""


def _this(user_id: int, key: str):
    return (_keys.c.user_id == user_id, _keys.c.key == key)


def _live(user_id: int, key: str):
    return (*_this(user_id, key), _keys.c.expires_at > utcnow())


def claim(connection: Connection, user_id: int, key: str, fingerprint: str, ttl: int) -> bool:
    """Claim the key for this request, in `connection`'s transaction: True if it is new,
    False if a request with it was already answered (its row committed). Raises InFlight
    if one is being served."""
    now = utcnow()
    # An expired key can be used again.
    expired = (*_this(user_id, key), _keys.c.expires_at <= now)
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'"))
    try:
        connection.execute(delete(_keys).where(*expired))
        with connection.begin_nested():
            connection.execute(
                insert(_keys).values(
                    user_id=user_id,
                    key=key,
                    fingerprint=fingerprint,
                    status=0,
                    headers={},
                    body="",
                    created_at=now,
                    expires_at=now + timedelta(seconds=ttl),
                )
            )
    except IntegrityError:
        return False
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise InFlight from error
        raise
    finally:
        if connection.dialect.name == "postgresql":
            # Only the claim gives up early; the request's own statements wait as usual.
            connection.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    return True


def record(
    connection: Connection, user_id: int, key: str, status: int, headers: dict, body: str
) -> None:
    """The claimed key's outcome, in the same transaction as the request's writes."""
    statement = update(_keys).where(*_live(user_id, key))
    connection.execute(statement.values(status=status, headers=headers, body=body))


def stored(connection: Connection, user_id: int, key: str) -> dict[str, Any] | None:
    row = connection.execute(select(_keys).where(*_live(user_id, key))).mappings().first()
    return dict(row) if row is not None else None


def purge_expired(connection: Connection) -> int:
    """Delete every expired key; how many."""
    return connection.execute(delete(_keys).where(_keys.c.expires_at <= utcnow())).rowcount
