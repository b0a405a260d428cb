"""Tokens: log in, inspect, log out."""

import pytest

from tests.assertions import assert_json, assert_no_content, assert_problem
from tests.conftest import PASSWORD, sign_up

TOKENS = "/api/v1/tokens"


def test_login_json_created(client):
    sign_up(client, "sam")
    response = client.post(TOKENS, json={"username": "sam", "password": PASSWORD})
    body = assert_json(response, 201, "Token")
    assert response.headers["Location"] == "/api/v1/tokens/current"
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "resources:read resources:write profile"
    assert len(body["access_token"]) >= 43


def test_login_form_encoded_with_narrow_scope_created(client):
    sign_up(client, "sam")
    form = {"username": "sam", "password": PASSWORD, "scope": "profile resources:read"}
    body = assert_json(client.post(TOKENS, data=form), 201, "Token")
    assert body["scope"] == "resources:read profile"


def test_login_wrong_password_and_unknown_user_look_the_same(client):
    sign_up(client, "sam")
    wrong = assert_problem(client.post(TOKENS, json={"username": "sam", "password": "nope"}), 401)
    unknown = assert_problem(
        client.post(TOKENS, json={"username": "ghost", "password": "nope"}), 401
    )
    assert wrong["detail"] == unknown["detail"]


@pytest.mark.parametrize("scope", ["admin", "profile\n"])
def test_login_unknown_scope_unprocessable(client, scope):
    sign_up(client, "sam")
    body = {"username": "sam", "password": PASSWORD, "scope": scope}
    assert "scope" in assert_problem(client.post(TOKENS, json=body), 422)["errors"]


def test_current_token_owner_ok(client, owner):
    body = assert_json(client.get(f"{TOKENS}/current", headers=owner.headers), 200, "TokenInfo")
    assert body["username"] == owner.username
    assert "access_token" not in body


def test_current_token_anonymous_unauthorized(client):
    assert_problem(client.get(f"{TOKENS}/current"), 401)


def test_current_token_forged_unauthorized(client):
    response = client.get(f"{TOKENS}/current", headers={"Authorization": "Bearer forged"})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_current_token_other_scheme_unauthorized(client, owner):
    headers = {"Authorization": f"Basic {owner.token}"}
    assert_problem(client.get(f"{TOKENS}/current", headers=headers), 401)


def test_token_in_query_string_is_ignored(client, owner):
    assert_problem(client.get(f"{TOKENS}/current?access_token={owner.token}"), 401)


def test_logout_revokes_token(client, owner):
    assert_no_content(client.delete(f"{TOKENS}/current", headers=owner.headers))
    assert_problem(client.get(f"{TOKENS}/current", headers=owner.headers), 401)
    assert_problem(client.delete(f"{TOKENS}/current", headers=owner.headers), 401)


def test_logout_anonymous_unauthorized(client):
    assert_problem(client.delete(f"{TOKENS}/current"), 401)


def test_oauth2_password_grant_as_swagger_ui_sends_it(client):
    # RFC 6749 §4.3, as Swagger UI's Authorize dialog posts it: form-encoded, with an empty
    # client's Basic credentials that the API has no use for.
    sign_up(client, "sam")
    form = {
        "grant_type": "password",
        "username": "sam",
        "password": PASSWORD,
        "scope": "profile resources:read",
    }
    response = client.post("/api/v1/tokens", data=form, headers={"Authorization": "Basic Og=="})
    token = assert_json(response, 201, "Token")
    assert (token["token_type"], token["scope"]) == ("Bearer", "resources:read profile")
    assert token["expires_in"] == 86400
    me = client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert assert_json(me, 200, "User")["username"] == "sam"


def test_oauth2_grant_other_than_password_unprocessable(client):
    sign_up(client, "sam")
    form = {"grant_type": "client_credentials", "username": "sam", "password": PASSWORD}
    assert "grant_type" in assert_problem(client.post("/api/v1/tokens", data=form), 422)["errors"]


def test_grant_type_is_refused_where_nobody_logs_in(client):
    body = {"username": "sam", "password": PASSWORD, "grant_type": "password"}
    assert "grant_type" in assert_problem(client.post("/api/v1/users", json=body), 422)["errors"]
