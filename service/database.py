"""The SQLAlchemy handle, apart from the other extensions so models import nothing else."""

from flask import g, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from sqlalchemy import Connection, MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic alter them, on SQLite too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Requests that change nothing (RFC 9110 §9.2.1).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _reading() -> bool:
    return has_request_context() and request.method in SAFE_METHODS


def read_connection() -> Connection:
    """The request's one autocommit connection, checked out on first use and given back
    when the request ends (service/unavailable.py)."""
    connection = g.get("_read_connection")
    if connection is None:
        # Autocommit set on the connection, not as an engine option: that installs an
        # event listener, and an engine with any listener dispatches every statement's
        # events (about a tenth of a statement's cost).
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        g._read_connection = connection
    return connection


def take_read_connection() -> Connection | None:
    """The request's read connection, if it used one, for the request's end to close."""
    return g.pop("_read_connection", None)


class RequestSession(Session):
    """A request that cannot change anything reads in autocommit: no BEGIN and ROLLBACK
    round trips around its statements. Nothing is lost, since under READ COMMITTED (the
    default of PostgreSQL, and SQLite's reads) each statement sees its own snapshot, in a
    transaction or not. Such a request's ORM queries share its one read connection with
    its Core statements (`execute`)."""

    def get_bind(self, *args, **kwargs):
        if _reading():
            return read_connection()
        return super().get_bind(*args, **kwargs)


def execute(statement, parameters: dict):
    """A Core statement, without the ORM's per-statement work: on the request's read
    connection if the request changes nothing (no ORM session is set up and torn down
    for it: 8 % of an authenticated GET's instructions), else on the session's connection,
    in the same transaction as the rest of the request."""
    if _reading():
        return read_connection().execute(statement, parameters)
    return db.session.connection().execute(statement, parameters)


# A view commits once, at its end, and then dumps what it changed: every value is set on the
# Python side (defaults, version counter), so reloading each object after the commit would
# be one more database round trip per write for nothing.
db = SQLAlchemy(
    model_class=Base, session_options={"class_": RequestSession, "expire_on_commit": False}
)
