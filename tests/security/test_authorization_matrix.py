"""Who may do what, generated: every operation on an owned thing, run as every kind of caller.

The expected outcome of each cell comes from the rules of DESIGN.md §3 (`expected` below),
applied in the service's order: bad credentials (401), missing scope (403), admin-only
(403), cannot see (404, the very body of a missing id), may see but not do (403), else 2xx.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from service.auth import hash_token
from service.database import db
from service.models import Token
from service.models.types import utcnow
from tests.assertions import assert_json, assert_no_content, assert_problem
from tests.conftest import PASSWORD, _empty_all_tables, log_in, make_caller

ALL_SCOPES = frozenset({"resources:read", "resources:write", "profile"})
MISSING_ID = 999_999_999
RESOURCES = "/api/v1/resources"
ME = "/api/v1/users/me"


@dataclass(frozen=True)
class Kind:
    """A kind of caller: who it is (None: nobody) and what its credentials are worth."""

    name: str
    user: str | None = None
    scopes: frozenset[str] = ALL_SCOPES
    admin: bool = False
    bad_token: bool = False


OWNER = "olivia"
CALLERS = (
    Kind("owner", OWNER),
    Kind("grantee_reader", "rita"),
    Kind("grantee_editor", "eddie"),
    Kind("another_user", "sven"),
    Kind("admin", "root", admin=True),
    Kind("anonymous"),
    Kind("revoked_token", OWNER, bad_token=True),
    Kind("expired_token", OWNER, bad_token=True),
    Kind("forged_token", bad_token=True),
    Kind("read_only_token", OWNER, scopes=frozenset({"resources:read"})),
)
GRANTS = {"rita": "reader", "eddie": "editor"}
# The relation a resource permission needs (service/access.py's Permission, restated).
READ = {"owner", "editor", "reader", "public"}
EDIT = {"owner", "editor"}
OWN = {"owner"}


@dataclass(frozen=True)
class Operation:
    """One operation: its request, what it needs, and what it answers when allowed."""

    name: str
    method: str
    path: str  # {id} is the resource, {user} the account acted on
    scope: str
    success: int
    needs: set[str] | None = None  # relation to the resource; None: not about a resource
    anonymous_allowed: bool = False
    admin_only: bool = False
    body: dict | None = None
    schema: str | None = None


RESOURCE_OPERATIONS = (
    Operation("getResource", "GET", f"{RESOURCES}/{{id}}", "resources:read", 200, READ, True,
              schema="Resource"),
    Operation("updateResource", "PATCH", f"{RESOURCES}/{{id}}", "resources:write", 200, EDIT,
              body={"name": "Changed"}, schema="Resource"),
    Operation("deleteResource", "DELETE", f"{RESOURCES}/{{id}}", "resources:write", 204, OWN),
    Operation("listGrants", "GET", f"{RESOURCES}/{{id}}/grants", "resources:read", 200, OWN,
              schema="Grant"),
    Operation("putGrant", "PUT", f"{RESOURCES}/{{id}}/grants/sven", "resources:write", 200, OWN,
              body={"role": "reader"}, schema="Grant"),
    Operation("deleteGrant", "DELETE", f"{RESOURCES}/{{id}}/grants/rita", "resources:write", 204,
              OWN),
    Operation("legacyGetResource", "GET", "/api/resource/{id}", "resources:read", 200, READ, True,
              schema="Resource"),
)  # fmt: skip
ACCOUNT_OPERATIONS = (
    Operation("getCurrentUser", "GET", ME, "profile", 200, schema="User"),
    Operation("updateCurrentUser", "PATCH", ME, "profile", 200, body={"first_name": "New"},
              schema="User"),
    Operation("changePassword", "PUT", f"{ME}/password", "profile", 204,
              body={"current_password": PASSWORD, "new_password": "another long one"}),
    Operation("deleteCurrentUser", "DELETE", ME, "profile", 204),
    Operation("deleteUser", "DELETE", "/api/v1/users/{user}", "profile", 204, admin_only=True),
)  # fmt: skip
# /users/me names the caller itself: only the account holder's own credentials can reach it.
ME_CALLERS = {
    "owner",
    "anonymous",
    "revoked_token",
    "expired_token",
    "forged_token",
    "read_only_token",
}


def relation(kind: Kind, visibility: str) -> str | None:
    """The caller's relation to the owner's resource, as the service computes it."""
    if kind.user == OWNER:
        return "owner"
    if kind.user in GRANTS:
        return GRANTS[kind.user]
    return "public" if visibility == "public" else None


def expected(operation: Operation, kind: Kind, visibility: str | None) -> tuple[int, str]:
    """The outcome DESIGN.md §3 prescribes: a status and why (the reason names the rule)."""
    if kind.bad_token:
        return 401, "invalid_token"
    if kind.user is None and not operation.anonymous_allowed:
        return 401, "no_credentials"
    if kind.user is not None and operation.scope not in kind.scopes:
        return 403, "insufficient_scope"
    if operation.admin_only and not kind.admin:
        return 403, "not_admin"
    if operation.needs is not None:
        role = relation(kind, visibility)
        if role is None:
            return 404, "cannot_see"
        if role not in operation.needs:
            return 403, "may_see_not_do"
    return operation.success, "allowed"


CELLS = [
    pytest.param(operation, kind, visibility, id=f"{operation.name}-{visibility}-{kind.name}")
    for operation in RESOURCE_OPERATIONS
    for visibility in ("private", "public")
    for kind in CALLERS
] + [
    pytest.param(operation, kind, None, id=f"{operation.name}-{kind.name}")
    for operation in ACCOUNT_OPERATIONS
    for kind in CALLERS
    if operation.admin_only or kind.name in ME_CALLERS
]


class World:
    """The cast, signed up once per database: tokens come from the real log-in route."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        _empty_all_tables(app)
        self.headers = {}
        for username in (OWNER, "rita", "eddie", "sven"):
            self.headers[username] = make_caller(self.client, username).headers
        result = app.test_cli_runner().invoke(args=["create-admin", "root", "--password", PASSWORD])
        assert result.exit_code == 0, result.output
        self.headers["root"] = {"Authorization": f"Bearer {log_in(self.client, 'root')}"}
        self.revoked = self.token(OWNER)
        response = self.client.delete("/api/v1/tokens/current", headers=self.revoked)
        assert response.status_code == 204
        self.expired = self.token(OWNER)
        self.expire(self.expired)
        self.read_only = {OWNER: self.token(OWNER, "resources:read")}
        self.shared = {}

    def token(self, username: str, scope: str | None = None) -> dict:
        return {"Authorization": f"Bearer {log_in(self.client, username, scope)}"}

    def expire(self, headers: dict) -> None:
        secret = headers["Authorization"].removeprefix("Bearer ")
        with self.app.app_context():
            db.session.execute(
                update(Token)
                .where(Token.token_hash == hash_token(secret))
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()

    def headers_of(self, kind: Kind, account: str = OWNER) -> dict:
        special = {
            "anonymous": {},
            "revoked_token": self.revoked,
            "expired_token": self.expired,
            "forged_token": {"Authorization": "Bearer forged-Zm9yZ2VkLXRva2VuLXNlY3JldA"},
            "read_only_token": self.read_only[account],
        }
        if kind.name in special:
            return special[kind.name]
        return self.headers[account if kind.user == OWNER else kind.user]

    def new_resource(self, visibility: str) -> dict:
        response = self.client.post(
            RESOURCES,
            json={"name": "Diary", "visibility": visibility},
            headers=self.headers[OWNER],
        )
        assert response.status_code == 201
        resource = response.get_json()
        for username, role in GRANTS.items():
            url = f"{RESOURCES}/{resource['id']}/grants/{username}"
            assert (
                self.client.put(url, json={"role": role}, headers=self.headers[OWNER]).status_code
                == 200
            )
        return self.read(resource["id"])

    def read(self, resource_id: int) -> dict:
        return self.client.get(f"{RESOURCES}/{resource_id}", headers=self.headers[OWNER]).get_json()

    def resource(self, visibility: str, fresh: bool) -> dict:
        """A resource to act on: a new one when the request may change it, else a shared one."""
        if fresh:
            return self.new_resource(visibility)
        if visibility not in self.shared:
            self.shared[visibility] = self.new_resource(visibility)
        return self.shared[visibility]

    def account(self, fresh: bool) -> str:
        """An account to act on (signing up costs a password hash: shared unless changed)."""
        if fresh or "account" not in self.shared:
            username = f"acct{len(self.headers)}"
            self.headers[username] = make_caller(self.client, username).headers
            self.read_only[username] = self.token(username, "resources:read")
            if fresh:
                return username
            self.shared["account"] = username
        return self.shared["account"]


@pytest.fixture(scope="module")
def world(app):
    world = World(app)
    yield world
    _empty_all_tables(app)


def _send(world: World, operation: Operation, headers: dict, **ids):
    url = operation.path.format(**ids)
    return world.client.open(url, method=operation.method, json=operation.body, headers=headers)


def _without_ids(body: dict, *ids) -> str:
    """A problem body without what differs between two requests: request ids, the path."""
    body = {key: value for key, value in body.items() if key not in {"request_id", "instance"}}
    text = repr(body)
    for value in ids:
        text = re.sub(rf"\b{value}\b", "<id>", text)
    return text


def _assert_outcome(response, operation: Operation, status: int, reason: str) -> dict | None:
    if status == 204:
        assert_no_content(response)
        return None
    if status < 400:
        return assert_json(response, status, operation.schema, many=operation.name == "listGrants")
    problem = assert_problem(response, status)
    challenge = response.headers.get("WWW-Authenticate", "")
    if reason == "invalid_token":
        assert 'error="invalid_token"' in challenge, challenge
    if reason == "insufficient_scope":
        assert 'error="insufficient_scope"' in challenge, challenge
        assert operation.scope in challenge, challenge
    return problem


@pytest.mark.parametrize(("operation", "kind", "visibility"), CELLS)
def test_authorization_matrix_cell(world, operation, kind, visibility):
    status, reason = expected(operation, kind, visibility)
    if operation.needs is None:
        _check_account_cell(world, operation, kind, status, reason)
        return
    changes = status < 400 and operation.method != "GET"
    resource = world.resource(visibility, fresh=changes)
    headers = world.headers_of(kind)
    response = _send(world, operation, headers, id=resource["id"])
    problem = _assert_outcome(response, operation, status, reason)
    if status == 404:
        missing = _send(world, operation, headers, id=MISSING_ID)
        missing_problem = assert_problem(missing, 404)
        assert _without_ids(problem, resource["id"]) == _without_ids(missing_problem, MISSING_ID), (
            "a hidden resource must look exactly like a missing one"
        )
    if status >= 400:
        assert world.read(resource["id"]) == resource, "a refused request changed the resource"


def _check_account_cell(world: World, operation: Operation, kind: Kind, status, reason) -> None:
    account = world.account(fresh=status < 400 and operation.method != "GET")
    before = world.client.get(ME, headers=world.headers[account]).get_json()
    response = _send(world, operation, world.headers_of(kind, account), user=account)
    body = _assert_outcome(response, operation, status, reason)
    if status == 200:
        assert body["username"] == account
    after = world.client.get(f"/api/v1/users/{account}")
    if status >= 400:
        assert world.client.get(ME, headers=world.headers[account]).get_json() == before
    elif operation.method == "DELETE":
        assert_problem(after, 404)


def test_matrix_covers_every_operation_on_an_owned_thing():
    names = {cell.values[0].name for cell in CELLS}
    assert names == {operation.name for operation in RESOURCE_OPERATIONS + ACCOUNT_OPERATIONS}
    statuses = {expected(*cell.values)[0] for cell in CELLS}
    assert {200, 204, 401, 403, 404} <= statuses
