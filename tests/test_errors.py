"""Werkzeug's own errors and unexpected exceptions are problem documents too."""

import io
import logging

import pytest
from gunicorn.http.errors import ChunkMissingTerminator, InvalidChunkSize, NoMoreData

from tests.assertions import assert_problem
from tests.conftest import TEST_SETTINGS, migrated_app


def test_unknown_path_not_found(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)


def test_wrong_method_keeps_allow_header(client):
    response = client.put("/api/v1/resources")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_body_over_limit_too_large(client):
    response = client.post("/api/v1/users", data=b"x" * 70_000, content_type="application/json")
    assert_problem(response, 413)


def test_request_id_echoed_when_safe_and_replaced_when_not(client):
    response = client.get("/api/v1/nothing", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.get_json()["request_id"] == "abc-123"
    response = client.get("/api/v1/nothing", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"


@pytest.fixture
def crashing_app(sqlite_url):
    app = migrated_app(sqlite_url, **TEST_SETTINGS)

    @app.route("/api/v1/crash")
    def crash():
        raise RuntimeError("secret internals: /srv/app.py line 42")

    return app


def test_unexpected_exception_is_a_500_without_internals(crashing_app, caplog, contract_violations):
    with caplog.at_level(logging.ERROR):
        response = crashing_app.test_client().get("/api/v1/crash")
    problem = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert problem["title"] == "Internal Server Error"
    assert "secret internals" in caplog.text, "the server log keeps the details"
    # A 500 is never part of the contract: the guard reports it (and the test expects that).
    [checked] = contract_violations
    assert (checked.path, checked.status) == ("/api/v1/crash", 500)
    contract_violations.clear()


# Found by schemathesis over HTTP on PostgreSQL: a log-in name with NUL answered 500.
def test_login_name_with_nul_unprocessable(client):
    response = client.post("/api/v1/tokens", json={"username": "a\x00b", "password": "x"})
    assert "username" in assert_problem(response, 422)["errors"]


# JSON may spell text that is not Unicode ("\ud800"); nothing could hash or store it.
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/tokens", b'{"username": "a\\ud800", "password": "secret"}'),
        ("/api/v1/users", b'{"username": "sam", "password": "long enough \\udfff"}'),
    ],
)
def test_unpaired_surrogate_in_body_bad_request(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert_problem(response, 400, "not valid JSON")
    assert client.get("/api/v1/users/sam").status_code == 404


# A username in the path that no account could have (NUL answered 500 on PostgreSQL) is a
# routing 404, and the spec documents the pattern.
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users/a%00b"),
        ("GET", "/api/v1/users/%ED%A0%80"),
        ("DELETE", "/api/v1/users/a%00b"),
        ("DELETE", "/api/v1/resources/1/grants/a%00b"),
    ],
)
def test_path_username_no_account_could_have_not_found(client, method, path):
    assert_problem(client.open(path, method=method), 404)


class BrokenlyFramedBody(io.RawIOBase):
    """A request body as gunicorn reads it when the client's chunk framing is broken."""

    def __init__(self, error: Exception):
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer):
        raise self.error


@pytest.mark.parametrize(
    "error",
    [InvalidChunkSize(b"zz"), ChunkMissingTerminator(b"xx"), NoMoreData(b"")],
    ids=lambda error: type(error).__name__,
)
@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/resources"])
def test_body_with_broken_framing_bad_request(client, owner, error, path):
    environ = {
        "wsgi.input": io.BufferedReader(BrokenlyFramedBody(error)),
        "wsgi.input_terminated": True,
        "CONTENT_TYPE": "application/json",
    }
    response = client.post(path, headers=owner.headers, environ_overrides=environ)
    # A body shorter than announced is Werkzeug's own 400 (the client went away).
    assert_problem(response, 400)


def test_body_over_limit_says_the_limit_in_bytes(client):
    response = client.post("/api/v1/users", data=b"x" * 70_000, content_type="application/json")
    assert "65536 bytes" in assert_problem(response, 413)["detail"]


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "9" * 30])
def test_id_that_is_not_a_positive_integer_says_so(client, value):
    problem = assert_problem(client.get(f"/api/v1/resources/{value}"), 404)
    assert "positive integer" in problem["detail"]
