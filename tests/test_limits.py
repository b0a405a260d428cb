"""Rate limits: 429 problem documents with Retry-After and RateLimit-*, on every operation."""

import logging
import os
import uuid

import pytest
import redis

from tests.assertions import assert_problem
from tests.conftest import TEST_SETTINGS, migrated_app
from tests.operations import example_url, operations, plain_app
from tests.services import service_missing

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def _limited_app(tmp_path, **limits):
    settings = {**TEST_SETTINGS, "RATELIMIT_ENABLED": True, **limits}
    return migrated_app(f"sqlite:///{tmp_path}/limits.sqlite3", **settings)


def _operations(*, limited: bool):
    """The spec's operations that declare a 429, or (limited=False) those exempt, as
    (method, the path with the spec's example values)."""
    for operation in operations(plain_app()):
        if (429 in operation.statuses) == limited:
            url = example_url(operation)
            yield pytest.param(operation.method, url, id=operation.operation_id)


def assert_rate_limited(response) -> None:
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["RateLimit-Remaining"] == "0"
    for name in ("RateLimit-Limit", "RateLimit-Reset"):
        assert int(response.headers[name]) > 0


@pytest.mark.parametrize(("method", "path"), list(_operations(limited=True)))
def test_every_operation_answers_429_past_its_limit(tmp_path, method, path):
    client = _limited_app(
        tmp_path, RATELIMIT_DEFAULT="1 per minute", LOGIN_RATE_LIMIT="1 per minute"
    ).test_client()
    first = client.open(path, method=method)
    assert first.status_code != 429
    assert_rate_limited(client.open(path, method=method))


@pytest.mark.parametrize(("method", "path"), list(_operations(limited=False)))
def test_operations_without_a_declared_429_are_never_limited(tmp_path, method, path):
    client = _limited_app(tmp_path, RATELIMIT_DEFAULT="1 per minute").test_client()
    statuses = {client.open(path, method=method).status_code for _ in range(3)}
    assert statuses == {200}


def test_only_the_probes_and_metrics_are_exempt():
    exempt = {param.id for param in _operations(limited=False)}
    assert exempt == {"getLiveness", "getReadiness", "getMetrics"}


def test_login_limit_is_tighter_than_the_default(tmp_path):
    client = _limited_app(tmp_path, LOGIN_RATE_LIMIT="2 per minute").test_client()
    wrong = {"username": "nobody", "password": "wrong password"}
    assert [client.post("/api/v1/tokens", json=wrong).status_code for _ in range(2)] == [401, 401]
    assert_rate_limited(client.post("/api/v1/tokens", json=wrong))
    assert client.get("/api/v1/resources").status_code == 200


def _redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        service_missing(f"Redis unreachable at {REDIS_URL}: {error}")
    finally:
        client.close()
    return REDIS_URL


def _close_storage(app) -> None:
    app.extensions["rate_limiter"].storage.storage.close()


def test_limit_is_shared_by_workers_through_redis(tmp_path):
    # Two apps stand for two gunicorn workers; a fresh prefix keeps runs apart.
    shared = {
        "RATELIMIT_STORAGE_URI": _redis_url(),
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "RATELIMIT_DEFAULT": "2 per minute",
    }
    workers = [_limited_app(tmp_path, **shared) for _ in range(2)]
    first, second = (worker.test_client() for worker in workers)
    assert first.get("/api/v1/resources").status_code == 200
    assert second.get("/api/v1/resources").status_code == 200
    assert_rate_limited(first.get("/api/v1/resources"))
    for worker in workers:
        _close_storage(worker)


@pytest.fixture
def app_with_redis_down(tmp_path):
    # Built before caplog starts capturing: the migration's logging set-up would undo it.
    unreachable = "redis://127.0.0.1:9/0"
    return _limited_app(
        tmp_path, RATELIMIT_STORAGE_URI=unreachable, RATELIMIT_DEFAULT="1 per minute"
    )


def test_unreachable_redis_fails_open_and_is_logged(app_with_redis_down, caplog):
    app = app_with_redis_down
    with caplog.at_level(logging.ERROR):
        statuses = [app.test_client().get("/api/v1/resources").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert "rate limit" in caplog.text.lower()
