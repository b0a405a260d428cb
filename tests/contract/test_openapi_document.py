"""The committed OpenAPI document is what the code generates, and it is well formed."""

import json

import pytest
from openapi_spec_validator import validate

from service import create_app
from service.cli import spec_json
from tests.assertions import SPEC_PATH
from tests.conftest import TEST_SETTINGS

REGENERATE = "make openapi"
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    db = tmp_path_factory.mktemp("spec") / "unused.sqlite3"
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}"})
    with app.app_context():
        return json.loads(spec_json())


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_committed_document_equals_generated(generated):
    committed = json.loads(SPEC_PATH.read_text())
    assert committed == generated, f"openapi/openapi.json is stale: run `{REGENERATE}`"


def test_served_document_equals_committed(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == json.loads(SPEC_PATH.read_text())


def test_document_is_valid_openapi_3_1(generated):
    assert generated["openapi"] == "3.1.0"
    validate(generated)


def test_every_operation_has_summary_and_readable_operation_id(generated):
    ids = [op["operationId"] for _, _, op in operations(generated)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(generated):
        assert op.get("summary"), f"{method} {path} has no summary"
        assert op["operationId"][0].islower() and op["operationId"].isalnum(), op["operationId"]


def test_no_default_response_and_one_success_code(generated):
    for path, method, op in operations(generated):
        codes = set(op["responses"])
        assert "default" not in codes, f"{method} {path}"
        successes = [code for code in codes if code.startswith("2")]
        assert len(successes) == 1, f"{method} {path}: {successes}"


def test_every_error_response_is_the_problem_document(generated):
    responses = generated["components"]["responses"]
    for path, method, op in operations(generated):
        for code, response in op["responses"].items():
            if int(code) < 400:
                continue
            ref = response["$ref"].rsplit("/", 1)[-1]
            content = responses[ref]["content"]
            assert list(content) == ["application/problem+json"], f"{method} {path} {code}"
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_secured_operations_declare_401_and_bodies_declare_400_415_422(generated):
    for path, method, op in operations(generated):
        if op.get("security"):
            assert "401" in op["responses"], f"{method} {path}"
        if "requestBody" in op:
            assert {"400", "413", "415", "422"} <= set(op["responses"]), f"{method} {path}"


def test_unauthorized_response_requires_www_authenticate(generated):
    headers = generated["components"]["responses"]["UNAUTHORIZED"]["headers"]
    assert headers["WWW-Authenticate"]["required"] is True


def test_created_responses_declare_location(generated):
    for path, method, op in operations(generated):
        if "201" in op["responses"]:
            assert op["responses"]["201"]["headers"]["Location"]["required"] is True, (
                f"{method} {path}"
            )


# The legacy /api/data route takes any JSON object, by design (size and depth capped).
OPEN_SCHEMAS = {"JsonObject"}


def test_request_schemas_refuse_unknown_fields(generated):
    for name, schema in generated["components"]["schemas"].items():
        assert schema.get("additionalProperties") is (name in OPEN_SCHEMAS), name


def test_links_point_at_operations_and_their_parameters(generated):
    by_id = {
        operation["operationId"]: (path, operation) for path, _, operation in operations(generated)
    }
    links = [
        (operation["operationId"], link)
        for _, _, operation in operations(generated)
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 13, (
        "the stateful phase needs the links from POST /users, /tokens, /resources"
    )
    for source, link in links:
        path, target = by_id[link["operationId"]]
        declared = {parameter["name"] for parameter in target.get("parameters", [])}
        declared |= {
            parameter["name"] for parameter in generated["paths"][path].get("parameters", [])
        }
        named = {name.split(".", 1)[-1] for name in link.get("parameters", {})}
        assert named <= declared, (source, link)
        if "requestBody" in link:
            body_schema = target["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            properties = generated["components"]["schemas"][body_schema.split("/")[-1]][
                "properties"
            ]
            assert set(link["requestBody"]) <= set(properties), (source, link)
