"""Every bad-input case of the corpus, against every operation it applies to: a declared 4xx
problem document (the contract guard fails undeclared ones), never a 5xx, nothing stored."""

from urllib.parse import quote

import pytest

from tests.assertions import _spec, assert_json, assert_problem
from tests.bad_input.corpus import (
    BODY_CASES,
    OVERSIZED_REQUEST_ID,
    REQUEST_CASES,
    RESOURCE_BODY_CASES,
    BodyCase,
    RequestCase,
)
from tests.conftest import _empty_all_tables, make_caller
from tests.security.rows import row_counts

# (operationId, method, path, needs a token): every operation that takes a body.
BODY_OPERATIONS = [
    ("createUser", "POST", "/api/v1/users", False),
    ("updateCurrentUser", "PATCH", "/api/v1/users/me", True),
    ("changePassword", "PUT", "/api/v1/users/me/password", True),
    ("createToken", "POST", "/api/v1/tokens", False),
    ("createResource", "POST", "/api/v1/resources", True),
    ("updateResource", "PATCH", "/api/v1/resources/{id}", True),
    ("putGrant", "PUT", "/api/v1/resources/{id}/grants/oscar", True),
    ("legacySignUp", "POST", "/userSignUp", False),
    ("legacyUserDetails", "POST", "/userDetails", True),
    ("legacyPostData", "POST", "/api/data", True),
]
RESOURCE_OPERATIONS = [
    op for op in BODY_OPERATIONS if op[0] in {"createResource", "updateResource"}
]


class World:
    """An owner with one resource, and a user to share it with; made once per database."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.build()

    def build(self) -> None:
        _empty_all_tables(self.app)
        self.owner = make_caller(self.client, "olivia")
        make_caller(self.client, "oscar")
        response = self.client.post(
            "/api/v1/resources", json={"name": "Notes"}, headers=self.owner.headers
        )
        self.resource = response.get_json()
        self.rows = row_counts(self.app)

    def rebuild_if_changed(self) -> None:
        """A case that got through (a bug, kept as an xfail) must not spoil the next ones."""
        url = self.url("/api/v1/resources/{id}")
        current = self.client.get(url, headers=self.owner.headers).get_json()
        if row_counts(self.app) != self.rows or current != self.resource:
            self.build()

    def url(self, path: str) -> str:
        resource_id = str(self.resource["id"])
        wide = "".join(chr(0xFF10 + int(digit)) for digit in resource_id)
        return path.replace("{wide_id}", quote(wide)).replace("{id}", resource_id)

    def assert_unchanged(self, before: dict[str, int]) -> None:
        assert row_counts(self.app) == before, "a refused request changed the database"
        url = self.url("/api/v1/resources/{id}")
        again = self.client.get(url, headers=self.owner.headers)
        assert assert_json(again, 200, "Resource") == self.resource


@pytest.fixture(scope="module")
def world(app):
    world = World(app)
    yield world
    _empty_all_tables(app)


@pytest.fixture
def each(world):
    yield world
    world.rebuild_if_changed()


def _xfail(bug: str | None) -> list:
    return [pytest.mark.xfail(strict=True, reason=bug)] if bug else []


def _body_cells(cases, operations):
    return [
        pytest.param(
            case,
            operation,
            id=f"{operation[0]}-{case.name}",
            marks=_xfail(case.bugs.get(operation[0])),
        )
        for case in cases
        for operation in operations
        if not (case.any_object_accepts and operation[0] == "legacyPostData")
    ]


@pytest.mark.parametrize(
    ("case", "operation"),
    _body_cells(BODY_CASES, BODY_OPERATIONS)
    + _body_cells(RESOURCE_BODY_CASES, RESOURCE_OPERATIONS),
)
def test_bad_body_refused_with_problem(each, case: BodyCase, operation):
    world = each
    _, method, path, needs_token = operation
    headers = dict(world.owner.headers) if needs_token else {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    before = row_counts(world.app)
    response = world.client.open(world.url(path), method=method, data=case.data, headers=headers)
    assert_problem(response, case.status)
    world.assert_unchanged(before)


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.name, marks=_xfail(case.bug)) for case in REQUEST_CASES]
)
def test_bad_request_refused_with_problem(each, case: RequestCase):
    world = each
    headers = dict(world.owner.headers) if case.authenticated else {}
    headers.update(case.headers)
    before = row_counts(world.app)
    response = world.client.open(world.url(case.path), method=case.method, headers=headers)
    if case.status < 400:
        assert_json(response, case.status)
    else:
        assert_problem(response, case.status)
    if case.status == 405:
        assert response.headers["Allow"]
    world.assert_unchanged(before)


def test_oversized_request_id_not_echoed(world):
    response = world.client.get(
        "/api/v1/users/me", headers={**world.owner.headers, "X-Request-ID": OVERSIZED_REQUEST_ID}
    )
    assert assert_json(response, 200, "User")["username"] == "olivia"
    assert len(response.headers["X-Request-ID"]) <= 200


def test_corpus_covers_every_operation_with_a_body():
    with_body = {
        operation["operationId"]
        for item in _spec()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "requestBody" in operation
    }
    assert with_body == {operation[0] for operation in BODY_OPERATIONS}
