"""Comments: seen with their resource (404 like a missing id), written by whoever sees it,
changed by their author, deleted by their author or the resource's owner."""

import pytest

from tests.assertions import assert_json, assert_no_content, assert_problem
from tests.conftest import concurrent_write, log_in

MISSING_ID = 999_999


@pytest.fixture
def share(client, owner):
    """Share one of the owner's resources with a user, as reader or editor."""

    def share(resource: dict, caller, role: str = "reader") -> None:
        url = f"/api/v1/resources/{resource['id']}/grants/{caller.username}"
        assert client.put(url, json={"role": role}, headers=owner.headers).status_code == 200

    return share


@pytest.fixture
def comment_on(client):
    """Comment on a resource as `caller` through the API; returns the comment's JSON."""

    def comment(resource: dict, caller, body: str = "First!") -> dict:
        url = f"/api/v1/resources/{resource['id']}/comments"
        response = client.post(url, json={"body": body}, headers=caller.headers)
        return assert_json(response, 201, "Comment")

    return comment


def _comments_url(resource: dict) -> str:
    return f"/api/v1/resources/{resource['id']}/comments"


def _url(comment: dict | int) -> str:
    return f"/api/v1/comments/{comment['id'] if isinstance(comment, dict) else comment}"


def test_create_comment_owner_created(client, owner, create_resource):
    resource = create_resource(owner)
    body = "Line one\n\tindented line two"
    response = client.post(_comments_url(resource), json={"body": body}, headers=owner.headers)
    created = assert_json(response, 201, "Comment")
    assert response.headers["Location"] == _url(created)
    assert response.headers["ETag"] == '"v1"'
    assert (created["body"], created["author"]) == (body, owner.username)
    assert (created["resource_id"], created["version"]) == (resource["id"], 1)


def test_create_comment_reader_created(client, owner, other, create_resource, share, comment_on):
    resource = create_resource(owner)
    share(resource, other)
    assert comment_on(resource, other)["author"] == other.username


def test_create_comment_on_public_resource_other_user_created(
    client, owner, other, create_resource, comment_on
):
    resource = create_resource(owner, visibility="public")
    assert comment_on(resource, other)["author"] == other.username


def test_create_comment_on_private_resource_other_user_not_found_like_missing(
    client, owner, other, create_resource
):
    resource = create_resource(owner)
    hidden = client.post(_comments_url(resource), json={"body": "Hi"}, headers=other.headers)
    missing = client.post(
        _comments_url({"id": MISSING_ID}), json={"body": "Hi"}, headers=other.headers
    )
    assert assert_problem(hidden, 404)["detail"].replace(str(resource["id"]), "ID") == (
        assert_problem(missing, 404)["detail"].replace(str(MISSING_ID), "ID")
    )


def test_create_comment_anonymous_unauthorized(client, owner, create_resource):
    resource = create_resource(owner, visibility="public")
    assert_problem(client.post(_comments_url(resource), json={"body": "Hi"}), 401)


def test_create_comment_read_only_token_forbidden(client, owner, create_resource):
    resource = create_resource(owner)
    headers = {"Authorization": f"Bearer {log_in(client, owner.username, 'resources:read')}"}
    response = client.post(_comments_url(resource), json={"body": "Hi"}, headers=headers)
    assert_problem(response, 403, "resources:write")


@pytest.mark.parametrize(
    "body",
    [{}, {"body": ""}, {"body": "x" * 4001}, {"body": "a\x00b"}, {"body": "bell\x07"},
     {"body": "carriage\rreturn"}, {"body": "Hi", "author": "oscar"}, {"body": "Hi", "id": 3}],
)  # fmt: skip
def test_create_comment_invalid_unprocessable(client, owner, create_resource, body):
    resource = create_resource(owner)
    response = client.post(_comments_url(resource), json=body, headers=owner.headers)
    assert_problem(response, 422)
    listed = client.get(_comments_url(resource), headers=owner.headers)
    assert assert_json(listed, 200, "Comment", many=True) == []


def test_create_comment_longest_body_created(client, owner, create_resource, comment_on):
    assert len(comment_on(create_resource(owner), owner, "x" * 4000)["body"]) == 4000


