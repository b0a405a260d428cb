"""Every declared error of every route is produced, as a problem document.

The table below holds one recipe per (operation, status) the spec declares; a test checks
that the table and the spec list exactly the same pairs, so a new declared error needs a
recipe here and a recipe for an undeclared error fails.
"""

import json
from contextlib import nullcontext

import pytest

from tests.assertions import SPEC_PATH, assert_problem
from tests.conftest import PASSWORD, concurrent_write, log_in, make_caller

MISSING = 999_999
STALE = '"v0"'
HUGE = b'{"name": "' + b"x" * 70_000 + b'"}'


class World:
    """An owner with a private resource shared with a reader, a stranger, an admin."""

    def __init__(self, client, app):
        self.client = client
        self.owner = make_caller(client, "olivia")
        self.reader = make_caller(client, "rita")
        self.stranger = make_caller(client, "sven")
        result = app.test_cli_runner().invoke(args=["create-admin", "root", "--password", PASSWORD])
        assert result.exit_code == 0
        response = client.post("/api/v1/resources", json={"name": "N"}, headers=self.owner.headers)
        self.resource_id = response.get_json()["id"]
        url = f"/api/v1/resources/{self.resource_id}/grants/rita"
        client.put(url, json={"role": "reader"}, headers=self.owner.headers)

    def token(self, username: str, scope: str | None = None) -> dict:
        return {"Authorization": f"Bearer {log_in(self.client, username, scope)}"}


def body(raw: bytes | str, content_type: str) -> dict:
    return {"data": raw, "content_type": content_type}


MALFORMED = body(b'{"broken": ', "application/json")
TOO_LARGE = body(HUGE, "application/json")
WRONG_TYPE = body(b"plain text", "text/plain")
UNKNOWN_FIELD = {"json": {"unknown_field": True}}
BAD_TOKEN = {"Authorization": "Bearer not-a-token"}

USERS = "/api/v1/users"
TOKENS = "/api/v1/tokens"
ME = f"{USERS}/me"
PASSWORD_URL = f"{ME}/password"


def res(w: World, resource_id=None) -> str:
    return f"/api/v1/resources/{resource_id or w.resource_id}"


