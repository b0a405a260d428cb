"""Every bad-input case of the corpus, against every operation of the spec it applies to: a
declared 4xx problem document (the contract guard fails undeclared ones), never a 5xx,
nothing stored.

The cells are derived from the spec (tests/operations.py): body cases for every operation
that takes a body, bad ids and names for every path parameter by its type, bad values for
every query parameter the spec constrains. Bodies and query strings are refused while they
are parsed, before any stored data is read: those cells run on one database.
"""

from urllib.parse import quote

import pytest

from tests.assertions import assert_json, assert_problem
from tests.bad_input.corpus import (
    BAD_INTEGER_IDS,
    BAD_NAMES,
    BAD_QUERY_VALUE,
    BODY_CASES,
    OVERSIZED_REQUEST_ID,
    REQUEST_CASES,
    RESOURCE_BODY_CASES,
    BodyCase,
    RequestCase,
)
from tests.conftest import SQLITE
from tests.operations import Operation, component_schema, operations, plain_app
from tests.security.rows import row_counts
from tests.world import OWNER, SUBJECTS, World

OPERATIONS = operations(plain_app())
RESOURCE_FIELDS = {"name", "description", "data", "visibility"}


class BadInputWorld(World):
    """The cast and their shared things; what a refused request must leave as it was."""

    def __post_init__(self):
        super().__post_init__()
        for operation in OPERATIONS:  # every shared thing and token, before the snapshot
            self.path_values(operation)
            self.actor_headers(operation)
        self.stored = self.snapshot()

    def snapshot(self) -> dict:
        resource = self.resource()
        again = self.client.get(f"/api/v1/resources/{resource['id']}", headers=self.token(OWNER))
        return {"rows": row_counts(self.app), "resource": assert_json(again, 200, "Resource")}

    def assert_unchanged(self) -> None:
        assert self.snapshot() == self.stored, "a refused request changed what is stored"


@pytest.fixture(scope="module")
def world(app):
    world = BadInputWorld(app)
    yield world
    world.clear()


def _headers(world: World, operation: Operation) -> dict:
    return dict(world.actor_headers(operation))


def _takes_a_resource(operation: Operation) -> bool:
    return component_schema(operation.body_schema).get("properties", {}).keys() >= RESOURCE_FIELDS


def _accepts_any_object(operation: Operation) -> bool:
    return not component_schema(operation.body_schema).get("properties")


def _body_cells():
    cells = []
    for operation in filter(lambda op: op.takes_body, OPERATIONS):
        cases = BODY_CASES + (RESOURCE_BODY_CASES if _takes_a_resource(operation) else [])
        cells += [
            pytest.param(case, operation, id=f"{operation.operation_id}-{case.name}")
            for case in cases
            if not (case.any_object_accepts and _accepts_any_object(operation))
        ]
    return cells


def _path_cells():
    """Each path parameter, in turn, given each bad value of its type."""
    cells = []
    for operation in OPERATIONS:
        for parameter in operation.parameters:
            if parameter["in"] != "path":
                continue
            bad = BAD_INTEGER_IDS if parameter["schema"]["type"] == "integer" else BAD_NAMES
            cells += [
                pytest.param(
                    operation, parameter["name"], value, id=f"{operation.operation_id}-{kind}"
                )
                for kind, value in bad.items()
            ]
    return cells


def _constrained(parameter: dict) -> bool:
    schema = parameter["schema"]
    return schema["type"] == "integer" or "enum" in schema or "pattern" in schema


def _query_cells():
    return [
        pytest.param(
            operation, parameter["name"], id=f"{operation.operation_id}-{parameter['name']}"
        )
        for operation in OPERATIONS
        for parameter in operation.query_parameters
        if _constrained(parameter)
    ]


@pytest.mark.parametrize("app", [SQLITE], indirect=True)
@pytest.mark.parametrize(("case", "operation"), _body_cells())
def test_bad_body_refused_with_problem(world, case: BodyCase, operation: Operation):
    headers = _headers(world, operation)
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    url = operation.url(world.path_values(operation))
    response = world.client.open(url, method=operation.method, data=case.data, headers=headers)
    assert_problem(response, case.status)
    world.assert_unchanged()


@pytest.mark.parametrize(("operation", "name", "value"), _path_cells())
def test_bad_path_value_not_found(world, operation: Operation, name: str, value: str):
    values = world.path_values(operation)
    wide = "".join(chr(0xFF10 + int(digit)) for digit in values[name] if digit.isdigit())
    values[name] = value.replace("{wide}", quote(wide)).replace("{value}", values[name])
    response = world.client.open(
        operation.url(values), method=operation.method, headers=_headers(world, operation)
    )
    assert_problem(response, 404)
    world.assert_unchanged()


@pytest.mark.parametrize("app", [SQLITE], indirect=True)
@pytest.mark.parametrize(("operation", "name"), _query_cells())
def test_bad_query_value_unprocessable(world, operation: Operation, name: str):
    url = f"{operation.url(world.path_values(operation))}?{name}={BAD_QUERY_VALUE}"
    response = world.client.open(url, method=operation.method, headers=_headers(world, operation))
    assert name in assert_problem(response, 422)["errors"]
    world.assert_unchanged()


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in REQUEST_CASES])
def test_bad_request_refused_with_problem(world, case: RequestCase):
    headers = dict(world.token(OWNER)) if case.authenticated else {}
    headers.update(case.headers)
    url = case.path.replace("{id}", str(world.resource()["id"]))
    response = world.client.open(url, method=case.method, headers=headers)
    if case.status < 400:
        assert_json(response, case.status)
    else:
        assert_problem(response, case.status)
    if case.status == 405:
        assert response.headers["Allow"]
    world.assert_unchanged()


def test_oversized_request_id_not_echoed(world):
    headers = {**world.token(OWNER), "X-Request-ID": OVERSIZED_REQUEST_ID}
    response = world.client.get("/api/v1/users/me", headers=headers)
    assert assert_json(response, 200, "User")["username"] == OWNER
    assert len(response.headers["X-Request-ID"]) <= 200


def missing_cells(found: list[Operation]) -> list[str]:
    """Operations the corpus cannot reach: a path parameter no builder fills, or one of a
    type the corpus has no bad values for."""
    missing = []
    for operation in found:
        for parameter in operation.parameters:
            if parameter["in"] != "path":
                continue
            if parameter["name"] not in SUBJECTS:
                missing.append(f"{operation.operation_id}: no builder for {parameter['name']}")
            if parameter["schema"].get("type") not in ("integer", "string"):
                missing.append(f"{operation.operation_id}: no bad values for {parameter['name']}")
    return missing


def test_every_operation_gets_its_bad_input_cells():
    assert missing_cells(OPERATIONS) == []
    with_body = {op.operation_id for op in OPERATIONS if op.takes_body}
    assert with_body == {cell.values[1].operation_id for cell in _body_cells()}