def test_list_comments_newest_first_a_page_at_a_time(client, owner, create_resource, comment_on):
    resource = create_resource(owner)
    written = [comment_on(resource, owner, f"Comment {n}") for n in range(3)]
    response = client.get(f"{_comments_url(resource)}?page_size=2", headers=owner.headers)
    first_page = assert_json(response, 200, "Comment", many=True)
    assert [c["id"] for c in first_page] == [written[2]["id"], written[1]["id"]]
    assert response.headers["X-Pagination"].startswith('{"total": 3')
    assert 'rel="next"' in response.headers["Link"]
    second = client.get(f"{_comments_url(resource)}?page_size=2&page=2", headers=owner.headers)
    assert [c["id"] for c in assert_json(second, 200, "Comment", many=True)] == [written[0]["id"]]


def test_list_comments_of_public_resource_anonymous_ok(client, owner, create_resource, comment_on):
    resource = create_resource(owner, visibility="public")
    comment = comment_on(resource, owner)
    assert assert_json(client.get(_comments_url(resource)), 200, "Comment", many=True) == [comment]


def test_list_comments_of_private_resource_other_user_not_found(
    client, owner, other, create_resource, comment_on
):
    resource = create_resource(owner)
    comment_on(resource, owner)
    assert_problem(client.get(_comments_url(resource), headers=other.headers), 404)
    assert_problem(client.get(_comments_url(resource)), 404)


def test_list_comments_bad_token_unauthorized(client, owner, create_resource):
    resource = create_resource(owner, visibility="public")
    headers = {"Authorization": "Bearer bad"}
    assert_problem(client.get(_comments_url(resource), headers=headers), 401)


def test_list_comments_missing_resource_not_found(client, owner):
    assert_problem(client.get(_comments_url({"id": MISSING_ID}), headers=owner.headers), 404)


def test_get_comment_etag_and_not_modified(client, owner, create_resource, comment_on):
    comment = comment_on(create_resource(owner), owner)
    response = client.get(_url(comment), headers=owner.headers)
    assert assert_json(response, 200, "Comment") == comment
    assert response.headers["ETag"] == '"v1"'
    again = client.get(_url(comment), headers={**owner.headers, "If-None-Match": '"v1"'})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_get_comment_on_private_resource_other_user_not_found_like_missing(
    client, owner, other, create_resource, comment_on
):
    comment = comment_on(create_resource(owner), owner)
    hidden = assert_problem(client.get(_url(comment), headers=other.headers), 404)
    missing = assert_problem(client.get(_url(MISSING_ID), headers=other.headers), 404)
    assert hidden["detail"].replace(str(comment["id"]), "ID") == missing["detail"].replace(
        str(MISSING_ID), "ID"
    )


def test_get_comment_anonymous_public_ok_private_not_found(
    client, owner, create_resource, comment_on
):
    public = comment_on(create_resource(owner, visibility="public"), owner)
    private = comment_on(create_resource(owner), owner)
    assert assert_json(client.get(_url(public)), 200, "Comment") == public
    assert_problem(client.get(_url(private)), 404)


def test_get_comment_after_access_is_withdrawn_not_found(
    client, owner, other, create_resource, share, comment_on
):
    resource = create_resource(owner)
    share(resource, other)
    comment = comment_on(resource, other)
    url = f"/api/v1/resources/{resource['id']}/grants/{other.username}"
    assert_no_content(client.delete(url, headers=owner.headers))
    # Even its author no longer sees it, nor may change it.
    assert_problem(client.get(_url(comment), headers=other.headers), 404)
    response = client.patch(_url(comment), json={"body": "Mine"}, headers=other.headers)
    assert_problem(response, 404)


def test_get_comment_missing_not_found(client, owner):
    assert_problem(client.get(_url(MISSING_ID), headers=owner.headers), 404)


def test_update_comment_author_ok_bumps_version(client, owner, create_resource, comment_on):
    comment = comment_on(create_resource(owner), owner)
    response = client.patch(
        _url(comment), json={"body": "Edited"}, headers={**owner.headers, "If-Match": '"v1"'}
    )
    body = assert_json(response, 200, "Comment")
    assert (body["body"], body["version"]) == ("Edited", 2)
    assert response.headers["ETag"] == '"v2"'
    assert body["updated_at"] >= comment["updated_at"]


def test_update_comment_resource_owner_forbidden(
    client, owner, other, create_resource, share, comment_on
):
    resource = create_resource(owner)
    share(resource, other, "editor")
    comment = comment_on(resource, other)
    response = client.patch(_url(comment), json={"body": "Not mine"}, headers=owner.headers)
    assert_problem(response, 403, "author")
    assert client.get(_url(comment), headers=owner.headers).get_json() == comment


