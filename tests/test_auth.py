"""Passwords (argon2id) and tokens (hashed, expiring, revocable)."""

import hashlib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from service import auth
from service.database import db
from service.models import Token, User
from tests.assertions import assert_problem
from tests.conftest import PASSWORD, TEST_SETTINGS, log_in, migrated_app, sign_up


def test_password_stored_as_argon2id_with_unique_salt(app, client):
    sign_up(client, "sam")
    sign_up(client, "alex")
    with app.app_context():
        hashes = list(db.session.scalars(select(User.password_hash)))
    assert all(h.startswith("$argon2id$v=19$") for h in hashes)
    assert len(set(hashes)) == 2


def test_token_stored_only_as_sha256(app, client, owner):
    with app.app_context():
        stored = db.session.scalars(select(Token.token_hash)).all()
    assert owner.token not in stored
    assert hashlib.sha256(owner.token.encode()).hexdigest() in stored


def test_unknown_user_login_still_verifies_a_hash(app, client, monkeypatch):
    """Equal cost: an unknown name runs one argon2 verification, like a wrong password."""
    calls = []

    class CountingHasher(PasswordHasher):
        def verify(self, stored, password):
            calls.append(stored)
            return super().verify(stored, password)

    with app.app_context():
        real = auth.password_hasher()
    counting = CountingHasher(real.time_cost, real.memory_cost, real.parallelism)
    monkeypatch.setitem(app.extensions, "password_hasher", counting)
    response = client.post("/api/v1/tokens", json={"username": "ghost", "password": "whatever"})
    assert_problem(response, 401)
    assert len(calls) == 1


def test_hash_upgraded_at_login_after_cost_change(sqlite_url):
    cheap = migrated_app(sqlite_url, **{**TEST_SETTINGS, "ARGON2_TIME_COST": 1})
    client = cheap.test_client()
    sign_up(client, "sam")
    stronger = migrated_app(sqlite_url, **{**TEST_SETTINGS, "ARGON2_TIME_COST": 3})
    log_in(stronger.test_client(), "sam")
    with stronger.app_context():
        user = db.session.scalar(select(User).where(User.username == "sam"))
        assert ",t=3," in user.password_hash
        db.session.delete(user)
        db.session.commit()


@pytest.fixture
def short_lived_app(sqlite_url):
    app = migrated_app(sqlite_url, **{**TEST_SETTINGS, "TOKEN_TTL_SECONDS": -1})
    yield app
    with app.app_context():
        db.session.execute(User.__table__.delete())
        db.session.commit()


def test_expired_token_unauthorized(short_lived_app):
    client = short_lived_app.test_client()
    sign_up(client, "sam")
    token = client.post("/api/v1/tokens", json={"username": "sam", "password": PASSWORD}).get_json()
    response = client.get(
        "/api/v1/tokens/current", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
