"""Races against gunicorn + PostgreSQL, each repeated 20 times: one winner, no 500; and
one rate limit shared by every worker through Redis.

Requests leave together (a barrier) from as many threads as there are racers, to a server
with as many workers, so they really meet in the database.
"""

import json
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import PASSWORD, _throwaway_postgres_database
from tests.fuzz import live
from tests.test_limits import _redis_url

REPEATS = 20
WORKERS = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    admin_engine, name, url = _throwaway_postgres_database()
    log_path = tmp_path_factory.mktemp("races") / "gunicorn.log"
    try:
        with live.gunicorn(url, log_path, SERVICE_WORKERS=str(WORKERS)) as base_url:
            yield base_url
        assert live.guard_violations(log_path) == []
    finally:
        with admin_engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_engine.dispose()


def call(base_url: str, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base_url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def together(*requests) -> list[int]:
    """Send the requests at the same moment; their statuses, in order."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        barrier.wait()
        return request()[0]

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def bearer(server: str, username: str) -> dict:
    assert (
        call(server, "POST", "/api/v1/users", {"username": username, "password": PASSWORD})[0]
        == 201
    )
    request = urllib.request.Request(
        server + "/api/v1/tokens",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        token = json.loads(response.read())["access_token"]
    return {"Authorization": f"Bearer {token}"}


def create(server: str, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        server + "/api/v1/resources",
        data=json.dumps({"name": "Notes"}).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["id"], response.headers["ETag"]


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_parallel_signups_of_one_name_make_one_account(server, attempt):
    username = f"racer-{attempt}"
    sign_up = {"username": username, "password": PASSWORD}
    statuses = together(*[lambda: call(server, "POST", "/api/v1/users", sign_up)] * 20)
    assert sorted(statuses) == [201] + [409] * 19
    assert call(server, "GET", f"/api/v1/users/{username}")[0] == 200


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_parallel_patches_with_one_if_match_have_one_winner(server, attempt):
    owner = bearer(server, f"patcher-{attempt}")
    resource_id, etag = create(server, owner)
    path = f"/api/v1/resources/{resource_id}"
    headers = {**owner, "If-Match": etag}
    statuses = together(
        *[lambda n=n: call(server, "PATCH", path, {"name": f"v{n}"}, headers) for n in range(10)]
    )
    assert sorted(statuses) == [200] + [412] * 9
    status, response_headers = call(server, "GET", path, headers=owner)
    assert (status, response_headers["ETag"]) == (200, '"v2"')


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_delete_racing_update_ends_consistent(server, attempt):
    owner = bearer(server, f"deleter-{attempt}")
    resource_id, _ = create(server, owner)
    path = f"/api/v1/resources/{resource_id}"
    deleted, updated = together(
        lambda: call(server, "DELETE", path, headers=owner),
        lambda: call(server, "PATCH", path, {"name": "late"}, owner),
    )
    # Either the delete wins (the update then finds nothing, or loses its version check),
    # or the update wins and the delete, having read the older version, is told so (or,
    # reading after the update, deletes the new version).
    assert (deleted, updated) in {(204, 200), (204, 404), (204, 409), (409, 200)}, (
        deleted,
        updated,
    )
    expected = 404 if deleted == 204 else 200
    assert call(server, "GET", path, headers=owner)[0] == expected


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_logout_racing_use_of_the_token(server, attempt):
    owner = bearer(server, f"leaver-{attempt}")
    statuses = together(
        lambda: call(server, "DELETE", "/api/v1/tokens/current", headers=owner),
        lambda: call(server, "GET", "/api/v1/users/me", headers=owner),
    )
    assert statuses[0] == 204
    assert statuses[1] in (200, 401), statuses
    assert call(server, "GET", "/api/v1/users/me", headers=owner)[0] == 401


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_grant_racing_revoke_ends_consistent(server, attempt):
    owner = bearer(server, f"granter-{attempt}")
    reader = bearer(server, f"grantee-{attempt}")
    resource_id, _ = create(server, owner)
    grant = f"/api/v1/resources/{resource_id}/grants/grantee-{attempt}"
    statuses = together(
        lambda: call(server, "PUT", grant, {"role": "reader"}, owner),
        lambda: call(server, "DELETE", grant, headers=owner),
    )
    assert statuses[0] == 200
    assert statuses[1] in (204, 404), statuses
    visible = call(server, "GET", f"/api/v1/resources/{resource_id}", headers=reader)[0]
    # Revoked after the grant: invisible; revoke came first (404): the grant stands.
    assert visible == (404 if statuses[1] == 204 else 200)


@pytest.fixture
def limited_server(tmp_path):
    """The same app with a real limit of 5 requests a minute, counted in Redis."""
    redis_url = _redis_url()
    admin_engine, name, url = _throwaway_postgres_database()
    settings = {
        "SERVICE_WORKERS": str(WORKERS),
        "SERVICE_RATE_LIMITS": "1",
        "SERVICE_RATE_LIMIT": "5 per minute",
        "REDIS_URL": redis_url,
        "SERVICE_RATE_LIMIT_PREFIX": f"race-{uuid.uuid4().hex}",
    }
    try:
        with live.gunicorn(url, tmp_path / "gunicorn.log", **settings) as base_url:
            yield base_url
    finally:
        with admin_engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_engine.dispose()


@pytest.mark.postgresql
def test_rate_limit_holds_across_workers_through_redis(limited_server):
    statuses = together(*[lambda: call(limited_server, "GET", "/api/v1/resources")] * 20)
    assert sorted(statuses) == [200] * 5 + [429] * 15
