"""The spec gate: no breaking change against the released spec without a major version bump."""

import copy
import json
from pathlib import Path

import pytest

from tests.spec.breaking_changes import (
    ACCEPTED_CHANGES,
    HOW_TO_PROCEED,
    accepted_changes,
    breaking_changes,
    gate,
    main,
    resolve,
)

ROOT = Path(__file__).resolve().parents[2]
CURRENT = ROOT / "openapi" / "openapi.json"
RELEASED = ROOT / "openapi" / "released" / "openapi.json"


@pytest.fixture(scope="module")
def released() -> dict:
    return json.loads(RELEASED.read_text(encoding="utf-8"))


@pytest.fixture
def spec(released) -> dict:
    """A copy of the released spec for a test to edit."""
    return copy.deepcopy(released)


def operation(spec: dict, operation_id: str) -> dict:
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise LookupError(operation_id)


def parameter(spec: dict, operation_id: str, name: str) -> dict:
    return next(p for p in operation(spec, operation_id)["parameters"] if p["name"] == name)


def request_schema(spec: dict, operation_id: str) -> dict:
    """The request body's component schema: editing it edits every operation that uses it."""
    body = operation(spec, operation_id)["requestBody"]
    return resolve(spec, body["content"]["application/json"]["schema"])


def response_schema(spec: dict, operation_id: str, status: str) -> dict:
    response = resolve(spec, operation(spec, operation_id)["responses"][status])
    return resolve(spec, response["content"]["application/json"]["schema"])


def test_current_spec_keeps_released_contract(released):
    current = json.loads(CURRENT.read_text(encoding="utf-8"))
    accepted = accepted_changes(ACCEPTED_CHANGES, current["info"]["version"])
    passes, findings = gate(released, current, accepted)
    listed = "\n".join(f"  - {finding}" for finding in findings)
    assert passes, (
        f"Breaking changes against openapi/released/openapi.json:\n{listed}\n{HOW_TO_PROCEED}"
    )


def remove_operation(spec):
    del spec["paths"]["/api/v1/resources/{resource_id}"]["delete"]


def remove_response_code(spec):
    del operation(spec, "getResource")["responses"]["404"]


def replace_created_with_ok(spec):
    responses = operation(spec, "createResource")["responses"]
    responses["200"] = responses.pop("201")


def make_request_field_required(spec):
    request_schema(spec, "createResource")["required"].append("description")


def add_required_request_field(spec):
    schema = request_schema(spec, "createResource")
    schema["properties"]["color"] = {"type": "string"}
    schema["required"].append("color")


def add_required_query_parameter(spec):
    new = {"in": "query", "name": "tenant", "required": True, "schema": {"type": "string"}}
    operation(spec, "listResources")["parameters"].append(new)


def make_query_parameter_required(spec):
    parameter(spec, "listResources", "page")["required"] = True


def remove_query_parameter(spec):
    params = operation(spec, "listResources")["parameters"]
    params.remove(parameter(spec, "listResources", "owner"))


def change_response_property_type(spec):
    response_schema(spec, "getResource", "200")["properties"]["id"]["type"] = "string"


def make_response_property_nullable(spec):
    response_schema(spec, "getResource", "200")["properties"]["name"]["type"] = ["string", "null"]


def change_query_parameter_type(spec):
    parameter(spec, "listResources", "page")["schema"]["type"] = "string"


def change_path_parameter_type(spec):
    path_item = spec["paths"]["/api/v1/resources/{resource_id}"]
    path_item["parameters"][0]["schema"] = {"type": "string"}


def change_request_field_type(spec):
    request_schema(spec, "createResource")["properties"]["name"]["type"] = "integer"


def narrow_request_enum(spec):
    request_schema(spec, "createResource")["properties"]["visibility"]["enum"] = ["private"]


def remove_request_field(spec):
    del request_schema(spec, "updateResource")["properties"]["data"]


def remove_response_property(spec):
    schema = response_schema(spec, "getResource", "200")
    del schema["properties"]["owner"]
    schema["required"].remove("owner")