# (operationId, status) -> (method, url(world), request kwargs(world))
RECIPES = {
    ("listUsers", 401): ("GET", lambda w: USERS, lambda w: {}),
    ("listUsers", 403): ("GET", lambda w: USERS, lambda w: {"headers": w.owner.headers}),
    ("createUser", 400): ("POST", lambda w: USERS, lambda w: MALFORMED),
    ("createUser", 409): (
        "POST",
        lambda w: USERS,
        lambda w: {"json": {"username": "olivia", "password": PASSWORD}},
    ),
    ("createUser", 413): ("POST", lambda w: USERS, lambda w: TOO_LARGE),
    ("createUser", 415): ("POST", lambda w: USERS, lambda w: WRONG_TYPE),
    ("createUser", 422): ("POST", lambda w: USERS, lambda w: UNKNOWN_FIELD),
    ("getCurrentUser", 401): ("GET", lambda w: ME, lambda w: {}),
    ("getCurrentUser", 403): (
        "GET",
        lambda w: ME,
        lambda w: {"headers": w.token("olivia", "resources:read")},
    ),
    ("updateCurrentUser", 400): (
        "PATCH",
        lambda w: ME,
        lambda w: {**MALFORMED, "headers": w.owner.headers},
    ),
    ("updateCurrentUser", 401): ("PATCH", lambda w: ME, lambda w: {"json": {}}),
    ("updateCurrentUser", 403): (
        "PATCH",
        lambda w: ME,
        lambda w: {"json": {}, "headers": w.token("olivia", "resources:write")},
    ),
    ("updateCurrentUser", 409): ("PATCH", lambda w: ME, lambda w: _email_clash(w)),
    ("updateCurrentUser", 413): (
        "PATCH",
        lambda w: ME,
        lambda w: {**TOO_LARGE, "headers": w.owner.headers},
    ),
    ("updateCurrentUser", 415): (
        "PATCH",
        lambda w: ME,
        lambda w: {**WRONG_TYPE, "headers": w.owner.headers},
    ),
    ("updateCurrentUser", 422): (
        "PATCH",
        lambda w: ME,
        lambda w: {**UNKNOWN_FIELD, "headers": w.owner.headers},
    ),
    ("deleteCurrentUser", 401): ("DELETE", lambda w: ME, lambda w: {"headers": BAD_TOKEN}),
    ("deleteCurrentUser", 403): (
        "DELETE",
        lambda w: ME,
        lambda w: {"headers": w.token("olivia", "resources:read")},
    ),
    ("deleteCurrentUser", 409): ("DELETE", lambda w: ME, lambda w: {"headers": w.token("root")}),
    ("changePassword", 400): (
        "PUT",
        lambda w: PASSWORD_URL,
        lambda w: {**MALFORMED, "headers": w.owner.headers},
    ),
    ("changePassword", 401): ("PUT", lambda w: PASSWORD_URL, lambda w: {"json": {}}),
    ("changePassword", 403): (
        "PUT",
        lambda w: PASSWORD_URL,
        lambda w: {
            "json": {"current_password": "wrong!", "new_password": "long enough"},
            "headers": w.owner.headers,
        },
    ),
    ("changePassword", 413): (
        "PUT",
        lambda w: PASSWORD_URL,
        lambda w: {**TOO_LARGE, "headers": w.owner.headers},
    ),
    ("changePassword", 415): (
        "PUT",
        lambda w: PASSWORD_URL,
        lambda w: {**WRONG_TYPE, "headers": w.owner.headers},
    ),
    ("changePassword", 422): (
        "PUT",
        lambda w: PASSWORD_URL,
        lambda w: {**UNKNOWN_FIELD, "headers": w.owner.headers},
    ),
    ("getUser", 404): ("GET", lambda w: f"{USERS}/nobody", lambda w: {}),
    ("deleteUser", 401): ("DELETE", lambda w: f"{USERS}/sven", lambda w: {}),
    ("deleteUser", 403): (
        "DELETE",
        lambda w: f"{USERS}/sven",
        lambda w: {"headers": w.owner.headers},
    ),
    ("deleteUser", 404): (
        "DELETE",
        lambda w: f"{USERS}/nobody",
        lambda w: {"headers": w.token("root")},
    ),
    ("deleteUser", 409): (
        "DELETE",
        lambda w: f"{USERS}/root",
        lambda w: {"headers": w.token("root")},
    ),
    ("createToken", 400): ("POST", lambda w: TOKENS, lambda w: MALFORMED),
    ("createToken", 401): (
        "POST",
        lambda w: TOKENS,
        lambda w: {"json": {"username": "olivia", "password": "wrong"}},
    ),
    ("createToken", 413): ("POST", lambda w: TOKENS, lambda w: TOO_LARGE),
    ("createToken", 415): ("POST", lambda w: TOKENS, lambda w: WRONG_TYPE),
    ("createToken", 422): ("POST", lambda w: TOKENS, lambda w: UNKNOWN_FIELD),
    ("getCurrentToken", 401): ("GET", lambda w: f"{TOKENS}/current", lambda w: {}),
    ("deleteCurrentToken", 401): ("DELETE", lambda w: f"{TOKENS}/current", lambda w: {}),
    ("listResources", 401): (
        "GET",
        lambda w: "/api/v1/resources",
        lambda w: {"headers": BAD_TOKEN},
    ),
    ("listResources", 403): (
        "GET",
        lambda w: "/api/v1/resources",
        lambda w: {"headers": w.token("olivia", "profile")},
    ),
    ("listResources", 422): ("GET", lambda w: "/api/v1/resources?page_size=0", lambda w: {}),
    ("createResource", 400): (
        "POST",
        lambda w: "/api/v1/resources",
        lambda w: {**MALFORMED, "headers": w.owner.headers},
    ),
    ("createResource", 401): (
        "POST",
        lambda w: "/api/v1/resources",
        lambda w: {"json": {"name": "N"}},
    ),
    ("createResource", 403): (
        "POST",
        lambda w: "/api/v1/resources",
        lambda w: {"json": {"name": "N"}, "headers": w.token("olivia", "resources:read")},
    ),
    ("createResource", 413): (
        "POST",
        lambda w: "/api/v1/resources",
        lambda w: {**TOO_LARGE, "headers": w.owner.headers},
    ),
    ("createResource", 415): (
        "POST",
        lambda w: "/api/v1/resources",
        lambda w: {**WRONG_TYPE, "headers": w.owner.headers},
    ),
    ("createResource", 422): (
        "POST",
        lambda w: "/api/v1/resources",
        lambda w: {**UNKNOWN_FIELD, "headers": w.owner.headers},
    ),
    ("getResource", 401): ("GET", res, lambda w: {"headers": BAD_TOKEN}),
    ("getResource", 403): ("GET", res, lambda w: {"headers": w.token("olivia", "profile")}),
    ("getResource", 404): ("GET", res, lambda w: {"headers": w.stranger.headers}),
    ("updateResource", 400): ("PATCH", res, lambda w: {**MALFORMED, "headers": w.owner.headers}),
    ("updateResource", 401): ("PATCH", res, lambda w: {"json": {"name": "X"}}),
    ("updateResource", 403): (
        "PATCH",
        res,
        lambda w: {"json": {"name": "X"}, "headers": w.reader.headers},
    ),
    ("updateResource", 404): (
        "PATCH",
        lambda w: res(w, MISSING),
        lambda w: {"json": {"name": "X"}, "headers": w.owner.headers},
    ),
    ("updateResource", 409): (
        "PATCH",
        res,
        lambda w: {"json": {"name": "X"}, "headers": w.owner.headers},
    ),
    ("updateResource", 413): ("PATCH", res, lambda w: {**TOO_LARGE, "headers": w.owner.headers}),
    ("updateResource", 415): ("PATCH", res, lambda w: {**WRONG_TYPE, "headers": w.owner.headers}),
    ("updateResource", 422): (
        "PATCH",
        res,
        lambda w: {**UNKNOWN_FIELD, "headers": w.owner.headers},
    ),
    ("updateResource", 412): (
        "PATCH",
        res,
        lambda w: {"json": {"name": "X"}, "headers": {**w.owner.headers, "If-Match": STALE}},
    ),
    ("deleteResource", 412): (
        "DELETE",
        res,
        lambda w: {"headers": {**w.owner.headers, "If-Match": STALE}},
    ),
    ("deleteResource", 401): ("DELETE", res, lambda w: {}),
    ("deleteResource", 403): ("DELETE", res, lambda w: {"headers": w.reader.headers}),
    ("deleteResource", 409): ("DELETE", res, lambda w: {"headers": w.owner.headers}),
    ("deleteResource", 404): ("DELETE", res, lambda w: {"headers": w.stranger.headers}),
    ("listGrants", 401): ("GET", lambda w: f"{res(w)}/grants", lambda w: {}),
    ("listGrants", 403): (
        "GET",
        lambda w: f"{res(w)}/grants",
        lambda w: {"headers": w.reader.headers},
    ),
    ("listGrants", 404): (
        "GET",
        lambda w: f"{res(w, MISSING)}/grants",
        lambda w: {"headers": w.owner.headers},
    ),
    ("putGrant", 400): (
        "PUT",
        lambda w: f"{res(w)}/grants/sven",
        lambda w: {**MALFORMED, "headers": w.owner.headers},
    ),
    ("putGrant", 401): (
        "PUT",
        lambda w: f"{res(w)}/grants/sven",
        lambda w: {"json": {"role": "reader"}},
    ),
    ("putGrant", 403): (
        "PUT",
        lambda w: f"{res(w)}/grants/sven",
        lambda w: {"json": {"role": "reader"}, "headers": w.reader.headers},
    ),
    ("putGrant", 404): (
        "PUT",
        lambda w: f"{res(w)}/grants/nobody",
        lambda w: {"json": {"role": "reader"}, "headers": w.owner.headers},
    ),
    ("putGrant", 409): (
        "PUT",
        lambda w: f"{res(w)}/grants/olivia",
        lambda w: {"json": {"role": "reader"}, "headers": w.owner.headers},
    ),
    ("putGrant", 413): (
        "PUT",
        lambda w: f"{res(w)}/grants/sven",
        lambda w: {**TOO_LARGE, "headers": w.owner.headers},
    ),
    ("putGrant", 415): (
        "PUT",
        lambda w: f"{res(w)}/grants/sven",
        lambda w: {**WRONG_TYPE, "headers": w.owner.headers},
    ),
    ("putGrant", 422): (
        "PUT",
        lambda w: f"{res(w)}/grants/sven",
        lambda w: {"json": {"role": "god"}, "headers": w.owner.headers},
    ),
    ("deleteGrant", 401): ("DELETE", lambda w: f"{res(w)}/grants/rita", lambda w: {}),
    ("deleteGrant", 403): (
        "DELETE",
        lambda w: f"{res(w)}/grants/rita",
        lambda w: {"headers": w.reader.headers},
    ),
    ("deleteGrant", 404): (
        "DELETE",
        lambda w: f"{res(w)}/grants/sven",
        lambda w: {"headers": w.owner.headers},
    ),
}

