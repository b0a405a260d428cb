"""Resources: visibility (404) before permission (403), for every caller."""

import json

import pytest

from tests.assertions import assert_json, assert_no_content, assert_problem
from tests.conftest import concurrent_write, log_in

RESOURCES = "/api/v1/resources"
MISSING_ID = 999_999


def test_create_resource_owner_created(client, owner):
    body = {"name": "Notes", "data": {"tags": ["a"], "n": 1}, "visibility": "public"}
    response = client.post(RESOURCES, json=body, headers=owner.headers)
    created = assert_json(response, 201, "Resource")
    assert response.headers["Location"] == f"{RESOURCES}/{created['id']}"
    assert created["owner"] == owner.username
    assert created["version"] == 1
    assert created["description"] == ""
    assert created["data"] == body["data"]


def test_resource_data_keeps_numbers_past_64_bits(client, owner):
    # Valid JSON that orjson cannot encode: the JSON provider falls back, never a 500.
    body = {"name": "Big", "data": {"n": 2**70, "text": "Grüße"}}
    created = assert_json(client.post(RESOURCES, json=body, headers=owner.headers), 201)
    read = client.get(f"{RESOURCES}/{created['id']}", headers=owner.headers)
    assert assert_json(read, 200, "Resource")["data"] == body["data"]


def test_create_resource_defaults_to_private(client, owner, other, create_resource):
    resource = create_resource(owner)
    assert resource["visibility"] == "private"
    assert_problem(client.get(f"{RESOURCES}/{resource['id']}", headers=other.headers), 404)


def test_create_resource_anonymous_unauthorized(client):
    assert_problem(client.post(RESOURCES, json={"name": "Notes"}), 401)


def test_create_resource_read_only_token_forbidden(client, owner):
    token = log_in(client, owner.username, scope="resources:read")
    response = client.post(
        RESOURCES, json={"name": "N"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_problem(response, 403, "resources:write")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Notes\n"}, "name"),
        ({"name": "N", "visibility": "secret"}, "visibility"),
        ({"name": "N", "data": [1, 2]}, "data"),
        ({"name": "N", "data": {"big": "x" * 17000}}, "data"),
        ({"name": "N", "owner": "oscar"}, "owner"),
        ({"name": "N", "id": 5}, "id"),
        ({"name": "N", "version": 7}, "version"),
    ],
)
def test_create_resource_invalid_unprocessable(client, owner, body, field):
    problem = assert_problem(client.post(RESOURCES, json=body, headers=owner.headers), 422)
    assert field in problem["errors"]
    assert client.get(RESOURCES, headers=owner.headers).get_json() == []


def test_create_resource_deep_data_unprocessable(client, owner):
    deep: dict = {}
    for _ in range(20):
        deep = {"d": deep}
    response = client.post(RESOURCES, json={"name": "N", "data": deep}, headers=owner.headers)
    assert "data" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b'{"name": ', "application/json", 400),
        (b'{"name": "N", "data": {"x": NaN}}', "application/json", 400),
        (b"[" * 100_000, "application/json", 413),
        (b"[" * 5_000 + b"]" * 5_000, "application/json", 400),
        (b'{"name": "\xff"}', "application/json", 400),
        (b"name=N", "application/x-www-form-urlencoded", 415),
        (b'{"name": "N"}', "text/plain", 415),
    ],
)
def test_create_resource_bad_body_rejected(client, owner, data, content_type, status):
    response = client.post(RESOURCES, data=data, content_type=content_type, headers=owner.headers)
    assert_problem(response, status)
    assert client.get(RESOURCES, headers=owner.headers).get_json() == []


def test_get_resource_owner_ok(client, owner, create_resource):
    resource = create_resource(owner)
    body = assert_json(
        client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers), 200, "Resource"
    )
    assert body == resource


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_get_private_resource_grantee_ok(client, owner, other, create_resource, role):
    resource = create_resource(owner)
    grant = client.put(
        f"{RESOURCES}/{resource['id']}/grants/{other.username}",
        json={"role": role},
        headers=owner.headers,
    )
    assert grant.status_code == 200
    assert_json(client.get(f"{RESOURCES}/{resource['id']}", headers=other.headers), 200, "Resource")


