"""With the database unreachable, every operation that declares 503 answers it with
Retry-After, and those that do not (liveness, metrics, the index) still answer; an
anonymous call to a route that requires a token is 401 before any query. The requests are
the spec's own examples (tests/operations.py)."""

import time

import pytest

from service import create_app
from service.database import db
from service.unavailable import DETAIL, RETRY_AFTER_SECONDS
from tests.assertions import assert_problem
from tests.conftest import TEST_SETTINGS, migrated_app
from tests.operations import example_body, example_path_values, example_url, operations, plain_app

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-folder/service.sqlite3",
    # A port nothing listens on: refused at once.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:9/none",
}
BEARER = {"Authorization": "Bearer some-token-the-database-would-check"}
OPERATIONS = operations(plain_app())


def _uses_database(operation) -> bool:
    return 503 in operation.statuses


@pytest.fixture(scope="module", params=sorted(UNREACHABLE))
def down_client(request):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param]})
    return app.test_client()


def test_every_operation_has_example_path_values_and_body():
    # A body valid enough to reach the database where no token is checked first.
    assert [op.operation_id for op in OPERATIONS if example_path_values(op) is None] == []
    needs_body = [op for op in OPERATIONS if op.takes_body and op.authentication is None]
    assert [op.operation_id for op in needs_body if example_body(op) is None] == []


@pytest.mark.parametrize(
    "operation",
    [pytest.param(op, id=op.operation_id) for op in OPERATIONS if not _uses_database(op)],
)
def test_an_operation_without_a_503_answers_without_the_database(down_client, operation):
    response = down_client.open(example_url(operation), method=operation.method)
    assert response.status_code == operation.success


@pytest.mark.parametrize(
    "operation", [pytest.param(op, id=op.operation_id) for op in OPERATIONS if _uses_database(op)]
)
def test_every_operation_with_the_database_down(down_client, operation, caplog):
    url = example_url(operation)
    body = example_body(operation) if operation.takes_body else None
    if operation.authentication is not None and not operation.anonymous_allowed:
        # No token: refused before any query, database or not.
        assert_problem(down_client.open(url, method=operation.method, json=body), 401)
    headers = BEARER if operation.authentication is not None else {}
    response = down_client.open(url, method=operation.method, json=body, headers=headers)
    readiness = operation.operation_id == "getReadiness"
    problem = assert_problem(response, 503, None if readiness else DETAIL)
    assert problem["instance"] == url
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    expected_log = "database is unreachable" if readiness else "The database is unavailable"
    assert expected_log in caplog.text
    # A warning of one line, not a traceback per request.
    assert "Traceback" not in caplog.text


def test_no_free_pooled_connection_answers_503_after_the_pool_timeout(tmp_path):
    pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 1, "pool_pre_ping": True}
    url = f"sqlite:///{tmp_path}/pool.sqlite3"
    app = migrated_app(url, SQLALCHEMY_ENGINE_OPTIONS=pool)
    client = app.test_client()
    with app.app_context(), db.engine.connect():  # the pool's only connection, held
        started = time.monotonic()
        response = client.get("/api/v1/users/olivia")
        waited = time.monotonic() - started
    assert_problem(response, 503, DETAIL)
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert 0.9 <= waited < 3
    # Given back, the connection serves the next request.
    assert_problem(client.get("/api/v1/users/olivia"), 404)
    with app.app_context():
        db.engine.dispose()
