"""Assertions on responses: status, media type and body, checked against the spec."""

import functools
import json
import pathlib

import jsonschema

SPEC_PATH = pathlib.Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
PROBLEM = "application/problem+json"


@functools.cache
def _spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


def _validator(schema_name: str):
    spec = _spec()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_problem(response, status: int, detail: str | None = None) -> dict:
    """An error: the status, problem+json, and a body matching the Problem schema."""
    body_text = response.get_data(as_text=True)
    assert response.status_code == status, body_text
    assert response.mimetype == PROBLEM, response.mimetype
    body = json.loads(body_text)
    _validator("Problem").validate(body)
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    if detail is not None:
        assert detail in body["detail"], body["detail"]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    return body


def assert_json(response, status: int, schema_name: str | None = None, many: bool = False):
    """A success: the status, application/json, and a body matching the named schema."""
    body_text = response.get_data(as_text=True)
    assert response.status_code == status, body_text
    assert response.mimetype == "application/json", response.mimetype
    body = json.loads(body_text)
    if schema_name is not None:
        validator = _validator(schema_name)
        for item in body if many else [body]:
            validator.validate(item)
    return body


def assert_no_content(response) -> None:
    assert response.status_code == 204, response.get_data(as_text=True)
    assert response.get_data() == b""