def test_get_private_resource_other_user_not_found_like_missing(
    client, owner, other, create_resource
):
    resource = create_resource(owner)
    hidden = assert_problem(client.get(f"{RESOURCES}/{resource['id']}", headers=other.headers), 404)
    missing = assert_problem(client.get(f"{RESOURCES}/{MISSING_ID}", headers=other.headers), 404)
    assert hidden["detail"].replace(str(resource["id"]), "ID") == missing["detail"].replace(
        str(MISSING_ID), "ID"
    )


def test_get_private_resource_anonymous_not_found(client, owner, create_resource):
    resource = create_resource(owner)
    assert_problem(client.get(f"{RESOURCES}/{resource['id']}"), 404)


def test_get_public_resource_anonymous_ok(client, owner, create_resource):
    resource = create_resource(owner, visibility="public")
    assert_json(client.get(f"{RESOURCES}/{resource['id']}"), 200, "Resource")


def test_get_resource_bad_token_unauthorized_even_if_public(client, owner, create_resource):
    resource = create_resource(owner, visibility="public")
    response = client.get(f"{RESOURCES}/{resource['id']}", headers={"Authorization": "Bearer bad"})
    assert_problem(response, 401)


def test_get_resource_missing_not_found(client, owner):
    assert_problem(client.get(f"{RESOURCES}/{MISSING_ID}", headers=owner.headers), 404)


@pytest.mark.parametrize("resource_id", ["18446744073709551616", "-1", "abc"])
def test_get_resource_out_of_range_id_not_found(client, resource_id):
    assert_problem(client.get(f"{RESOURCES}/{resource_id}"), 404)


def test_list_resources_shows_only_visible(client, owner, other, create_resource):
    mine = create_resource(owner, name="Mine")
    public = create_resource(other, name="Public", visibility="public")
    create_resource(other, name="Hidden")
    shared = create_resource(other, name="Shared")
    client.put(
        f"{RESOURCES}/{shared['id']}/grants/{owner.username}",
        json={"role": "reader"},
        headers=other.headers,
    )
    listed = assert_json(client.get(RESOURCES, headers=owner.headers), 200, "Resource", many=True)
    assert [r["id"] for r in listed] == [mine["id"], public["id"], shared["id"]]
    anonymous = assert_json(client.get(RESOURCES), 200, "Resource", many=True)
    assert [r["id"] for r in anonymous] == [public["id"]]


def test_list_resources_bad_token_unauthorized(client):
    assert_problem(client.get(RESOURCES, headers={"Authorization": "Bearer bad"}), 401)


def test_update_resource_owner_ok_bumps_version(client, owner, create_resource):
    resource = create_resource(owner)
    changes = {"name": "Renamed", "visibility": "public", "data": {"k": [1, 2]}}
    response = client.patch(f"{RESOURCES}/{resource['id']}", json=changes, headers=owner.headers)
    body = assert_json(response, 200, "Resource")
    assert {k: body[k] for k in changes} == changes
    assert body["version"] == 2
    assert body["updated_at"] >= resource["updated_at"]


def test_reads_show_each_change_and_never_a_deleted_resource(client, owner, other, create_resource):
    # Every read here comes after an earlier read of what it replaces: nothing read before
    # may be served again.
    def read_both(resource_id):
        one = client.get(f"{RESOURCES}/{resource_id}", headers=owner.headers)
        listed = client.get(RESOURCES, headers=owner.headers)
        return assert_json(one, 200, "Resource"), assert_json(listed, 200, "Resource", many=True)

    first = create_resource(owner, name="First", visibility="public")
    assert read_both(first["id"])[0]["name"] == "First"
    changed = {"name": "Changed", "data": {"k": 1}}
    client.patch(f"{RESOURCES}/{first['id']}", json=changed, headers=owner.headers)
    one, listed = read_both(first["id"])
    assert one["name"] == listed[0]["name"] == "Changed" and one["version"] == 2
    assert client.delete(f"{RESOURCES}/{first['id']}", headers=owner.headers).status_code == 204
    # SQLite gives the next resource the deleted one's id; PostgreSQL does not.
    second = create_resource(other, name="Second", visibility="public")
    one, listed = read_both(second["id"])
    assert one == listed[0] == second
    assert (one["owner"], one["version"]) == (other.username, 1)


def test_update_resource_editor_ok(client, owner, other, create_resource):
    resource = create_resource(owner)
    client.put(
        f"{RESOURCES}/{resource['id']}/grants/{other.username}",
        json={"role": "editor"},
        headers=owner.headers,
    )
    response = client.patch(
        f"{RESOURCES}/{resource['id']}", json={"name": "By editor"}, headers=other.headers
    )
    assert assert_json(response, 200, "Resource")["name"] == "By editor"