def make_response_property_optional(spec):
    response_schema(spec, "getResource", "200")["required"].remove("owner")


def remove_required_response_header(spec):
    del operation(spec, "createResource")["responses"]["201"]["headers"]["Location"]


BREAKING_EDITS = [
    (remove_operation, "removed operation DELETE /api/v1/resources/{resource_id} (deleteResource)"),
    (remove_response_code, "GET /api/v1/resources/{resource_id}: response 404 removed"),
    (replace_created_with_ok, "POST /api/v1/resources: response 201 removed"),
    (
        make_request_field_required,
        "POST /api/v1/resources: request body field 'description' is now required",
    ),
    (
        add_required_request_field,
        "POST /api/v1/resources: request body field 'color' is new and required",
    ),
    (
        add_required_query_parameter,
        "GET /api/v1/resources: query parameter 'tenant' is new and required",
    ),
    (
        make_query_parameter_required,
        "GET /api/v1/resources: query parameter 'page' is now required",
    ),
    (remove_query_parameter, "GET /api/v1/resources: query parameter 'owner' removed"),
    (
        change_response_property_type,
        "GET /api/v1/resources/{resource_id}: response 200 field 'id' changed type "
        "integer -> string",
    ),
    (
        make_response_property_nullable,
        "GET /api/v1/resources: response 200 field '[].name' changed type string -> null | string",
    ),
    (
        change_query_parameter_type,
        "GET /api/v1/resources: query parameter 'page' changed type integer -> string",
    ),
    (
        change_path_parameter_type,
        "DELETE /api/v1/resources/{resource_id}: path parameter 'resource_id' changed type "
        "integer -> string",
    ),
    (
        change_request_field_type,
        "POST /api/v1/resources: request body field 'name' changed type string -> integer",
    ),
    (
        narrow_request_enum,
        "POST /api/v1/resources: request body field 'visibility' no longer accepts 'public'",
    ),
    (
        remove_request_field,
        "PATCH /api/v1/resources/{resource_id}: request body field 'data' is no longer accepted",
    ),
    (
        remove_response_property,
        "GET /api/v1/resources/{resource_id}: response 200 field 'owner' removed",
    ),
    (
        make_response_property_optional,
        "PATCH /api/v1/resources/{resource_id}: response 200 field 'owner' is no longer always "
        "present",
    ),
    (
        remove_required_response_header,
        "POST /api/v1/resources: response 201 header 'Location' removed",
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), BREAKING_EDITS, ids=lambda v: getattr(v, "__name__", None)
)
def test_breaking_edit_reported(released, spec, edit, expected):
    edit(spec)
    findings = breaking_changes(released, spec)
    assert expected in findings
    assert gate(released, spec) == (False, findings)


def add_operation(spec):
    spec["paths"]["/api/v1/tags"] = {
        "get": {"operationId": "listTags", "responses": {"200": {"description": "OK"}}}
    }


def add_optional_request_field(spec):
    request_schema(spec, "createResource")["properties"]["color"] = {"type": "string"}


def add_optional_query_parameter(spec):
    new = {"in": "query", "name": "color", "required": False, "schema": {"type": "string"}}
    operation(spec, "listResources")["parameters"].append(new)


def add_response_code(spec):
    operation(spec, "getResource")["responses"]["410"] = {
        "$ref": "#/components/responses/NOT_FOUND"
    }


def add_response_property(spec):
    response_schema(spec, "getResource", "200")["properties"]["color"] = {"type": "string"}


def change_descriptions_and_summaries(spec):
    operation(spec, "createResource")["summary"] = "Make a resource"
    operation(spec, "listResources")["description"] = "A page of resources."
    response_schema(spec, "getResource", "200")["properties"]["data"]["description"] = "JSON."


def relax_required_request_field(spec):
    request_schema(spec, "createResource")["required"].remove("name")


def make_request_field_nullable(spec):
    request_schema(spec, "createResource")["properties"]["description"]["type"] = [
        "string",
        "null",
    ]


