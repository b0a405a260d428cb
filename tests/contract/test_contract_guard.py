"""Break a route on purpose and check that it is caught: by the contract guard, by the
status-coverage report, and by schemathesis (the mutation tests of the contract checks)."""

import json
from collections import Counter
from types import SimpleNamespace

import pytest
import schemathesis
from flask import request
from schemathesis.core.failures import FailureGroup

from service.contract_guard import response_checked
from tests.assertions import SPEC_PATH
from tests.conftest import TEST_SETTINGS, make_caller, migrated_app
from tests.plugins import contract as contract_plugin
from tests.plugins.contract import count_conforming, coverage_report


def _set_status(status):
    def change(response):
        response.status_code = status

    return change


def _drop_header(name):
    def change(response):
        del response.headers[name]

    return change


def _set_content_type(value):
    def change(response):
        response.headers["Content-Type"] = value

    return change


def _drop_field(name):
    def change(response):
        body = json.loads(response.get_data())
        del body[name]
        response.set_data(json.dumps(body))

    return change


# (name, request, how the response is broken, what the guard must say)
MUTATIONS = [
    ("201 answered as 200", ("POST", "/api/v1/resources"), _set_status(200), "status: 200"),
    ("undeclared 403", ("GET", "/api/v1/users/olivia"), _set_status(403), "status: 403"),
    (
        "problem served as HTML",
        ("GET", "/api/v1/resources/999"),
        _set_content_type("text/html; charset=utf-8"),
        "text/html",
    ),
    ("201 without Location", ("POST", "/api/v1/resources"), _drop_header("Location"), "Location"),
    (
        "401 without WWW-Authenticate",
        ("GET", "/api/v1/users/me", "anonymous"),
        _drop_header("WWW-Authenticate"),
        "WWW-Authenticate",
    ),
    ("405 without Allow", ("TRACE", "/api/v1/users"), _drop_header("Allow"), "Allow"),
    (
        "body missing a field",
        ("GET", "/api/v1/users/olivia"),
        _drop_field("created_at"),
        "created_at",
    ),
    (
        "JSON served as HTML",
        ("GET", "/api/v1/users/olivia"),
        _set_content_type("text/html; charset=utf-8"),
        "text/html",
    ),
]


@pytest.fixture
def mutable_app(tmp_path):
    return migrated_app(f"sqlite:///{tmp_path}/mutant.sqlite3", **TEST_SETTINGS)


def break_route(app, method: str, path: str, change) -> None:
    """Make one route answer differently from its declaration, as a local bug would."""

    @app.after_request
    def mutate(response):
        if request.method == method and request.path == path:
            change(response)
        return response


def _send(client, caller, method, path, *flags):
    headers = {} if "anonymous" in flags else caller.headers
    body = {"name": "Notes"} if method == "POST" else None
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize(
    ("mutated_request", "change", "expected"),
    [pytest.param(*mutation[1:], id=mutation[0]) for mutation in MUTATIONS],
)
def test_guard_rejects_a_broken_route(
    mutable_app, contract_violations, mutated_request, change, expected
):
    method, path, *flags = mutated_request
    break_route(mutable_app, method, path, change)
    client = mutable_app.test_client()
    caller = make_caller(client, "olivia")

    _send(client, caller, method, path, *flags)

    [checked] = contract_violations
    assert (checked.method, checked.path) == (method, path)
    message = checked.describe()
    assert expected in message, message
    contract_violations.clear()


def test_status_coverage_reports_a_status_no_longer_produced(mutable_app, contract_violations):
    counts = {}

    def count(sender, checked):
        count_conforming(counts, checked)

    break_route(mutable_app, "POST", "/api/v1/resources", _set_status(200))
    response_checked.connect(count, sender=mutable_app)
    try:
        client = mutable_app.test_client()
        _send(client, make_caller(client, "olivia"), "POST", "/api/v1/resources")
    finally:
        response_checked.disconnect(count, sender=mutable_app)
    contract_violations.clear()

    assert ("createUser", "201") in counts, "conforming answers of the same app are counted"
    report = coverage_report(json.loads(SPEC_PATH.read_text()), counts)
    assert "createResource 201" in report["missing"]


def test_automatic_options_and_head_conform(client, contract_violations):
    options = client.options("/api/v1/resources")
    assert options.status_code == 204
    assert set(options.headers["Allow"].split(", ")) >= {"GET", "POST", "OPTIONS"}
    assert "Content-Type" not in options.headers
    head = client.head("/api/v1/resources")
    assert head.status_code == 200
    assert head.mimetype == "application/json"
    assert contract_violations == []


def test_schemathesis_reports_a_201_answered_as_200(mutable_app, contract_violations):
    break_route(mutable_app, "POST", "/api/v1/resources", _set_status(200))
    caller = make_caller(mutable_app.test_client(), "olivia")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", mutable_app)
    operation = schema.find_operation_by_id("createResource")
    case = operation.Case(
        body={"name": "Notes"}, media_type="application/json", headers=caller.headers
    )

    with pytest.raises(FailureGroup) as failures:
        case.call_and_validate()

    codes = {failure.code for failure in failures.value.exceptions}
    assert "ST103" in codes, failures.value  # undocumented status code
    contract_violations.clear()


def test_counts_of_parallel_workers_are_added_up(monkeypatch):
    # Under pytest-xdist each worker hands its counts to the controller as it finishes.
    counts = Counter({("getUser", "200"): 1})
    monkeypatch.setattr(contract_plugin, "produced", counts)
    worker = SimpleNamespace(
        workeroutput={"produced": [("getUser", "200", 2), ("getUser", "404", 1)]}
    )
    contract_plugin.pytest_testnodedown(worker, None)
    assert counts == {("getUser", "200"): 3, ("getUser", "404"): 1}
