"""With the database unreachable, every operation that uses it answers 503 with Retry-After;
those that do not (liveness, metrics, the index) still answer, and an anonymous call to a
route that requires a token is 401 before any query."""

import json
import time

import pytest

from service import create_app
from service.database import db
from service.unavailable import DETAIL, RETRY_AFTER_SECONDS
from tests.assertions import SPEC_PATH, assert_problem
from tests.conftest import PASSWORD, TEST_SETTINGS, migrated_app

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-folder/service.sqlite3",
    # A port nothing listens on: refused at once.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:9/none",
}
PATH_VALUES = {"resource_id": "1", "username": "olivia"}
CREDENTIALS = {"username": "olivia", "password": PASSWORD}
# Bodies valid enough to reach the database where no token is checked first.
BODIES = {"createUser": CREDENTIALS, "createToken": CREDENTIALS, "legacySignUp": CREDENTIALS}
BEARER = {"Authorization": "Bearer some-token-the-database-would-check"}
WITHOUT_DATABASE = {"getIndex": 200, "getLiveness": 200, "getMetrics": 200}


def operations() -> list[tuple[str, str, str, dict]]:
    """(operationId, method, path with values, operation) for every operation in the spec."""
    spec = json.loads(SPEC_PATH.read_text())
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                url = path.format(**PATH_VALUES)
                found.append((operation["operationId"], method.upper(), url, operation))
    return found


@pytest.fixture(scope="module", params=sorted(UNREACHABLE))
def down_client(request):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param]})
    return app.test_client()


def test_only_the_routes_without_the_database_lack_a_503():
    undeclared = {op_id for op_id, _, _, op in operations() if "503" not in op["responses"]}
    assert undeclared == set(WITHOUT_DATABASE)


@pytest.mark.parametrize(
    ("operation_id", "method", "url", "operation"), operations(), ids=lambda v: str(v)[:40]
)
def test_every_operation_with_the_database_down(
    down_client, operation_id, method, url, operation, caplog
):
    if operation_id in WITHOUT_DATABASE:
        assert down_client.open(url, method=method).status_code == WITHOUT_DATABASE[operation_id]
        return
    security = operation.get("security", [])
    body = BODIES.get(operation_id, {}) if "requestBody" in operation else None
    if security == [{"bearerAuth": []}]:
        # No token: refused before any query, database or not.
        assert_problem(down_client.open(url, method=method, json=body), 401)
    headers = BEARER if {"bearerAuth": []} in security else {}
    response = down_client.open(url, method=method, json=body, headers=headers)
    readiness = operation_id == "getReadiness"
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