def test_update_resource_reader_forbidden(client, owner, other, create_resource):
    resource = create_resource(owner)
    client.put(
        f"{RESOURCES}/{resource['id']}/grants/{other.username}",
        json={"role": "reader"},
        headers=owner.headers,
    )
    response = client.patch(
        f"{RESOURCES}/{resource['id']}", json={"name": "X"}, headers=other.headers
    )
    assert_problem(response, 403)
    assert client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers).get_json() == resource


def test_update_public_resource_other_user_forbidden(client, owner, other, create_resource):
    resource = create_resource(owner, visibility="public")
    response = client.patch(
        f"{RESOURCES}/{resource['id']}", json={"name": "X"}, headers=other.headers
    )
    assert_problem(response, 403)


def test_update_private_resource_other_user_not_found(client, owner, other, create_resource):
    resource = create_resource(owner)
    response = client.patch(
        f"{RESOURCES}/{resource['id']}", json={"name": "X"}, headers=other.headers
    )
    assert_problem(response, 404)
    assert client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers).get_json() == resource


def test_update_resource_anonymous_unauthorized(client, owner, create_resource):
    resource = create_resource(owner, visibility="public")
    assert_problem(client.patch(f"{RESOURCES}/{resource['id']}", json={"name": "X"}), 401)


def test_update_resource_missing_not_found(client, owner):
    assert_problem(
        client.patch(f"{RESOURCES}/{MISSING_ID}", json={"name": "X"}, headers=owner.headers), 404
    )


def test_update_resource_mass_assignment_unprocessable(client, owner, create_resource):
    resource = create_resource(owner)
    for field, value in [
        ("owner", "oscar"),
        ("version", 9),
        ("id", 1),
        ("created_at", "2020-01-01T00:00:00Z"),
    ]:
        response = client.patch(
            f"{RESOURCES}/{resource['id']}", json={field: value}, headers=owner.headers
        )
        assert field in assert_problem(response, 422)["errors"]
    assert client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers).get_json() == resource


def test_update_resource_without_body_unprocessable(client, owner, create_resource):
    resource = create_resource(owner)
    response = client.patch(f"{RESOURCES}/{resource['id']}", headers=owner.headers)
    assert_problem(response, 422, "body is required")


def test_delete_resource_owner_no_content(client, owner, create_resource):
    resource = create_resource(owner)
    assert_no_content(client.delete(f"{RESOURCES}/{resource['id']}", headers=owner.headers))
    assert_problem(client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers), 404)


def test_delete_resource_editor_forbidden(client, owner, other, create_resource):
    resource = create_resource(owner)
    client.put(
        f"{RESOURCES}/{resource['id']}/grants/{other.username}",
        json={"role": "editor"},
        headers=owner.headers,
    )
    assert_problem(
        client.delete(f"{RESOURCES}/{resource['id']}", headers=other.headers), 403, "owner"
    )


def test_delete_private_resource_other_user_not_found(client, owner, other, create_resource):
    resource = create_resource(owner)
    assert_problem(client.delete(f"{RESOURCES}/{resource['id']}", headers=other.headers), 404)
    assert client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers).status_code == 200


def test_delete_resource_anonymous_unauthorized(client, owner, create_resource):
    resource = create_resource(owner, visibility="public")
    assert_problem(client.delete(f"{RESOURCES}/{resource['id']}"), 401)


def test_delete_resource_missing_not_found(client, owner):
    assert_problem(client.delete(f"{RESOURCES}/{MISSING_ID}", headers=owner.headers), 404)


def test_update_resource_changed_meanwhile_conflict(client, owner, create_resource):
    resource = create_resource(owner)
    with concurrent_write():
        response = client.patch(
            f"{RESOURCES}/{resource['id']}", json={"name": "Mine"}, headers=owner.headers
        )
    assert_problem(response, 409, "changed meanwhile")
    stored = client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers).get_json()
    assert stored["name"] == "Notes"
    assert stored["version"] == 1


