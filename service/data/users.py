"""User accounts."""

from typing import Any

from sqlalchemy import func, select

from service.data.errors import Conflict
from service.data.tokens import Caller
from service.database import db
from service.models import User


def get_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def roles_of(user: User, caller: Caller | None) -> frozenset[str]:
    """Anyone sees a profile (public); administrators also manage accounts (admin)."""
    return frozenset({"public", "admin"}) if caller and caller.is_admin else frozenset({"public"})


def _admin_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))


def list_users(*, offset: int, limit: int) -> tuple[list[User], int]:
    """One page of every account, by username, and the count of all of them."""
    total = db.session.scalar(select(func.count()).select_from(User))
    if offset >= total:
        return [], total
    page = select(User).order_by(User.username).offset(offset).limit(limit)
    return list(db.session.scalars(page)), total


def _normalize_email(email: str | None) -> str | None:
    # One mailbox, one account: addresses differing only by case are the same here.
    return email.lower() if email else None


def _check_email_free(email: str | None, exclude: User | None = None) -> None:
    if email is None:
        return
    owner = db.session.scalar(select(User).where(User.email == email))
    if owner is not None and owner is not exclude:
        raise Conflict("This email address is already in use.")


def check_available(username: str, email: str | None = None) -> None:
    """Conflict if the username or the email address is taken (a unique constraint catches
    an account made between this check and the insert)."""
    if get_user(username) is not None:
        raise Conflict(f"The username '{username}' is already taken.")
    _check_email_free(_normalize_email(email))


def create_user(*, username: str, password_hash: str, role: str = "user", **details: Any) -> User:
    email = _normalize_email(details.pop("email", None))
    check_available(username, email)
    user = User(username=username, password_hash=password_hash, role=role, email=email, **details)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, changes: dict[str, Any]) -> User:
    if "email" in changes:
        changes["email"] = _normalize_email(changes["email"])
        _check_email_free(changes["email"], exclude=user)
    for name, value in changes.items():
        setattr(user, name, value)
    db.session.flush()
    return user


def delete_user(user: User) -> None:
    # Without an administrator nobody can manage accounts until someone runs the CLI.
    if user.role == "admin" and _admin_count() == 1:
        raise Conflict("The last administrator cannot be deleted; make another one first.")
    # Tokens, resources and grants go with the user (ON DELETE CASCADE).
    db.session.delete(user)
    db.session.flush()