# Produced by another writer changing the resource between its load and its write.
LEGACY_SIGN_UP = "/userSignUp"
LEGACY_DETAILS = "/userDetails"
LEGACY_DATA = "/api/data"


def legacy_res(w: World, resource_id=None) -> str:
    return f"/api/resource/{resource_id or w.resource_id}"


def _owner(extra: dict):
    return lambda w: {**extra, "headers": w.owner.headers}


LEGACY_RECIPES = {
    ("legacySignUp", 400): ("POST", lambda w: LEGACY_SIGN_UP, lambda w: MALFORMED),
    ("legacySignUp", 409): (
        "POST",
        lambda w: LEGACY_SIGN_UP,
        lambda w: {"data": {"username": "olivia", "password": PASSWORD}},
    ),
    ("legacySignUp", 413): ("POST", lambda w: LEGACY_SIGN_UP, lambda w: TOO_LARGE),
    ("legacySignUp", 415): ("POST", lambda w: LEGACY_SIGN_UP, lambda w: WRONG_TYPE),
    ("legacySignUp", 422): (
        "POST",
        lambda w: LEGACY_SIGN_UP,
        lambda w: {"data": {"username": "x1y"}},
    ),
    ("legacyUserDetails", 400): ("POST", lambda w: LEGACY_DETAILS, _owner(MALFORMED)),
    ("legacyUserDetails", 401): (
        "POST",
        lambda w: LEGACY_DETAILS,
        lambda w: {"data": {"username": "olivia"}},
    ),
    ("legacyUserDetails", 403): (
        "POST",
        lambda w: LEGACY_DETAILS,
        _owner({"data": {"username": "rita", "firstname": "Not", "lastname": "Me"}}),
    ),
    ("legacyUserDetails", 413): ("POST", lambda w: LEGACY_DETAILS, _owner(TOO_LARGE)),
    ("legacyUserDetails", 415): ("POST", lambda w: LEGACY_DETAILS, _owner(WRONG_TYPE)),
    ("legacyUserDetails", 422): (
        "POST",
        lambda w: LEGACY_DETAILS,
        _owner({"data": {"nickname": "x"}}),
    ),
    ("legacyPostData", 400): ("POST", lambda w: LEGACY_DATA, _owner(MALFORMED)),
    ("legacyPostData", 401): ("POST", lambda w: LEGACY_DATA, lambda w: {"json": {}}),
    ("legacyPostData", 413): ("POST", lambda w: LEGACY_DATA, _owner(TOO_LARGE)),
    ("legacyPostData", 415): ("POST", lambda w: LEGACY_DATA, _owner(WRONG_TYPE)),
    ("legacyPostData", 422): ("POST", lambda w: LEGACY_DATA, _owner({"json": [1, 2]})),
    ("legacyGetResource", 401): ("GET", legacy_res, lambda w: {"headers": BAD_TOKEN}),
    ("legacyGetResource", 403): (
        "GET",
        legacy_res,
        lambda w: {"headers": w.token("olivia", "profile")},
    ),
    ("legacyGetResource", 404): ("GET", legacy_res, lambda w: {"headers": w.stranger.headers}),
}
RECIPES.update(LEGACY_RECIPES)