def test_delete_resource_changed_meanwhile_conflict(client, owner, create_resource):
    resource = create_resource(owner)
    with concurrent_write():
        response = client.delete(f"{RESOURCES}/{resource['id']}", headers=owner.headers)
    assert_problem(response, 409, "changed meanwhile")
    assert client.get(f"{RESOURCES}/{resource['id']}", headers=owner.headers).status_code == 200


def test_create_resource_data_with_nul_characters_stored(client, owner):
    body = {"name": "N", "data": {"key\x00": "value\x00"}}
    created = assert_json(client.post(RESOURCES, json=body, headers=owner.headers), 201, "Resource")
    shown = client.get(f"{RESOURCES}/{created['id']}", headers=owner.headers).get_json()
    assert shown["data"] == {"key\x00": "value\x00"}


def test_resource_answers_carry_its_version_as_etag(client, owner):
    created = client.post(RESOURCES, json={"name": "N"}, headers=owner.headers)
    assert created.headers["ETag"] == '"v1"'
    url = created.headers["Location"]
    assert client.get(url, headers=owner.headers).headers["ETag"] == '"v1"'
    changed = client.patch(url, json={"name": "M"}, headers=owner.headers)
    assert changed.headers["ETag"] == '"v2"' and changed.get_json()["version"] == 2


