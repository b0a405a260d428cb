"""Credentials leak nothing: log-in hides which usernames exist, tokens only ride in headers."""

import statistics
import time

import pytest

from tests.assertions import _spec, assert_json, assert_problem
from tests.conftest import sign_up

TOKENS = "/api/v1/tokens"
ATTEMPTS = 15


def _without_request_ids(problem: dict) -> dict:
    return {key: value for key, value in problem.items() if key not in {"request_id", "instance"}}


def _log_in(client, username: str):
    return client.post(TOKENS, json={"username": username, "password": "not the password"})


def test_login_unknown_user_and_wrong_password_same_status_headers_and_body(client):
    sign_up(client, "sam")
    wrong, unknown = _log_in(client, "sam"), _log_in(client, "ghost")
    assert _without_request_ids(assert_problem(wrong, 401)) == _without_request_ids(
        assert_problem(unknown, 401)
    )
    ignored = {"X-Request-ID", "Date", "Content-Length"}
    assert {k: v for k, v in wrong.headers.items() if k not in ignored} == {
        k: v for k, v in unknown.headers.items() if k not in ignored
    }


def _median_seconds(client, username: str) -> float:
    durations = []
    for _ in range(ATTEMPTS):
        start = time.perf_counter()
        assert _log_in(client, username).status_code == 401
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def test_login_unknown_user_takes_as_long_as_wrong_password(client):
    sign_up(client, "sam")
    _log_in(client, "ghost")  # warm up: the dummy hash is made on first use
    ratio = _median_seconds(client, "ghost") / _median_seconds(client, "sam")
    assert 0.5 <= ratio <= 2.0, f"unknown/known median time ratio {ratio:.2f}"


def _authenticated_get_paths() -> list[str]:
    """Every GET in the spec that requires a bearer token, with its example path values."""
    paths = []
    for path, item in _spec()["paths"].items():
        operation = item.get("get")
        if not operation or not operation.get("security"):
            continue
        if {} in operation["security"]:  # anonymous callers allowed
            continue
        paths.append(path.replace("{resource_id}", "1").replace("{username}", "olivia"))
    return sorted(paths)


AUTHENTICATED_GETS = _authenticated_get_paths()


def test_authenticated_routes_found_in_spec():
    assert "/api/v1/users/me" in AUTHENTICATED_GETS
    assert "/api/v1/resources/1/grants" in AUTHENTICATED_GETS


@pytest.mark.parametrize("parameter", ["access_token", "token", "bearer"])
@pytest.mark.parametrize("path", AUTHENTICATED_GETS)
def test_token_in_query_string_unauthorized(client, owner, create_resource, path, parameter):
    create_resource(owner)
    response = client.get(f"{path}?{parameter}={owner.token}")
    assert_problem(response, 401)
    assert owner.token not in response.get_data(as_text=True)


@pytest.mark.parametrize("parameter", ["access_token", "token"])
def test_token_in_query_string_does_not_reveal_private_resource(
    client, owner, create_resource, parameter
):
    resource_id = create_resource(owner)["id"]
    for path in (f"/api/v1/resources/{resource_id}", f"/api/resource/{resource_id}"):
        assert_problem(client.get(f"{path}?{parameter}={owner.token}"), 404)
    listed = client.get(f"/api/v1/resources?{parameter}={owner.token}")
    assert assert_json(listed, 200, "Resource", many=True) == []
