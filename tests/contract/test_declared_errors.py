"""Every declared error of every operation is produced, as a problem document.

The recipes are derived from what each operation declares (tests/operations.py): 401 from
its authentication, 403 from its scopes or admin rule, 404 from the things its path names,
400/413/415/422 from its body or query, 409 and 412 from its versioned write. Errors that
depend on stored data (a taken name, the last administrator) have a recipe of their own in
`STORED_DATA`. A declared error no recipe produces fails `test_every_declared_error_has_a_recipe`.

429 (tests/test_limits.py), 503 (tests/test_database_unavailable.py) and the 400 of a
request for a Host the server does not serve (tests/test_hosts.py) need apps of their own
and are produced there, for every operation; so is the 409 of an Idempotency-Key whose
first request is still being served (tests/routes/test_idempotency.py, PostgreSQL).
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

import pytest

from tests.assertions import assert_problem
from tests.conftest import PASSWORD, SQLITE, concurrent_write
from tests.operations import Operation, example_body, operations, plain_app
from tests.world import ADMIN, ALL_SCOPES, OWNER, READER, SUBJECTS, World

# Answered before any stored data is read: run on one database.
PARSE_STATUSES = {400, 413, 415, 422}
# Answered from what is stored: run on every database.
STORED_STATUSES = {401, 403, 404, 409, 412}
ELSEWHERE = {429, 503}
STALE = '"v0"'
BAD_TOKEN = {"Authorization": "Bearer not-a-token"}
MALFORMED = {"data": b'{"broken": ', "content_type": "application/json"}
TOO_LARGE = {"data": b'{"name": "' + b"x" * 70_000 + b'"}', "content_type": "application/json"}
WRONG_TYPE = {"data": b"plain text", "content_type": "text/plain"}
NOT_AN_OBJECT = {"json": []}


@dataclass(frozen=True)
class Request:
    url: str
    kwargs: dict = field(default_factory=dict)
    race: bool = False  # another writer changes the row between its read and its write


Recipe = Callable[[World, Operation], Request]


def _body(world: World, operation: Operation, body: dict) -> Request:
    headers = world.actor_headers(operation)
    return Request(operation.url(world.path_values(operation)), {**body, "headers": headers})


def _invalid_query(operation: Operation) -> str | None:
    """A query string one of the declared query parameters refuses."""
    for parameter in operation.query_parameters:
        schema = parameter["schema"]
        if "minimum" in schema:
            return f"{parameter['name']}={schema['minimum'] - 1}"
        if "enum" in schema:
            return f"{parameter['name']}=not-one-of-them"
    return None


def _change(world: World, operation: Operation) -> dict:
    """A valid body that changes what the write targets."""
    if not operation.takes_body:
        return {}
    return {"json": example_body(operation, changing=True)}


def derived_recipe(operation: Operation, status: int) -> Recipe | None:
    """How to make the operation answer `status`, from what it declares; None if it cannot
    be derived."""
    if status in (400, 413, 415) and operation.takes_body:
        body = {400: MALFORMED, 413: TOO_LARGE, 415: WRONG_TYPE}[status]
        return lambda w, op: _body(w, op, body)
    if status == 400 and (operation.versioned_write or operation.conditional_read):
        header = "If-Match" if operation.versioned_write else "If-None-Match"
        return lambda w, op: Request(
            op.url(w.path_values(op)),
            {"headers": {**w.actor_headers(op), header: "v1"}, **_change(w, op)},
        )
    if status == 422 and operation.takes_body:
        return lambda w, op: _body(w, op, NOT_AN_OBJECT)
    if status == 422 and _invalid_query(operation):
        return lambda w, op: Request(
            f"{op.url(w.path_values(op))}?{_invalid_query(op)}",
            {"headers": w.actor_headers(op)},
        )
    if status == 401 and operation.authentication is not None:
        headers = BAD_TOKEN if operation.anonymous_allowed else {}
        return lambda w, op: Request(op.url(w.path_values(op)), {"headers": headers})
    if status == 403 and set(operation.scopes) < ALL_SCOPES:
        other = " ".join(sorted(ALL_SCOPES - set(operation.scopes)))
        return lambda w, op: Request(
            op.url(w.path_values(op)), {"headers": w.token(OWNER, other), **_change(w, op)}
        )
    if status == 403 and operation.admin_only:
        return lambda w, op: Request(op.url(w.path_values(op)), {"headers": w.token(OWNER)})
    if status == 404 and operation.accesses:
        parameter = operation.accesses[0][0].parameter
        return lambda w, op: Request(
            op.url({**w.path_values(op), parameter: SUBJECTS[parameter].missing}),
            {"headers": w.actor_headers(op), **_change(w, op)},
        )
    if status == 412 and operation.versioned_write:
        return lambda w, op: Request(
            op.url(w.path_values(op)),
            {"headers": {**w.actor_headers(op), "If-Match": STALE}, **_change(w, op)},
        )
    if status == 409 and operation.versioned_write:
        return lambda w, op: Request(
            op.url(w.path_values(op)),
            {"headers": w.actor_headers(op), **_change(w, op)},
            race=True,
        )
    return None


def _email_clash(w: World, op: Operation) -> Request:
    w.client.patch("/api/v1/users/me", json={"email": "rita@example.com"}, headers=w.token(READER))
    return Request(op.path, {"json": {"email": "rita@example.com"}, "headers": w.token(OWNER)})


def _taken_name(form: bool) -> Recipe:
    credentials = {"username": OWNER, "password": PASSWORD}
    return lambda w, op: Request(op.path, {"data" if form else "json": credentials})


# Errors that depend on what is stored, not on what the operation declares.
STORED_DATA: dict[tuple[str, int], Recipe] = {
    ("createUser", 409): _taken_name(form=False),
    ("legacySignUp", 409): _taken_name(form=True),
    ("createToken", 401): lambda w, op: Request(
        op.path, {"json": {"username": OWNER, "password": "wrong password"}}
    ),
    ("updateCurrentUser", 409): _email_clash,
    ("deleteCurrentUser", 409): lambda w, op: Request(op.path, {"headers": w.token(ADMIN)}),
    ("deleteUser", 409): lambda w, op: Request(
        op.url({"username": ADMIN}), {"headers": w.token(ADMIN)}
    ),
    ("putGrant", 409): lambda w, op: Request(
        op.url({**w.path_values(op), "username": OWNER}),
        {"json": {"role": "reader"}, "headers": w.token(OWNER)},
    ),
    ("deleteGrant", 404): lambda w, op: Request(
        op.url({**w.path_values(op), "username": ADMIN}), {"headers": w.token(OWNER)}
    ),
}


def recipe(operation: Operation, status: int) -> Recipe | None:
    return STORED_DATA.get((operation.operation_id, status)) or derived_recipe(operation, status)


def _produced_elsewhere(operation: Operation) -> set[int]:
    # Every operation's 400 is at least the one for an untrusted Host.
    return ELSEWHERE | {400} | ({409} if operation.idempotent else set())


def missing_recipes(found: list[Operation]) -> list[str]:
    """The declared errors no recipe produces, and path parameters no builder fills."""
    missing = []
    for operation in found:
        for name in operation.path_parameters:
            if name not in SUBJECTS:
                missing.append(
                    f"{operation.operation_id}: no builder for {{{name}}} (tests/world.py)"
                )
        missing += [
            f"{operation.operation_id} {status}"
            for status in sorted(operation.errors - _produced_elsewhere(operation))
            if recipe(operation, status) is None
        ]
    return missing


def _cells(found: list[Operation], statuses: set[int]) -> list:
    return [
        pytest.param(operation, status, id=f"{operation.operation_id}-{status}")
        for operation in found
        for status in sorted(operation.errors & statuses)
        if recipe(operation, status) is not None
    ]


OPERATIONS = operations(plain_app())


def test_every_declared_error_has_a_recipe():
    assert missing_recipes(OPERATIONS) == []


@pytest.fixture(scope="module")
def world(app):
    world = World(app)
    yield world
    world.clear()


def _produce(world: World, operation: Operation, status: int) -> None:
    made = recipe(operation, status)
    if made is None:
        pytest.fail(f"no recipe for {operation.operation_id} {status}")
    request = made(world, operation)
    with concurrent_write() if request.race else nullcontext():
        response = world.client.open(request.url, method=operation.method, **request.kwargs)
    assert_problem(response, status)


@pytest.mark.parametrize(("operation", "status"), _cells(OPERATIONS, STORED_STATUSES))
def test_declared_error_is_a_problem_document(world, operation, status):
    _produce(world, operation, status)


@pytest.mark.parametrize("app", [SQLITE], indirect=True)
@pytest.mark.parametrize(("operation", "status"), _cells(OPERATIONS, PARSE_STATUSES))
def test_declared_parsing_error_is_a_problem_document(world, operation, status):
    _produce(world, operation, status)


def test_every_declared_error_is_one_of_the_tested_kinds():
    kinds = PARSE_STATUSES | STORED_STATUSES | ELSEWHERE
    assert {status for op in OPERATIONS for status in op.errors} <= kinds
