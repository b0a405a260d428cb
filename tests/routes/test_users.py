"""Users: sign-up, profiles, own account, password, administration."""

import json

import pytest

from tests.assertions import assert_json, assert_no_content, assert_problem
from tests.conftest import PASSWORD, log_in, make_caller, sign_up

USERS = "/api/v1/users"


def test_signup_json_created_with_location(client):
    response = client.post(USERS, json={"username": "sam", "password": PASSWORD})
    body = assert_json(response, 201, "User")
    assert response.headers["Location"] == "/api/v1/users/sam"
    assert body["username"] == "sam"
    assert body["role"] == "user"
    assert "password" not in body and "password_hash" not in body


def test_signup_form_encoded_created(client):
    form = {"username": "sam", "password": PASSWORD, "first_name": "Sam"}
    response = client.post(USERS, data=form)
    body = assert_json(response, 201, "User")
    assert body["first_name"] == "Sam"


def test_signup_username_taken_conflict(client):
    sign_up(client, "sam")
    response = client.post(USERS, json={"username": "sam", "password": "another password"})
    assert_problem(response, 409, "already taken")


def test_signup_email_taken_conflict_ignores_case(client):
    sign_up(client, "sam", email="sam@example.com")
    body = {"username": "samuel", "password": PASSWORD, "email": "SAM@example.com"}
    assert_problem(client.post(USERS, json=body), 409, "email")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "sam"}, "password"),
        ({"username": "Sam Smith", "password": PASSWORD}, "username"),
        # `$` alone would let a final newline through.
        ({"username": "sam\n", "password": PASSWORD}, "username"),
        ({"username": "sam", "password": "short"}, "password"),
        ({"username": "sam", "password": PASSWORD, "email": "not-an-email"}, "email"),
        ({"username": "sam", "password": PASSWORD, "role": "admin"}, "role"),
        ({"username": "sam", "password": PASSWORD, "first_name": "a\x00b"}, "first_name"),
    ],
)
def test_signup_invalid_fields_unprocessable(client, body, field):
    problem = assert_problem(client.post(USERS, json=body), 422)
    assert field in problem["errors"]
    assert client.get(f"{USERS}/sam").status_code == 404


def test_public_profile_anyone_ok(client, owner):
    body = assert_json(client.get(f"{USERS}/{owner.username}"), 200, "UserPublic")
    assert body["username"] == owner.username
    assert "email" not in body and "role" not in body


def test_public_profile_missing_not_found(client):
    assert_problem(client.get(f"{USERS}/nobody"), 404, "nobody")


def test_me_owner_ok(client, owner):
    body = assert_json(client.get(f"{USERS}/me", headers=owner.headers), 200, "User")
    assert body["username"] == owner.username


def test_me_anonymous_unauthorized(client):
    assert_problem(client.get(f"{USERS}/me"), 401)


