"""Races against gunicorn + PostgreSQL, each repeated 20 times: one winner, no 500; and
one rate limit shared by every worker through Redis.

Requests leave together (a barrier) from as many threads as there are racers, to a server
with as many workers, so they really meet in the database.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import PASSWORD, throwaway_postgres_database
from tests.fuzz import live
from tests.http_client import bearer, call
from tests.test_limits import _redis_url

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

REPEATS = 20
WORKERS = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("races") / "gunicorn.log"
    with (
        throwaway_postgres_database() as url,
        live.gunicorn(url, log_path, SERVICE_WORKERS=str(WORKERS)) as base_url,
    ):
        yield base_url
    assert live.guard_violations(log_path) == []


def together(*requests) -> list[int]:
    """Send the requests at the same moment; their statuses, in order."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        barrier.wait()
        return request().status

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def create(server: str, headers: dict) -> tuple[int, str]:
    """A new resource of the caller's: its id and ETag."""
    answer = call(server, "POST", "/api/v1/resources", {"name": "Notes"}, headers)
    assert answer.status == 201, answer
    return answer.body["id"], answer.headers["ETag"]


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_parallel_signups_of_one_name_make_one_account(server, attempt):
    username = f"racer-{attempt}"
    sign_up = {"username": username, "password": PASSWORD}
    statuses = together(*[lambda: call(server, "POST", "/api/v1/users", sign_up)] * 20)
    assert sorted(statuses) == [201] + [409] * 19
    assert call(server, "GET", f"/api/v1/users/{username}").status == 200


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_parallel_patches_with_one_if_match_have_one_winner(server, attempt):
    owner = bearer(server, f"patcher-{attempt}", PASSWORD)
    resource_id, etag = create(server, owner)
    path = f"/api/v1/resources/{resource_id}"
    headers = {**owner, "If-Match": etag}
    statuses = together(
        *[lambda n=n: call(server, "PATCH", path, {"name": f"v{n}"}, headers) for n in range(10)]
    )
    assert sorted(statuses) == [200] + [412] * 9
    answer = call(server, "GET", path, headers=owner)
    assert (answer.status, answer.headers["ETag"]) == (200, '"v2"')


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_delete_racing_update_ends_consistent(server, attempt):
    owner = bearer(server, f"deleter-{attempt}", PASSWORD)
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
    assert call(server, "GET", path, headers=owner).status == expected


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_logout_racing_use_of_the_token(server, attempt):
    owner = bearer(server, f"leaver-{attempt}", PASSWORD)
    statuses = together(
        lambda: call(server, "DELETE", "/api/v1/tokens/current", headers=owner),
        lambda: call(server, "GET", "/api/v1/users/me", headers=owner),
    )
    assert statuses[0] == 204
    assert statuses[1] in (200, 401), statuses
    assert call(server, "GET", "/api/v1/users/me", headers=owner).status == 401


@pytest.mark.postgresql
@pytest.mark.parametrize("attempt", range(REPEATS))
def test_grant_racing_revoke_ends_consistent(server, attempt):
    owner = bearer(server, f"granter-{attempt}", PASSWORD)
    reader = bearer(server, f"grantee-{attempt}", PASSWORD)
    resource_id, _ = create(server, owner)
    grant = f"/api/v1/resources/{resource_id}/grants/grantee-{attempt}"
    statuses = together(
        lambda: call(server, "PUT", grant, {"role": "reader"}, owner),
        lambda: call(server, "DELETE", grant, headers=owner),
    )
    assert statuses[0] == 200
    assert statuses[1] in (204, 404), statuses
    visible = call(server, "GET", f"/api/v1/resources/{resource_id}", headers=reader).status
    # Revoked after the grant: invisible; revoke came first (404): the grant stands.
    assert visible == (404 if statuses[1] == 204 else 200)


@pytest.fixture
def limited_server(tmp_path):
    """The same app with a real limit of 5 requests a minute, counted in Redis."""
    settings = {
        "SERVICE_WORKERS": str(WORKERS),
        "SERVICE_RATE_LIMITS": "1",
        "SERVICE_RATE_LIMIT": "5 per minute",
        "REDIS_URL": _redis_url(),
        "SERVICE_RATE_LIMIT_PREFIX": f"race-{uuid.uuid4().hex}",
    }
    with (
        throwaway_postgres_database() as url,
        live.gunicorn(url, tmp_path / "gunicorn.log", **settings) as base_url,
    ):
        yield base_url


@pytest.mark.postgresql
def test_rate_limit_holds_across_workers_through_redis(limited_server):
    statuses = together(*[lambda: call(limited_server, "GET", "/api/v1/resources")] * 20)
    assert sorted(statuses) == [200] * 5 + [429] * 15
