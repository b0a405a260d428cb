"""HTTP for browsers: security headers, caching, compression and CORS."""

import gzip

import brotli
import flask_cors.extension
import pytest

from service import create_app
from service.config import ConfigError
from tests.assertions import assert_json, assert_problem
from tests.conftest import TEST_SETTINGS, migrated_app

RESOURCES = "/api/v1/resources"
ORIGIN = "https://app.example"


def test_json_answers_carry_security_headers(client):
    for response in (client.get(RESOURCES), client.get("/api/v1/nothing")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_docs_page_may_run_its_own_scripts_only(client):
    policy = client.get("/docs").headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "https:" not in policy and "*" not in policy


def test_cache_control_on_every_get(client, owner):
    anonymous = client.get(RESOURCES)
    assert anonymous.headers["Cache-Control"] == "no-cache"
    assert "Authorization" in anonymous.headers["Vary"]
    signed_in = client.get(RESOURCES, headers=owner.headers)
    assert signed_in.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/api/v1/users/nobody").headers["Cache-Control"] == "no-cache"
    created = client.post(RESOURCES, json={"name": "N"}, headers=owner.headers)
    assert created.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
def test_large_json_is_compressed(client, owner, encoding, decode):
    for number in range(20):
        client.post(RESOURCES, json={"name": f"Resource {number}"}, headers=owner.headers)
    plain = client.get(RESOURCES, headers=owner.headers)
    packed = client.get(RESOURCES, headers={**owner.headers, "Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert decode(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data())


def test_small_answers_are_not_compressed(client):
    response = client.get("/api/v1/users/nobody", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in response.headers
    assert_problem(response, 404)


@pytest.fixture
def cors_client(tmp_path):
    url = f"sqlite:///{tmp_path}/cors.sqlite3"
    return migrated_app(url, **TEST_SETTINGS, CORS_ALLOWED_ORIGINS=[ORIGIN]).test_client()


def test_cors_preflight_allows_the_api_headers(cors_client):
    response = cors_client.options(
        f"{RESOURCES}/1",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "Authorization, Content-Type, If-Match",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "if-match"} <= set(allowed.replace(" ", "").split(","))


def test_cors_exposes_headers_to_scripts(cors_client):
    response = cors_client.get(RESOURCES, headers={"Origin": ORIGIN})
    assert_json(response, 200)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = response.headers["Access-Control-Expose-Headers"]
    for name in ("ETag", "Location", "Link", "X-Pagination", "Retry-After", "X-Request-ID"):
        assert name in exposed


def test_cors_ignores_origins_not_allowed(cors_client):
    response = cors_client.get(RESOURCES, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_headers_only_for_cross_origin_requests(cors_client):
    # Same-origin pages, SDKs and curl send no Origin: nothing to allow.
    response = cors_client.get(RESOURCES)
    assert_json(response, 200)
    assert not [name for name, _ in response.headers if name.startswith("Access-Control")]


def test_flask_cors_works_only_on_cross_origin_requests(cors_client, monkeypatch):
    # Without an Origin it would add nothing, at a cost on every request (service/web.py).
    calls = []
    monkeypatch.setattr(
        flask_cors.extension, "set_cors_headers", lambda *args: calls.append(args) or args[0]
    )
    cors_client.get(RESOURCES)
    assert calls == []
    cors_client.get(RESOURCES, headers={"Origin": ORIGIN})
    assert len(calls) == 1


@pytest.mark.parametrize("origin", [None, ORIGIN, "https://evil.example"])
@pytest.mark.parametrize(
    "path", [RESOURCES, "/api/v1/users/nobody", "/static/vendor/redoc/redoc.standalone.js"]
)
def test_answers_that_depend_on_origin_say_so(cors_client, origin, path):
    # A shared cache must not hand the answer for one Origin (or none) to another.
    headers = {"Origin": origin} if origin else {}
    response = cors_client.get(path, headers=headers)
    assert "Origin" in response.vary


def test_production_refuses_any_origin():
    settings = {"SERVICE_ENV": "production", "SECRET_KEY": "a-long-private-value"}
    with pytest.raises(ConfigError, match="SERVICE_CORS_ORIGINS"):
        create_app({**settings, "CORS_ALLOWED_ORIGINS": ["*"]})


def test_flask_asks_once_per_function_whether_it_is_async(app):
    class View:
        def get(self):
            return "sync"

    # A view is a method of a new object per request: one entry, not one per request.
    for _ in range(50):
        method = View().get
        assert app.ensure_sync(method) is method
    assert sum(1 for function in list(app._async_functions) if function is View.get) == 1

    async def coroutine_view():
        return "async"

    # Still recognised as async: Flask wants its `async` extra (asgiref) to run it.
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(coroutine_view)


def test_no_cookie_session_is_read_or_written(client):
    response = client.get("/health/live", headers={"Cookie": "session=forged.value.here"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
