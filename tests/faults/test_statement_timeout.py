"""A statement that waits too long is cancelled by PostgreSQL (statement_timeout) and the
request answers 503 at once, long before gunicorn's 30 s worker timeout would kill it."""

import time

import pytest
import sqlalchemy as sa

from service import create_app
from service.config import _engine_options
from service.database import db
from service.unavailable import DETAIL
from tests.assertions import assert_json, assert_problem
from tests.conftest import TEST_SETTINGS, make_caller

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

STATEMENT_TIMEOUT_MS = 200


@pytest.mark.postgresql
def test_statement_cut_by_statement_timeout_answers_503(database_url, caplog):
    environ = {"SERVICE_DB_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS)}
    options = _engine_options(database_url, environ)
    app = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
        }
    )
    client = app.test_client()
    owner = make_caller(client, "olivia")
    created = client.post("/api/v1/resources", json={"name": "Notes"}, headers=owner.headers)
    resource_id = created.get_json()["id"]
    url = f"/api/v1/resources/{resource_id}"

    locker = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with locker.connect() as connection:
            # Another transaction holds the row: the app's UPDATE waits on the lock.
            connection.execute(
                sa.text("SELECT id FROM resources WHERE id = :id FOR UPDATE"), {"id": resource_id}
            )
            started = time.monotonic()
            response = client.patch(url, json={"name": "Renamed"}, headers=owner.headers)
            elapsed = time.monotonic() - started
            connection.rollback()
    finally:
        locker.dispose()
    print(f"\nstatement timeout {STATEMENT_TIMEOUT_MS} ms: 503 answered in {elapsed:.3f} s")
    assert_problem(response, 503, DETAIL)
    assert response.headers["Retry-After"] == "5"
    assert elapsed < 2
    assert "QueryCanceled" in caplog.text
    # The lock gone, the same connection pool serves the change.
    assert assert_json(client.patch(url, json={"name": "Renamed"}, headers=owner.headers), 200)
    with app.app_context():
        db.engine.dispose()