def test_update_comment_other_user_on_public_resource_forbidden(
    client, owner, other, create_resource, comment_on
):
    comment = comment_on(create_resource(owner, visibility="public"), owner)
    response = client.patch(_url(comment), json={"body": "X"}, headers=other.headers)
    assert_problem(response, 403)


def test_update_comment_anonymous_unauthorized(client, owner, create_resource, comment_on):
    comment = comment_on(create_resource(owner, visibility="public"), owner)
    assert_problem(client.patch(_url(comment), json={"body": "X"}), 401)


def test_update_comment_missing_not_found(client, owner):
    response = client.patch(_url(MISSING_ID), json={"body": "X"}, headers=owner.headers)
    assert_problem(response, 404)


def test_update_comment_stale_if_match_precondition_failed(
    client, owner, create_resource, comment_on
):
    comment = comment_on(create_resource(owner), owner)
    client.patch(_url(comment), json={"body": "Second"}, headers=owner.headers)
    response = client.patch(
        _url(comment), json={"body": "Third"}, headers={**owner.headers, "If-Match": '"v1"'}
    )
    assert_problem(response, 412)
    assert client.get(_url(comment), headers=owner.headers).get_json()["body"] == "Second"


def test_update_comment_changed_meanwhile_conflict(client, owner, create_resource, comment_on):
    comment = comment_on(create_resource(owner), owner)
    with concurrent_write():
        response = client.patch(_url(comment), json={"body": "Mine"}, headers=owner.headers)
    assert_problem(response, 409, "changed meanwhile")
    assert client.get(_url(comment), headers=owner.headers).get_json()["body"] == "First!"


def test_update_comment_mass_assignment_unprocessable(client, owner, create_resource, comment_on):
    comment = comment_on(create_resource(owner), owner)
    for field, value in [("author", "oscar"), ("resource_id", 1), ("version", 9), ("id", 2)]:
        response = client.patch(_url(comment), json={field: value}, headers=owner.headers)
        assert field in assert_problem(response, 422)["errors"]
    assert client.get(_url(comment), headers=owner.headers).get_json() == comment


def test_delete_comment_author_no_content(client, owner, other, create_resource, comment_on):
    comment = comment_on(create_resource(owner, visibility="public"), other)
    assert_no_content(client.delete(_url(comment), headers=other.headers))
    assert_problem(client.get(_url(comment), headers=owner.headers), 404)


def test_delete_comment_resource_owner_no_content(
    client, owner, other, create_resource, comment_on
):
    comment = comment_on(create_resource(owner, visibility="public"), other)
    assert_no_content(client.delete(_url(comment), headers=owner.headers))
    assert_problem(client.get(_url(comment), headers=other.headers), 404)


def test_delete_comment_editor_forbidden(client, owner, other, create_resource, share, comment_on):
    resource = create_resource(owner)
    share(resource, other, "editor")
    comment = comment_on(resource, owner)
    assert_problem(client.delete(_url(comment), headers=other.headers), 403, "author")
    assert client.get(_url(comment), headers=owner.headers).status_code == 200


def test_delete_comment_anonymous_unauthorized(client, owner, create_resource, comment_on):
    comment = comment_on(create_resource(owner, visibility="public"), owner)
    assert_problem(client.delete(_url(comment)), 401)


def test_delete_comment_missing_not_found(client, owner):
    assert_problem(client.delete(_url(MISSING_ID), headers=owner.headers), 404)


def test_delete_comment_stale_if_match_precondition_failed(
    client, owner, create_resource, comment_on
):
    comment = comment_on(create_resource(owner), owner)
    response = client.delete(_url(comment), headers={**owner.headers, "If-Match": '"v7"'})
    assert_problem(response, 412)
    assert client.get(_url(comment), headers=owner.headers).status_code == 200


def test_deleting_a_resource_deletes_its_comments(client, owner, create_resource, comment_on):
    resource = create_resource(owner)
    comment = comment_on(resource, owner)
    assert_no_content(client.delete(f"/api/v1/resources/{resource['id']}", headers=owner.headers))
    assert_problem(client.get(_url(comment), headers=owner.headers), 404)


def test_deleting_an_account_deletes_its_comments(
    client, owner, other, create_resource, comment_on
):
    comment = comment_on(create_resource(owner, visibility="public"), other)
    assert_no_content(client.delete("/api/v1/users/me", headers=other.headers))
    assert_problem(client.get(_url(comment), headers=owner.headers), 404)
