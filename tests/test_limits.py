"""Rate limits: 429 problem documents with Retry-After and RateLimit-*, on every operation."""

import logging
import os
import socket
import sys
import time
import uuid

import pytest
import redis

from service import create_app
from service.unavailable import RETRY_AFTER_SECONDS
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
        tmp_path, RATELIMIT_DEFAULT="1 per minute", ACCOUNT_RATE_LIMIT="1 per minute"
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


def test_account_routes_share_one_tight_limit_per_client(tmp_path):
    # Each of these hashes a password or tells whether a name or an address is taken: one
    # budget for all of them, so a client cannot spread a flood over the routes.
    client = _limited_app(tmp_path, ACCOUNT_RATE_LIMIT="4 per minute").test_client()
    credentials = {"username": "sam", "password": "correct horse battery"}
    assert client.post("/api/v1/users", json=credentials).status_code == 201
    token = client.post("/api/v1/tokens", json=credentials).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    taken = client.post("/userSignUp", data={"username": "sam", "password": "x" * 12})
    assert taken.status_code == 409
    change = {"current_password": "wrong password", "new_password": "another long one"}
    assert client.put("/api/v1/users/me/password", json=change, headers=headers).status_code == 403
    assert_rate_limited(client.patch("/api/v1/users/me", json={}, headers=headers))
    assert_rate_limited(client.post("/api/v1/tokens", json=credentials))
    # The default limit still governs the other routes.
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200


def test_rate_limit_headers_count_seconds_and_retry_after_only_on_429(tmp_path):
    client = _limited_app(tmp_path, RATELIMIT_DEFAULT="2 per minute").test_client()
    ok = client.get("/api/v1/resources")
    assert ok.status_code == 200
    assert "Retry-After" not in ok.headers
    assert (ok.headers["RateLimit-Limit"], ok.headers["RateLimit-Remaining"]) == ("2", "1")
    # Seconds until the window resets, not a time: at most the window's 60.
    assert 0 < int(ok.headers["RateLimit-Reset"]) <= 60
    client.get("/api/v1/resources")
    refused = client.get("/api/v1/resources")
    assert_rate_limited(refused)
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_503_keeps_its_own_retry_after_while_limited(tmp_path):
    app = _limited_app(tmp_path, RATELIMIT_DEFAULT="100 per minute")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:////nonexistent-folder/down.sqlite3"
    down = create_app({**app.config, "SQLALCHEMY_ENGINE_OPTIONS": {}})
    response = down.test_client().get("/api/v1/users/sam")
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_login_limit_is_tighter_than_the_default(tmp_path):
    client = _limited_app(tmp_path, ACCOUNT_RATE_LIMIT="2 per minute").test_client()
    wrong = {"username": "nobody", "password": "wrong password"}
    assert [client.post("/api/v1/tokens", json=wrong).status_code for _ in range(2)] == [401, 401]
    assert_rate_limited(client.post("/api/v1/tokens", json=wrong))
    assert client.get("/api/v1/resources").status_code == 200


def _redis_url() -> str:
    """REDIS_URL if a Redis answers there within a second; else skip (or fail)."""
    # A read timeout too: a host that accepts and never answers must not hang the test.
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        service_missing(f"Redis unreachable at {REDIS_URL}: {error}")
    finally:
        client.close()
    return REDIS_URL


def test_redis_that_never_answers_is_missing_within_a_second(monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        monkeypatch.setattr(sys.modules[__name__], "REDIS_URL", url)
        started = time.monotonic()
        with pytest.raises((pytest.skip.Exception, pytest.fail.Exception), match="unreachable"):
            _redis_url()
    assert time.monotonic() - started < 3


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
