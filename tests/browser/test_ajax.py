"""jQuery's $.ajax from another origin: the callback the status promises fires, every time.

Success statuses fire `success`; every error fires `error` with the problem document in
`xhr.responseJSON`, and the exposed headers are readable from the script.
"""

import json

import pytest

from tests.browser.conftest import ACCOUNT_LIMIT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RESOURCES = "/api/v1/resources"


@pytest.fixture
def ajax(page, servers):
    page.goto(f"{servers.page}/ajax.html")

    def call(path, **options):
        return page.evaluate(
            "([api, options]) => window.call(api, options)",
            [servers.api, {"path": path, "ajax": options}],
        )

    return call


def bearer(account) -> dict:
    return {"Authorization": f"Bearer {account.token}"}


def create(ajax, account, **fields) -> dict:
    result = ajax(
        RESOURCES,
        type="POST",
        data=json.dumps({"name": "Notes", **fields}),
        headers=bearer(account),
    )
    assert (result["callback"], result["status"]) == ("success", 201), result
    return result


def assert_error(result, status: int) -> dict:
    assert (result["callback"], result["status"]) == ("error", status), result
    assert result["headers"]["Content-Type"] == "application/problem+json"
    problem = result["json"]
    assert problem["status"] == status and problem["title"] and problem["type"]
    assert problem["request_id"] == result["headers"]["X-Request-ID"]
    return problem


def test_201_success_with_location_and_etag_readable(ajax, accounts):
    result = create(ajax, accounts["alice"])
    assert result["json"]["name"] == "Notes"
    assert result["headers"]["Location"] == f"{RESOURCES}/{result['json']['id']}"
    assert result["headers"]["ETag"] == '"v1"'


def test_200_and_304_success(ajax, accounts):
    url = create(ajax, accounts["alice"])["headers"]["Location"]
    read = ajax(url, headers=bearer(accounts["alice"]))
    assert (read["callback"], read["status"], read["json"]["version"]) == ("success", 200, 1)
    again = ajax(
        url, headers={**bearer(accounts["alice"]), "If-None-Match": read["headers"]["ETag"]}
    )
    assert (again["callback"], again["status"]) == ("success", 304)


def test_204_success(ajax, accounts):
    url = create(ajax, accounts["alice"])["headers"]["Location"]
    result = ajax(url, type="DELETE", headers=bearer(accounts["alice"]))
    assert (result["callback"], result["status"]) == ("success", 204)


def test_401_error_with_problem(ajax):
    assert_error(ajax(f"{RESOURCES}/1", type="DELETE"), 401)


def test_403_error_with_problem(ajax, accounts):
    url = create(ajax, accounts["bob"], visibility="public")["headers"]["Location"]
    change = json.dumps({"name": "Mine now"})
    result = ajax(url, type="PATCH", data=change, headers=bearer(accounts["alice"]))
    assert_error(result, 403)


def test_404_error_with_problem(ajax, accounts):
    result = ajax(f"{RESOURCES}/999999", headers=bearer(accounts["alice"]))
    assert "not found" in assert_error(result, 404)["detail"]


def test_409_error_with_problem(ajax, accounts):
    taken = json.dumps({"username": "alice", "password": "another password"})
    assert_error(ajax("/api/v1/users", type="POST", data=taken), 409)


def test_412_error_with_problem(ajax, accounts):
    url = create(ajax, accounts["alice"])["headers"]["Location"]
    headers = {**bearer(accounts["alice"]), "If-Match": '"v0"'}
    result = ajax(url, type="PATCH", data=json.dumps({"name": "Late"}), headers=headers)
    assert_error(result, 412)


def test_415_error_with_problem(ajax, accounts):
    result = ajax(
        RESOURCES,
        type="POST",
        data="name=Notes",
        contentType="text/plain",
        headers=bearer(accounts["alice"]),
    )
    assert_error(result, 415)


def test_422_error_with_field_errors(ajax, accounts):
    body = json.dumps({"name": "Notes", "owner": "bob"})
    result = ajax(RESOURCES, type="POST", data=body, headers=bearer(accounts["alice"]))
    assert "owner" in assert_error(result, 422)["errors"]


def test_429_error_with_retry_after_readable(ajax, accounts):
    wrong = json.dumps({"username": "alice", "password": "wrong password"})
    results = [ajax("/api/v1/tokens", type="POST", data=wrong) for _ in range(ACCOUNT_LIMIT)]
    assert [result["status"] for result in results][-1] == 429, results
    problem_result = results[-1]
    assert_error(problem_result, 429)
    assert int(problem_result["headers"]["Retry-After"]) > 0


def test_origin_not_allowed_is_refused_by_the_browser(page, servers):
    # Same page, other origin (localhost is not on the allowlist): the browser blocks it.
    page.goto(servers.page.replace("127.0.0.1", "localhost") + "/ajax.html")
    result = page.evaluate(
        "([api, options]) => window.call(api, options)",
        [servers.api, {"path": RESOURCES, "ajax": {}}],
    )
    assert (result["callback"], result["status"]) == ("error", 0)
