"""Mass assignment is refused, not ignored: server-owned fields in a body are 422, and nothing
changes (DESIGN.md §4)."""

import pytest

from tests.assertions import assert_json, assert_problem
from tests.conftest import PASSWORD
from tests.security.rows import row_counts

SERVER_OWNED = {
    "id": 1,
    "owner": "oscar",
    "owner_id": 1,
    "version": 9,
    "role": "admin",
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
    "is_admin": True,
}
FIELDS = sorted(SERVER_OWNED)
ME = "/api/v1/users/me"


def _refused(response, field: str) -> None:
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem["errors"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("url", ["/api/v1/users", "/userSignUp"])
@pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])
def test_sign_up_with_server_owned_field_unprocessable(app, client, url, field, as_form):
    body = {"username": "mallory", "password": PASSWORD, field: SERVER_OWNED[field]}
    before = row_counts(app)
    response = client.post(url, **({"data": body} if as_form else {"json": body}))
    _refused(response, field)
    assert row_counts(app) == before
    assert_problem(client.get("/api/v1/users/mallory"), 404)


@pytest.mark.parametrize("field", FIELDS)
def test_update_own_account_with_server_owned_field_unprocessable(app, client, owner, field):
    before = assert_json(client.get(ME, headers=owner.headers), 200, "User")
    response = client.patch(
        ME, json={"first_name": "Eve", field: SERVER_OWNED[field]}, headers=owner.headers
    )
    _refused(response, field)
    assert assert_json(client.get(ME, headers=owner.headers), 200, "User") == before


@pytest.mark.parametrize("field", FIELDS)
def test_legacy_user_details_with_server_owned_field_unprocessable(client, owner, field):
    before = assert_json(client.get(ME, headers=owner.headers), 200, "User")
    body = {"username": owner.username, "firstname": "Eve", field: SERVER_OWNED[field]}
    _refused(client.post("/userDetails", json=body, headers=owner.headers), field)
    assert assert_json(client.get(ME, headers=owner.headers), 200, "User") == before


@pytest.mark.parametrize("field", FIELDS)
def test_create_resource_with_server_owned_field_unprocessable(app, client, owner, other, field):
    before = row_counts(app)
    body = {"name": "Notes", field: SERVER_OWNED[field]}
    _refused(client.post("/api/v1/resources", json=body, headers=owner.headers), field)
    assert row_counts(app) == before


@pytest.mark.parametrize("field", FIELDS)
def test_update_resource_with_server_owned_field_unprocessable(
    app, client, owner, other, create_resource, field
):
    resource = create_resource(owner)
    url = f"/api/v1/resources/{resource['id']}"
    before = row_counts(app)
    _refused(
        client.patch(url, json={"name": "X", field: SERVER_OWNED[field]}, headers=owner.headers),
        field,
    )
    assert row_counts(app) == before
    assert assert_json(client.get(url, headers=owner.headers), 200, "Resource") == resource


@pytest.mark.parametrize("field", [field for field in FIELDS if field != "role"])
def test_put_grant_with_server_owned_field_unprocessable(
    app, client, owner, other, create_resource, field
):
    resource = create_resource(owner)
    url = f"/api/v1/resources/{resource['id']}/grants/{other.username}"
    body = {"role": "reader", field: SERVER_OWNED[field]}
    _refused(client.put(url, json=body, headers=owner.headers), field)
    grants = client.get(f"/api/v1/resources/{resource['id']}/grants", headers=owner.headers)
    assert assert_json(grants, 200, "Grant", many=True) == []