def test_get_resource_if_none_match_current_not_modified(client, owner, create_resource):
    url = f"{RESOURCES}/{create_resource(owner)['id']}"
    response = client.get(url, headers={**owner.headers, "If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == '"v1"'
    other = '"v0", "v7"'
    assert_json(client.get(url, headers={**owner.headers, "If-None-Match": other}), 200)


@pytest.mark.parametrize("header", ["If-Match", "If-None-Match"])
@pytest.mark.parametrize("value", ["v1", '"v1', "W/v1", '"v1" "v2"', ""])
def test_conditional_header_not_an_entity_tag_bad_request(
    client, owner, create_resource, header, value
):
    url = f"{RESOURCES}/{create_resource(owner)['id']}"
    method = "GET" if header == "If-None-Match" else "DELETE"
    response = client.open(url, method=method, headers={**owner.headers, header: value})
    assert header in assert_problem(response, 400)["detail"]
    assert client.get(url, headers=owner.headers).status_code == 200


def test_update_resource_stale_if_match_precondition_failed(client, owner, create_resource):
    url = f"{RESOURCES}/{create_resource(owner)['id']}"
    client.patch(url, json={"name": "Changed"}, headers=owner.headers)
    response = client.patch(
        url, json={"name": "Mine"}, headers={**owner.headers, "If-Match": '"v1"'}
    )
    assert_problem(response, 412, "changed")
    assert client.get(url, headers=owner.headers).get_json()["name"] == "Changed"


@pytest.mark.parametrize("if_match", ['"v1"', "*", '"v1:br"', 'W/"v0", "v1"'])
def test_update_resource_current_if_match_ok(client, owner, create_resource, if_match):
    url = f"{RESOURCES}/{create_resource(owner)['id']}"
    response = client.patch(
        url, json={"name": "M"}, headers={**owner.headers, "If-Match": if_match}
    )
    assert assert_json(response, 200, "Resource")["version"] == 2


def test_concurrent_writers_with_one_if_match_one_precondition_failed(
    client, owner, create_resource
):
    """The If-Match check passes, then another writer commits before our UPDATE: the
    version compare-and-swap refuses the write, as the precondition demands."""
    url = f"{RESOURCES}/{create_resource(owner)['id']}"
    with concurrent_write():
        response = client.patch(
            url, json={"name": "Late"}, headers={**owner.headers, "If-Match": '"v1"'}
        )
    assert_problem(response, 412)
    assert client.get(url, headers=owner.headers).get_json()["name"] == "Notes"


def test_delete_resource_if_match(client, owner, create_resource):
    url = f"{RESOURCES}/{create_resource(owner)['id']}"
    assert_problem(client.delete(url, headers={**owner.headers, "If-Match": '"v9"'}), 412)
    assert_no_content(client.delete(url, headers={**owner.headers, "If-Match": '"v1"'}))


def test_list_resources_paginated_with_metadata_and_links(client, owner, create_resource):
    for number in range(5):
        create_resource(owner, name=f"Item {number}")
    response = client.get(f"{RESOURCES}?page=2&page_size=2", headers=owner.headers)
    body = assert_json(response, 200, "Resource", many=True)
    assert [item["name"] for item in body] == ["Item 2", "Item 3"]
    metadata = json.loads(response.headers["X-Pagination"])
    assert metadata == {
        "total": 5,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 2,
        "previous_page": 1,
        "next_page": 3,
    }
    links = response.headers["Link"]
    assert '</api/v1/resources?page=3&page_size=2>; rel="next"' in links
    assert '</api/v1/resources?page=1&page_size=2>; rel="prev"' in links
    for rel in ("first", "last"):
        assert f'rel="{rel}"' in links


def test_list_resources_page_size_capped(client):
    problem = assert_problem(client.get(f"{RESOURCES}?page_size=101"), 422)
    assert "page_size" in problem["errors"]


def test_list_resources_filters(client, owner, other, create_resource):
    create_resource(owner, name="Shopping list", visibility="public")
    create_resource(owner, name="Diary")
    create_resource(other, name="Other list", visibility="public")

    def names(query):
        response = client.get(f"{RESOURCES}?{query}", headers=owner.headers)
        return sorted(item["name"] for item in assert_json(response, 200, "Resource", many=True))

    assert names("visibility=public") == ["Other list", "Shopping list"]
    assert names(f"owner={other.username}") == ["Other list"]
    assert names("q=LIST") == ["Other list", "Shopping list"]
    assert names("q=%25") == []  # % is a literal character, not a wildcard


def test_list_resources_sorted(client, owner, create_resource):
    for name in ("b", "c", "a"):
        create_resource(owner, name=name)

    def order(sort):
        response = client.get(f"{RESOURCES}?sort={sort}", headers=owner.headers)
        return [item["name"] for item in response.get_json()]

    assert order("name") == ["a", "b", "c"]
    assert order("-name") == ["c", "b", "a"]
    assert order("created_at") == ["b", "c", "a"]
    assert order("-created_at") == ["a", "c", "b"]


@pytest.mark.parametrize(
    "query", ["sort=size", "visibility=secret", "owner=Not%20A%20Name", "q=a%00b", "page=0"]
)
def test_list_resources_bad_query_unprocessable(client, query):
    assert_problem(client.get(f"{RESOURCES}?{query}"), 422)


# Found by schemathesis over HTTP: a page number past 2^63 answered 500 (SQL OFFSET).
def test_list_resources_page_far_past_the_end_empty(client, owner, create_resource):
    create_resource(owner)
    response = client.get(f"{RESOURCES}?page={2**70}", headers=owner.headers)
    assert assert_json(response, 200, "Resource", many=True) == []
    assert json.loads(response.headers["X-Pagination"])["total"] == 1


def test_update_resource_editor_changing_visibility_forbidden(
    client, owner, other, create_resource
):
    # Who sees a resource is the owner's call: an editor publishing it would expose `data`.
    resource = create_resource(owner, data={"secret": 1})
    client.put(
        f"{RESOURCES}/{resource['id']}/grants/{other.username}",
        json={"role": "editor"},
        headers=owner.headers,
    )
    url = f"{RESOURCES}/{resource['id']}"
    published = client.patch(url, json={"visibility": "public"}, headers=other.headers)
    assert_problem(published, 403, "owner")
    assert_problem(client.get(url), 404)
    # Sending the visibility it already has changes nothing, and is the editor's to send.
    same = {"name": "By editor", "visibility": "private"}
    assert assert_json(client.patch(url, json=same, headers=other.headers), 200)["version"] == 2


def test_list_links_carry_only_the_declared_query_parameters(client, owner, create_resource):
    for number in range(3):
        create_resource(owner, name=f"Item {number}")
    # Werkzeug's url_for once took these for its own: _method made a 500, _external the host.
    query = "page_size=1&visibility=private&_method=DELETE&_external=1&extra=x"
    response = client.get(f"{RESOURCES}?{query}", headers={**owner.headers, "Host": "evil.example"})
    assert_json(response, 200, "Resource", many=True)
    links = response.headers["Link"]
    assert '</api/v1/resources?page=2&page_size=1&visibility=private>; rel="next"' in links
    assert "_method" not in links and "_external" not in links and "extra" not in links
    assert "evil.example" not in links


def test_list_past_the_last_page_still_says_which_page(client, owner, create_resource):
    create_resource(owner)
    response = client.get(f"{RESOURCES}?page=5", headers=owner.headers)
    assert assert_json(response, 200, "Resource", many=True) == []
    assert json.loads(response.headers["X-Pagination"])["page"] == 5
