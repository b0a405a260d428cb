"""Grants: only the owner shares a resource; others get 403 or 404 by visibility."""

import pytest

from tests.assertions import assert_json, assert_no_content, assert_problem
from tests.conftest import make_caller

RESOURCES = "/api/v1/resources"


def grants_url(resource: dict, username: str | None = None) -> str:
    url = f"{RESOURCES}/{resource['id']}/grants"
    return f"{url}/{username}" if username else url


@pytest.fixture
def resource(owner, create_resource):
    return create_resource(owner)


def test_put_grant_owner_ok_then_change_role(client, owner, other, resource):
    body = assert_json(
        client.put(
            grants_url(resource, other.username), json={"role": "reader"}, headers=owner.headers
        ),
        200,
        "Grant",
    )
    assert body["username"] == other.username and body["role"] == "reader"
    body = assert_json(
        client.put(
            grants_url(resource, other.username), json={"role": "editor"}, headers=owner.headers
        ),
        200,
        "Grant",
    )
    assert body["role"] == "editor"
    listed = assert_json(
        client.get(grants_url(resource), headers=owner.headers), 200, "Grant", many=True
    )
    assert [(g["username"], g["role"]) for g in listed] == [(other.username, "editor")]


def test_put_grant_to_owner_conflict(client, owner, resource):
    response = client.put(
        grants_url(resource, owner.username), json={"role": "reader"}, headers=owner.headers
    )
    assert_problem(response, 409, "owner")


def test_put_grant_unknown_user_not_found(client, owner, resource):
    response = client.put(
        grants_url(resource, "nobody"), json={"role": "reader"}, headers=owner.headers
    )
    assert_problem(response, 404, "nobody")


def test_put_grant_invalid_role_unprocessable(client, owner, other, resource):
    response = client.put(
        grants_url(resource, other.username), json={"role": "owner"}, headers=owner.headers
    )
    assert "role" in assert_problem(response, 422)["errors"]


def test_put_grant_by_editor_forbidden(client, owner, other, resource):
    client.put(grants_url(resource, other.username), json={"role": "editor"}, headers=owner.headers)
    third = make_caller(client, "tess")
    response = client.put(
        grants_url(resource, third.username), json={"role": "editor"}, headers=other.headers
    )
    assert_problem(response, 403, "owner")


def test_put_grant_private_resource_stranger_not_found(client, other, resource):
    response = client.put(
        grants_url(resource, other.username), json={"role": "editor"}, headers=other.headers
    )
    assert_problem(response, 404)


def test_put_grant_anonymous_unauthorized(client, other, resource):
    assert_problem(client.put(grants_url(resource, other.username), json={"role": "reader"}), 401)


def test_put_grant_missing_resource_not_found(client, owner, other):
    response = client.put(
        grants_url({"id": 999_999}, other.username), json={"role": "reader"}, headers=owner.headers
    )
    assert_problem(response, 404)


def test_list_grants_reader_forbidden(client, owner, other, resource):
    client.put(grants_url(resource, other.username), json={"role": "reader"}, headers=owner.headers)
    assert_problem(client.get(grants_url(resource), headers=other.headers), 403)


def test_list_grants_public_resource_stranger_forbidden(client, owner, other, create_resource):
    public = create_resource(owner, visibility="public")
    assert_problem(client.get(grants_url(public), headers=other.headers), 403)


def test_list_grants_private_resource_stranger_not_found(client, other, resource):
    assert_problem(client.get(grants_url(resource), headers=other.headers), 404)


def test_list_grants_anonymous_unauthorized(client, resource):
    assert_problem(client.get(grants_url(resource)), 401)


def test_list_grants_missing_resource_not_found(client, owner):
    assert_problem(client.get(grants_url({"id": 999_999}), headers=owner.headers), 404)


def test_delete_grant_owner_revokes_access(client, owner, other, resource):
    client.put(grants_url(resource, other.username), json={"role": "reader"}, headers=owner.headers)
    assert_no_content(client.delete(grants_url(resource, other.username), headers=owner.headers))
    assert_problem(client.get(f"{RESOURCES}/{resource['id']}", headers=other.headers), 404)


def test_delete_grant_not_shared_not_found(client, owner, other, resource):
    assert_problem(
        client.delete(grants_url(resource, other.username), headers=owner.headers),
        404,
        "not shared",
    )


def test_delete_grant_by_grantee_forbidden(client, owner, other, resource):
    client.put(grants_url(resource, other.username), json={"role": "editor"}, headers=owner.headers)
    assert_problem(client.delete(grants_url(resource, other.username), headers=other.headers), 403)


def test_delete_grant_anonymous_unauthorized(client, other, resource):
    assert_problem(client.delete(grants_url(resource, other.username)), 401)


def test_grants_go_with_deleted_grantee(client, owner, other, resource):
    client.put(grants_url(resource, other.username), json={"role": "reader"}, headers=owner.headers)
    client.delete("/api/v1/users/me", headers=other.headers)
    assert client.get(grants_url(resource), headers=owner.headers).get_json() == []
