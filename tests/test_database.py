"""How requests use the database: reads in autocommit, anything else in a transaction.

The web layer declares the requests that change nothing (GET, HEAD, OPTIONS) read-only; the
database module never looks at the request itself."""

import pytest
from sqlalchemy import Connection, event, func, insert, select
from sqlalchemy.exc import OperationalError

from service.database import ReadOnlyViolation, db, declare_read_only, execute, read_connection
from service.models import User


def _isolation_level(app, method: str) -> str | None:
    with app.test_request_context("/", method=method):
        app.preprocess_request()
        level = db.session.connection().get_execution_options().get("isolation_level")
        db.session.remove()
    return level


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_request_that_changes_nothing_reads_in_autocommit(app, method):
    assert _isolation_level(app, method) == "AUTOCOMMIT"


def test_reads_come_from_the_app_engine_without_event_listeners(app):
    # An engine-wide autocommit option would register a listener, after which SQLAlchemy
    # dispatches every statement's events (service/database.py read_connection).
    with app.test_request_context("/", method="GET"):
        app.preprocess_request()
        connection = read_connection()
        assert connection.engine is db.engine
        assert connection.get_execution_options()["isolation_level"] == "AUTOCOMMIT"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_request_that_may_change_something_runs_in_a_transaction(client, app, method):
    assert _isolation_level(app, method) is None
    # Even on a pooled connection that a read used just before: its autocommit was undone.
    _isolation_level(app, "GET")
    row = {"username": "rolled-back", "password_hash": "x", "role": "user"}
    with app.test_request_context("/", method=method):
        app.preprocess_request()
        db.session.execute(insert(User).values(**row))
        assert _user_count() == 1
        db.session.rollback()
        assert _user_count() == 0
        db.session.remove()


def test_outside_a_request_the_session_runs_in_a_transaction(client, app):
    with app.app_context():
        assert "isolation_level" not in db.session.connection().get_execution_options()
        db.session.remove()


def test_read_only_is_declared_not_read_from_the_request(client, app):
    # Outside any request, as a CLI command or a job might.
    with app.app_context():
        declare_read_only()
        assert db.session.connection().get_execution_options()["isolation_level"] == "AUTOCOMMIT"
        db.session.remove()


def test_a_read_only_request_cannot_write_through_the_session(client, app):
    # Autocommit would make the write permanent at once, whatever the view did next.
    with app.test_request_context("/", method="GET"):
        app.preprocess_request()
        db.session.add(User(username="sneaky", password_hash="x", role="user"))
        with pytest.raises(ReadOnlyViolation):
            db.session.flush()
        db.session.remove()
    with app.app_context():
        assert _user_count() == 0
        db.session.remove()


def _checked_out(app) -> int:
    with app.app_context():
        return db.engine.pool.checkedout()


def test_a_read_uses_one_connection_for_core_and_orm_and_gives_it_back(client, app):
    before = _checked_out(app)
    with app.test_request_context("/", method="GET"):
        app.preprocess_request()
        assert execute(select(func.count()).select_from(User), {}).scalar_one() == 0
        assert _user_count() == 0  # through the ORM session, after the Core statement
        assert db.session.connection() is read_connection()
        assert _checked_out(app) == before + 1
    assert _checked_out(app) == before


def test_a_read_that_never_touches_the_database_checks_out_no_connection(client, app):
    before = _checked_out(app)
    response = client.get("/health/live")
    assert response.status_code == 200
    assert _checked_out(app) == before


def test_a_read_connection_that_fails_to_close_is_discarded_not_raised(
    client, app, monkeypatch, caplog
):
    # As a connection the server dropped might: the request's end does not raise, and the
    # connection is invalidated and given back, so the pool replaces it.
    close = Connection.close

    def fail_once(connection):
        monkeypatch.setattr(Connection, "close", close)
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))

    invalidated = []

    def note_invalidation(dbapi_connection, record, exception):
        invalidated.append(dbapi_connection)

    before = _checked_out(app)
    with app.test_request_context("/", method="GET"):
        app.preprocess_request()
        read_connection().execute(select(1))
        pool = db.engine.pool
        event.listen(pool, "invalidate", note_invalidation)
        monkeypatch.setattr(Connection, "close", fail_once)
    event.remove(pool, "invalidate", note_invalidation)
    assert len(invalidated) == 1
    assert "Discarding a database connection" in caplog.text
    assert _checked_out(app) == before