RACES = {("updateResource", 409), ("deleteResource", 409)}


def _email_clash(w: World) -> dict:
    w.client.patch(ME, json={"email": "rita@example.com"}, headers=w.reader.headers)
    return {"json": {"email": "rita@example.com"}, "headers": w.owner.headers}


def declared_errors() -> set[tuple[str, int]]:
    spec = json.loads(SPEC_PATH.read_text())
    return {
        (op["operationId"], int(code))
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
        for code in op["responses"]
        if int(code) >= 400
    }


# Produced elsewhere, each needing an app of its own: 503 on every operation while the
# database is down (tests/test_database_unavailable.py, tests/test_health.py), and 429 on
# every operation (tests/test_limits.py).
PRODUCED_ELSEWHERE = {(operation, 503) for operation, status in declared_errors() if status == 503}


def test_every_declared_error_has_a_recipe():
    declared = {
        (operation, status)
        for operation, status in declared_errors()
        if status != 429 and (operation, status) not in PRODUCED_ELSEWHERE
    }
    assert set(RECIPES) - declared == set(), "recipes for undeclared errors"
    assert declared - set(RECIPES) == set(), "declared errors without a recipe"


@pytest.mark.parametrize(("operation", "status"), sorted(RECIPES), ids=lambda v: str(v))
def test_declared_error_is_a_problem_document(app, client, operation, status):
    world = World(client, app)
    method, url, kwargs = RECIPES[(operation, status)]
    race = concurrent_write() if (operation, status) in RACES else nullcontext()
    with race:
        response = client.open(url(world), method=method, **kwargs(world))
    assert_problem(response, status)
