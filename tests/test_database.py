"""How requests use the database: reads in autocommit, anything else in a transaction."""

import pytest
from sqlalchemy import func, insert, select

from service.database import db
from service.models import User


def _isolation_level(app, method: str) -> str | None:
    with app.test_request_context("/", method=method):
        level = db.session.connection().get_execution_options().get("isolation_level")
        db.session.remove()
    return level


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_request_that_changes_nothing_reads_in_autocommit(app, method):
    assert _isolation_level(app, method) == "AUTOCOMMIT"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_request_that_may_change_something_runs_in_a_transaction(client, app, method):
    assert _isolation_level(app, method) is None
    # Even on a pooled connection that a read used just before: its autocommit was undone.
    _isolation_level(app, "GET")
    row = {"username": "rolled-back", "password_hash": "x", "role": "user"}
    with app.test_request_context("/", method=method):
        db.session.execute(insert(User).values(**row))
        assert _user_count() == 1
        db.session.rollback()
        assert _user_count() == 0
        db.session.remove()


def test_outside_a_request_the_session_runs_in_a_transaction(client, app):
    with app.app_context():
        assert "isolation_level" not in db.session.connection().get_execution_options()
        db.session.remove()