def test_me_token_without_profile_scope_forbidden(client, owner):
    token = log_in(client, owner.username, scope="resources:read")
    response = client.get(f"{USERS}/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 403, "profile")
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_update_me_owner_ok(client, owner):
    changes = {"first_name": "Olivia", "last_name": "Owens", "email": "olivia@example.com"}
    body = assert_json(
        client.patch(f"{USERS}/me", json=changes, headers=owner.headers), 200, "User"
    )
    assert {k: body[k] for k in changes} == changes


def test_update_me_email_of_other_user_conflict(client, owner):
    sign_up(client, "oscar", email="oscar@example.com")
    response = client.patch(
        f"{USERS}/me", json={"email": "oscar@example.com"}, headers=owner.headers
    )
    assert_problem(response, 409, "email")


def test_update_me_read_only_field_unprocessable(client, owner):
    response = client.patch(f"{USERS}/me", json={"username": "eve"}, headers=owner.headers)
    assert "username" in assert_problem(response, 422)["errors"]
    assert client.get(f"{USERS}/{owner.username}").status_code == 200


def test_update_me_anonymous_unauthorized(client):
    assert_problem(client.patch(f"{USERS}/me", json={"first_name": "X"}), 401)


def test_change_password_revokes_other_tokens(client, owner):
    second_token = log_in(client, owner.username)
    change = {"current_password": PASSWORD, "new_password": "a new long password"}
    assert_no_content(client.put(f"{USERS}/me/password", json=change, headers=owner.headers))
    assert client.get(f"{USERS}/me", headers=owner.headers).status_code == 200
    stale = client.get(f"{USERS}/me", headers={"Authorization": f"Bearer {second_token}"})
    assert_problem(stale, 401)
    login = {"username": owner.username, "password": "a new long password"}
    assert client.post("/api/v1/tokens", json=login).status_code == 201


def test_change_password_wrong_current_forbidden(client, owner):
    change = {"current_password": "wrong password", "new_password": "a new long password"}
    response = client.put(f"{USERS}/me/password", json=change, headers=owner.headers)
    assert_problem(response, 403, "current password")
    assert log_in(client, owner.username)


def test_delete_me_removes_account_and_resources(client, owner, create_resource):
    resource = create_resource(owner, visibility="public")
    assert_no_content(client.delete(f"{USERS}/me", headers=owner.headers))
    assert_problem(client.get(f"{USERS}/{owner.username}"), 404)
    assert_problem(client.get(f"/api/v1/resources/{resource['id']}"), 404)
    assert_problem(client.get(f"{USERS}/me", headers=owner.headers), 401)


def test_delete_me_anonymous_unauthorized(client):
    response = client.delete(f"{USERS}/me")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_list_users_admin_ok(client, admin, owner):
    body = assert_json(client.get(USERS, headers=admin.headers), 200, "User", many=True)
    assert [user["username"] for user in body] == ["olivia", "root"]


def test_list_users_non_admin_forbidden(client, owner):
    assert_problem(client.get(USERS, headers=owner.headers), 403, "administrators")


def test_list_users_anonymous_unauthorized(client):
    assert_problem(client.get(USERS), 401)


def test_admin_delete_user_ok(client, admin, owner):
    assert_no_content(client.delete(f"{USERS}/{owner.username}", headers=admin.headers))
    assert_problem(client.get(f"{USERS}/{owner.username}"), 404)


def test_admin_delete_missing_user_not_found(client, admin):
    assert_problem(client.delete(f"{USERS}/nobody", headers=admin.headers), 404)


def test_delete_user_other_user_forbidden(client, owner, other):
    response = client.delete(f"{USERS}/{owner.username}", headers=other.headers)
    assert_problem(response, 403)
    assert client.get(f"{USERS}/{owner.username}").status_code == 200


def test_delete_user_anonymous_unauthorized(client, owner):
    assert_problem(client.delete(f"{USERS}/{owner.username}"), 401)


def test_admin_list_shows_new_user(client, admin):
    make_caller(client, "zoe")
    names = [user["username"] for user in client.get(USERS, headers=admin.headers).get_json()]
    assert "zoe" in names


def test_last_admin_cannot_delete_itself_conflict(client, admin):
    assert_problem(client.delete(f"{USERS}/me", headers=admin.headers), 409, "last administrator")
    response = client.delete(f"{USERS}/{admin.username}", headers=admin.headers)
    assert_problem(response, 409, "last administrator")
    assert_json(client.get(f"{USERS}/me", headers=admin.headers), 200, "User")


def test_admin_may_delete_admins_while_another_remains(app, client, admin):
    for name in ("deputy", "backup"):
        result = app.test_cli_runner().invoke(args=["create-admin", name, "--password", PASSWORD])
        assert result.exit_code == 0, result.output
    assert_no_content(client.delete(f"{USERS}/deputy", headers=admin.headers))
    assert_no_content(client.delete(f"{USERS}/me", headers=admin.headers))
    assert_json(client.get(f"{USERS}/backup"), 200, "UserPublic")


def test_list_users_admin_a_page_at_a_time(client, admin, owner, other):
    response = client.get("/api/v1/users?page_size=2", headers=admin.headers)
    listed = assert_json(response, 200, "User", many=True)
    assert [user["username"] for user in listed] == ["olivia", "oscar"]
    metadata = json.loads(response.headers["X-Pagination"])
    assert (metadata["total"], metadata["page"], metadata["next_page"]) == (3, 1, 2)
    assert '</api/v1/users?page=2&page_size=2>; rel="next"' in response.headers["Link"]
    last = client.get("/api/v1/users?page_size=2&page=2", headers=admin.headers)
    assert [user["username"] for user in last.get_json()] == ["root"]


def test_list_users_bad_page_size_unprocessable(client, admin):
    for value in ("abc", "0", "101"):
        response = client.get(f"/api/v1/users?page_size={value}", headers=admin.headers)
        assert "page_size" in assert_problem(response, 422)["errors"]
