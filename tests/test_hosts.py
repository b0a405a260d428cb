"""What reaches an answer from the request's Host: nothing. A request for a host the server
does not serve is refused with a problem document (400, declared on every operation), and
no answer is a redirect built from the Host."""

import pytest

from tests.assertions import assert_problem
from tests.conftest import TEST_SETTINGS, migrated_app
from tests.operations import example_url, operations, plain_app

OPERATIONS = operations(plain_app())


@pytest.fixture(scope="module")
def served_for_one_host(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hosts")
    app = migrated_app(f"sqlite:///{folder}/hosts.sqlite3", **TEST_SETTINGS)
    app.config["TRUSTED_HOSTS"] = ["api.example.com"]
    return app.test_client()


@pytest.mark.parametrize("operation", [pytest.param(op, id=op.operation_id) for op in OPERATIONS])
def test_a_host_the_server_does_not_serve_is_refused(served_for_one_host, operation):
    url = example_url(operation)
    response = served_for_one_host.open(
        url, method=operation.method, headers={"Host": "evil.example"}
    )
    problem = assert_problem(response, 400)
    assert "evil.example" not in response.headers.get("Location", "")
    assert problem["instance"] == url


def test_the_host_served_is_answered(served_for_one_host):
    response = served_for_one_host.get("/health/live", headers={"Host": "api.example.com"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1//users", "//api/v1/users", "/api/v1/resources//1"])
def test_a_doubled_slash_is_not_found_never_a_redirect(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert_problem(response, 404)
    assert "Location" not in response.headers