def make_response_property_not_nullable(spec):
    response_schema(spec, "getCurrentUser", "200")["properties"]["email"]["type"] = "string"


def widen_request_enum(spec):
    enum = request_schema(spec, "createResource")["properties"]["visibility"]["enum"]
    enum.append("internal")


NON_BREAKING_EDITS = [
    add_operation,
    add_optional_request_field,
    add_optional_query_parameter,
    add_response_code,
    add_response_property,
    change_descriptions_and_summaries,
    relax_required_request_field,
    make_request_field_nullable,
    make_response_property_not_nullable,
    widen_request_enum,
]


@pytest.mark.parametrize("edit", NON_BREAKING_EDITS, ids=lambda edit: edit.__name__)
def test_non_breaking_edit_not_reported(released, spec, edit):
    edit(spec)
    assert spec != released
    assert breaking_changes(released, spec) == []


def test_breaking_edit_with_major_bump_passes(released, spec):
    remove_response_code(spec)
    spec["info"]["version"] = "2.0.0"
    passes, findings = gate(released, spec)
    assert passes
    assert findings == ["GET /api/v1/resources/{resource_id}: response 404 removed"]


def test_breaking_edit_with_minor_bump_fails(released, spec):
    remove_response_code(spec)
    spec["info"]["version"] = "1.1.0"
    assert gate(released, spec) == (
        False,
        ["GET /api/v1/resources/{resource_id}: response 404 removed"],
    )


def _add_operation(spec: dict) -> None:
    spec["paths"]["/api/v1/widgets"] = {
        "get": {"operationId": "listWidgets", "responses": {"200": {"description": "OK"}}}
    }


def test_new_operation_without_a_minor_bump_fails(released, spec):
    _add_operation(spec)
    assert gate(released, spec) == (
        False,
        ["added operation GET /api/v1/widgets (listWidgets) without a minor version bump"],
    )


def test_new_operation_with_a_minor_bump_passes(released, spec):
    _add_operation(spec)
    spec["info"]["version"] = "1.1.0"
    assert gate(released, spec) == (True, [])


def _add_pattern(spec: dict) -> None:
    parameter(spec, "listResources", "owner")["schema"]["pattern"] = "^[a-z]+$"


def test_narrower_request_value_reported(released, spec):
    _add_pattern(spec)
    assert breaking_changes(released, spec) == [
        "GET /api/v1/resources: query parameter 'owner' must now match `^[a-z]+$`"
    ]


def test_accepted_breaking_change_passes_with_a_minor_bump_only(released, spec):
    _add_pattern(spec)
    finding = "GET /api/v1/resources: query parameter 'owner' must now match `^[a-z]+$`"
    assert gate(released, spec, {finding}) == (False, [f"{finding} without a minor version bump"])
    spec["info"]["version"] = "1.1.0"
    assert gate(released, spec, {finding}) == (True, [])
    assert gate(released, spec, set()) == (False, [finding])


def test_accepted_changes_apply_to_their_version_only(tmp_path):
    path = tmp_path / "accepted.json"
    path.write_text(json.dumps({"version": "1.1.0", "accepted": [{"change": "x", "reason": "y"}]}))
    assert accepted_changes(path, "1.1.0") == {"x"}
    assert accepted_changes(path, "1.2.0") == set()


def test_cli_fails_and_says_how_to_proceed(tmp_path, capsys, spec):
    remove_operation(spec)
    edited = tmp_path / "openapi.json"
    edited.write_text(json.dumps(spec), encoding="utf-8")
    assert main([str(RELEASED), str(edited)]) == 1
    out = capsys.readouterr().out
    assert "breaking: removed operation DELETE /api/v1/resources/{resource_id}" in out
    assert "bump the major number of API_SETTINGS['API_VERSION'] in service/config.py" in out


def test_cli_passes_unchanged_spec(capsys):
    assert main([str(RELEASED), str(RELEASED)]) == 0
    assert "no breaking change (1.0.0 -> 1.0.0)" in capsys.readouterr().out
