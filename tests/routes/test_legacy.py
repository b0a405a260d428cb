"""The tutorials' routes: v1's data and rules, deprecated, answering the tutorials' curls."""

from tests.assertions import assert_json, assert_problem
from tests.conftest import PASSWORD

DEPRECATION = "@1795219200"  # 2026-11-21T00:00:00Z


def assert_deprecated(response, successor: str) -> None:
    assert response.headers["Deprecation"] == DEPRECATION
    assert f'<{successor}>; rel="successor-version"' in response.headers.getlist("Link")


def test_form_sign_up_ok_with_any_origin(client):
    # curl -X POST -d "username=sam&password=correct horse battery" /userSignUp
    response = client.post("/userSignUp", data={"username": "sam", "password": PASSWORD})
    body = assert_json(response, 200, "User")
    assert body["username"] == "sam"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_deprecated(response, "/api/v1/users")
    assert client.get("/api/v1/users/sam").status_code == 200, "shares v1's data"


def test_json_sign_up_ok_and_taken_conflict(client):
    account = {"username": "sam", "password": PASSWORD}
    assert_json(client.post("/userSignUp", json=account), 200, "User")
    response = client.post("/userSignUp", json=account)
    assert_problem(response, 409, "taken")
    assert_deprecated(response, "/api/v1/users")


def test_sign_up_missing_password_unprocessable(client):
    problem = assert_problem(client.post("/userSignUp", data={"username": "sam"}), 422)
    assert "password" in problem["errors"]


def test_form_user_details_created(client, owner):
    # curl -X POST -H "Authorization: Bearer ..." -d "username=...&firstname=..." /userDetails
    details = {"username": owner.username, "firstname": "Olivia", "lastname": "Olsen"}
    response = client.post("/userDetails", data=details, headers=owner.headers)
    body = assert_json(response, 201, "User")
    assert (body["first_name"], body["last_name"]) == ("Olivia", "Olsen")
    assert response.headers["Location"] == f"/api/v1/users/{owner.username}"
    assert_deprecated(response, "/api/v1/users/me")


def test_user_details_of_another_user_forbidden(client, owner, other):
    details = {"username": other.username, "firstname": "Mallory"}
    assert_problem(client.post("/userDetails", json=details, headers=owner.headers), 403)
    assert client.get(f"/api/v1/users/{other.username}").get_json()["first_name"] == ""


def test_user_details_anonymous_unauthorized(client, owner):
    assert_problem(client.post("/userDetails", data={"username": owner.username}), 401)


def test_post_data_echoes_the_object(client, owner):
    sent = {"colour": "green", "sizes": [1, 2], "nested": {"ok": True}}
    response = client.post("/api/data", json=sent, headers=owner.headers)
    assert assert_json(response, 200, "LegacyData") == {"success": True, "data": sent}
    assert_deprecated(response, "/api/v1/resources")


def test_post_data_not_json_unsupported_and_malformed_bad_request(client, owner):
    form = client.post("/api/data", data={"a": "b"}, headers=owner.headers)
    assert_problem(form, 415)
    broken = client.post(
        "/api/data", data=b'{"a": ', content_type="application/json", headers=owner.headers
    )
    assert_problem(broken, 400)


def test_legacy_resource_follows_v1_rules(client, owner, other, create_resource):
    private = create_resource(owner)
    url = f"/api/resource/{private['id']}"
    assert (
        assert_json(client.get(url, headers=owner.headers), 200, "Resource")["id"] == private["id"]
    )
    assert_problem(client.get(url, headers=other.headers), 404)
    assert_problem(client.get(url), 404)
    response = client.get("/api/resource/999999", headers=owner.headers)
    assert_problem(response, 404)
    assert_deprecated(response, "/api/v1/resources/999999")


def test_index_links_to_docs_spec_and_v1(client):
    body = assert_json(client.get("/"), 200, "Index")
    assert body["docs"] == "/docs" and body["openapi"] == "/openapi.json"
    assert body["v1"]["resources"] == "/api/v1/resources"
    assert "Deprecation" not in client.get("/").headers


def test_user_details_without_username_are_yours(client, owner):
    response = client.post("/userDetails", json={"firstname": "Liv"}, headers=owner.headers)
    assert assert_json(response, 201, "User")["first_name"] == "Liv"


# Found by schemathesis: an empty form is a valid (empty) set of details, not a missing body.
def test_user_details_empty_form_changes_nothing(client, owner):
    response = client.post(
        "/userDetails",
        data=b"",
        content_type="application/x-www-form-urlencoded",
        headers=owner.headers,
    )
    assert assert_json(response, 201, "User")["username"] == owner.username
