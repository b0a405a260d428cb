"""Idempotency-Key on creating POSTs: a retry gets the first answer again and creates
nothing more; another request under the same key is refused; nothing half-stored."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service.data import idempotency
from service.database import db
from service.models import IdempotencyKey, Resource, User
from service.models.types import utcnow
from tests.assertions import assert_json, assert_problem
from tests.conftest import POSTGRESQL

RESOURCES = "/api/v1/resources"
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def _count(app, model) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
    return count


def _post(client, caller, body: dict, key: str | None = KEY, path: str = RESOURCES):
    headers = {**caller.headers, **({"Idempotency-Key": key} if key else {})}
    return client.post(path, json=body, headers=headers)


def test_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(app, client, owner):
    first = _post(client, owner, {"name": "Once"})
    created = assert_json(first, 201, "Resource")
    assert "Idempotent-Replayed" not in first.headers
    again = _post(client, owner, {"name": "Once"})
    assert assert_json(again, 201, "Resource") == created
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.headers["Location"], again.headers["ETag"]) == (
        first.headers["Location"],
        first.headers["ETag"],
    )
    assert _count(app, Resource) == 1


def test_a_quoted_key_is_the_same_key(app, client, owner):
    assert_json(_post(client, owner, {"name": "Once"}, key=f'"{KEY}"'), 201)
    assert _post(client, owner, {"name": "Once"}).headers["Idempotent-Replayed"] == "true"
    assert _count(app, Resource) == 1


def test_same_key_with_another_body_unprocessable(app, client, owner):
    assert_json(_post(client, owner, {"name": "Once"}), 201)
    problem = assert_problem(_post(client, owner, {"name": "Other"}), 422)
    assert "Idempotency-Key" in problem["detail"]
    assert _count(app, Resource) == 1


def test_keys_belong_to_their_caller(app, client, owner, other):
    assert_json(_post(client, owner, {"name": "Once"}), 201)
    theirs = _post(client, other, {"name": "Once"})
    assert assert_json(theirs, 201)["owner"] == other.username
    assert "Idempotent-Replayed" not in theirs.headers
    assert _count(app, Resource) == 2


def test_without_a_key_every_post_creates(app, client, owner):
    for _ in range(2):
        assert_json(_post(client, owner, {"name": "Twice"}, key=None), 201)
    assert _count(app, Resource) == 2


def test_a_refused_request_stores_nothing_so_its_retry_runs(app, client, owner):
    assert_problem(_post(client, owner, {"name": ""}), 422)
    assert_json(_post(client, owner, {"name": "Fixed"}), 201)
    assert _count(app, Resource) == 1


@pytest.mark.parametrize("key", ["", "has space", '"unterminated', "x" * 256, "é"])
def test_malformed_key_bad_request(app, client, owner, key):
    problem = assert_problem(_post(client, owner, {"name": "N"}, key=key or " "), 400)
    assert "Idempotency-Key" in problem["detail"]
    assert _count(app, Resource) == 0


def test_an_expired_key_can_be_used_again(app, client, owner):
    assert_json(_post(client, owner, {"name": "First"}), 201)
    with app.app_context():
        db.session.execute(sa.update(IdempotencyKey).values(expires_at=utcnow()))
        db.session.commit()
    again = _post(client, owner, {"name": "Second"})
    assert assert_json(again, 201)["name"] == "Second"
    assert _count(app, Resource) == 2


def test_the_answer_is_stored_with_what_was_created_or_not_at_all(
    app, client, owner, monkeypatch, contract_violations
):
    def fail(*args, **kwargs):
        raise RuntimeError("the server died before storing the answer")

    monkeypatch.setattr(idempotency, "record", fail)
    assert_problem(_post(client, owner, {"name": "Lost"}), 500)
    monkeypatch.undo()
    assert [checked.status for checked in contract_violations] == [500]
    contract_violations.clear()  # the 500 is this test's doing
    # Neither the resource nor the key survived: the retry creates it, once.
    assert (_count(app, Resource), _count(app, IdempotencyKey)) == (0, 0)
    assert_json(_post(client, owner, {"name": "Lost"}), 201)
    assert _count(app, Resource) == 1


def test_a_comment_retried_is_made_once(app, client, owner, create_resource):
    url = f"{RESOURCES}/{create_resource(owner)['id']}/comments"
    first = assert_json(_post(client, owner, {"body": "Once"}, path=url), 201, "Comment")
    again = _post(client, owner, {"body": "Once"}, path=url)
    assert assert_json(again, 201, "Comment") == first
    assert again.headers["Idempotent-Replayed"] == "true"


def test_expired_keys_are_purged(app, client, owner):
    assert_json(_post(client, owner, {"name": "Old"}), 201)
    assert_json(_post(client, owner, {"name": "New"}, key="another-key"), 201)
    with app.app_context():
        db.session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.key == KEY)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-idempotency-keys"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 " in result.output
    assert _count(app, IdempotencyKey) == 1


@pytest.mark.parametrize("app", [POSTGRESQL], indirect=True)
@pytest.mark.parametrize("kind", ["resource", "comment"])
def test_retry_while_the_first_is_served_conflict(app, client, owner, create_resource, kind):
    path = RESOURCES
    body = {"name": "Once"}
    if kind == "comment":
        path, body = f"{RESOURCES}/{create_resource(owner)['id']}/comments", {"body": "Once"}
    # The first request's claim, not yet committed, as a request being served holds it.
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == owner.username))
        db.session.remove()
        with db.engine.connect() as serving:
            serving.begin()
            assert idempotency.claim(serving, user_id, KEY, "0" * 64, 60)
            problem = assert_problem(_post(client, owner, body, path=path), 409)
            serving.rollback()
    assert "still being served" in problem["detail"]
    # The first never finished: the retry is served.
    assert_json(_post(client, owner, body, path=path), 201)


@pytest.mark.parametrize("app", [POSTGRESQL], indirect=True)
def test_parallel_retries_create_one_resource(app, owner):
    statuses = []

    def retry():
        response = _post(app.test_client(), owner, {"name": "Parallel"})
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        statuses.append((response.status_code, replayed))

    threads = [threading.Thread(target=retry) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _count(app, Resource) == 1
    assert statuses.count((201, False)) == 1
    assert set(statuses) <= {(201, False), (201, True), (409, False)}
