"""The SQLAlchemy handle, apart from the other extensions so models import nothing else."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g
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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ReadOnlyViolation(RuntimeError):
    """Something tried to write during a request declared to change nothing."""


def declare_read_only() -> None:
    """This request changes nothing: its statements, Core and ORM, share one
    autocommit connection, without BEGIN and ROLLBACK round trips around them. Nothing is
    lost: under READ COMMITTED (PostgreSQL's default, and SQLite's reads) each statement
    sees its own snapshot, in a transaction or not. The web layer declares it for the
    methods that change nothing (service/__init__.py)."""
    g._read_only = True


def _is_read_only() -> bool:
    return g.get("_read_only", False)


def read_connection() -> Connection:
    """The read-only request's one autocommit connection, checked out on first use and given
    back when the request ends (service/unavailable.py)."""
    connection = g.get("_read_connection")
    if connection is None:
        # Autocommit set on the connection, not as an engine option: that installs an
        # event listener, and an engine with any listener dispatches every statement's
        # events.
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        g._read_connection = connection
    return connection


def take_read_connection() -> Connection | None:
    """The request's read connection, if it used one, for the request's end to close."""
    return g.pop("_read_connection", None)


@contextmanager
def one_transaction() -> Iterator[Connection]:
    """The rest of the request in one transaction, committed when the block ends: the view's
    commit inside it only releases a savepoint. For what must be stored together with the
    view's writes or not at all (an idempotency key's outcome)."""
    # What the request read before (its token) ends here: the session starts afresh on the
    # new transaction's connection.
    db.session.close()
    connection = db.engine.connect()
    transaction = connection.begin()
    g._outer_connection = connection
    # Bound to a connection already in a transaction, the session commits savepoints of it,
    # never the transaction itself.
    db.session().join_transaction_mode = "create_savepoint"
    try:
        yield connection
        db.session.close()
        transaction.commit()
    except BaseException:
        db.session.close()
        transaction.rollback()
        raise
    finally:
        g.pop("_outer_connection", None)
        connection.close()


class RequestSession(Session):
    """The ORM session: on a read-only request it uses that request's read connection, and
    refuses to flush a change (which autocommit would otherwise make permanent at once);
    inside `one_transaction` it works in savepoints of that transaction."""

    def get_bind(self, *args, **kwargs):
        if _is_read_only():
            return read_connection()
        outer = g.get("_outer_connection")
        if outer is not None:
            return outer
        return super().get_bind(*args, **kwargs)

    def flush(self, objects=None):
        if _is_read_only() and (self.new or self.dirty or self.deleted):
            raise ReadOnlyViolation("A request declared read-only tried to write.")
        super().flush(objects)


def execute(statement, parameters: dict):
    """A Core statement, without the ORM's per-statement work: on the read connection in a
    read-only request, else on the session's connection, in the same transaction as the
    rest of the request."""
    if _is_read_only():
        return read_connection().execute(statement, parameters)
    return db.session.connection().execute(statement, parameters)


# A view commits once, at its end, and then dumps what it changed: every value is set on the
# Python side (defaults, version counter), so reloading each object after the commit would
# be one more database round trip per write for nothing.
db = SQLAlchemy(
    model_class=Base, session_options={"class_": RequestSession, "expire_on_commit": False}
)
