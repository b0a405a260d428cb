"""A connection the server ends after the request's last statement (a restart, an admin's
pg_terminate_backend): the request still answers, and the pool replaces the connection."""

import pytest
import sqlalchemy as sa

from service import create_app
from service.database import db
from tests.assertions import assert_problem
from tests.conftest import TEST_SETTINGS

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`


@pytest.mark.postgresql
def test_connection_killed_before_teardown_is_discarded_not_raised(database_url, caplog):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url})
    killer = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with app.app_context():
            pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            with killer.connect() as connection:
                connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # Leaving the context ran the teardown: its ROLLBACK failed, and was not raised.
    finally:
        killer.dispose()
    assert "Discarding a database connection: AdminShutdown" in caplog.text
    assert_problem(app.test_client().get("/api/v1/users/nobody"), 404)
    with app.app_context():
        db.engine.dispose()
