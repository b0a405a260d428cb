"""Flask-SQLAlchemy models of the product's tables for the ORM peers (APIFlask, flask-smorest).

Written the way Flask-SQLAlchemy's documentation shows: declarative models, one `db` bound to
each app with `init_app`, the session's defaults (a transaction per request, rolled back at
the end of it; attributes expired on commit). Only the columns the three operations use are
mapped; the tables are the product's (migrations/).
"""

import os
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, String, Text, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bench.peers import common


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def configure(app) -> None:
    """The app's database settings, then `db.init_app`: the bench's database, sessions in UTC
    (timestamps come back as the product writes them), SQLAlchemy's default pool."""
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": "-c TimeZone=UTC"}}
    db.init_app(app)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)


class Token(db.Model):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class Grant(db.Model):
    __tablename__ = "grants"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))


class Resource(db.Model):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    visibility: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column()

    # The answer names the owner: loaded in the same SELECT, as the other peers' JOIN does.
    owner: Mapped[User] = relationship(lazy="joined")


def active_token(secret: str) -> Token | None:
    """The token by its SHA-256, unexpired and unrevoked, with its user."""
    query = select(Token).where(
        Token.token_hash == common.hash_token(secret),
        Token.revoked_at.is_(None),
        Token.expires_at > datetime.now(UTC),
    )
    return db.session.scalar(query)


def can_see(resource: Resource, user_id: int | None) -> bool:
    """The visibility rule for one resource (common.role_of), looking the grant up if needed."""
    grant = None
    if user_id is not None and resource.owner_id != user_id:
        found = db.session.get(Grant, (resource.id, user_id))
        grant = found.role if found else None
    return (
        common.role_of(
            {"owner_id": resource.owner_id, "visibility": resource.visibility}, user_id, grant
        )
        is not None
    )


def visible_to(user_id: int | None):
    """The list's rule: public, own, or granted."""
    granted = select(Grant.resource_id).where(Grant.user_id == user_id)
    return or_(
        Resource.visibility == "public", Resource.owner_id == user_id, Resource.id.in_(granted)
    )


ORDER = (Resource.created_at, Resource.id)  # the product's default order, the id breaking ties
