"""Password hashing cannot starve the rest: a taken name is refused before any hash, and at
most SERVICE_HASHING_SLOTS argon2 computations run at once on the machine."""

import subprocess
import sys
import textwrap

import pytest
from argon2 import PasswordHasher

from service import hashing
from tests.assertions import assert_json, assert_problem
from tests.conftest import PASSWORD, TEST_SETTINGS, migrated_app


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """The passwords hashed or verified from now on."""
    made = []
    hash_, verify = PasswordHasher.hash, PasswordHasher.verify

    def counted_hash(self, password, **kwargs):
        made.append("hash")
        return hash_(self, password, **kwargs)

    def counted_verify(self, stored, password):
        made.append("verify")
        return verify(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "hash", counted_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    return made


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/users", {"username": "olivia", "password": PASSWORD}),
        ("/api/v1/users", {"username": "someone", "password": PASSWORD, "email": "o@x.org"}),
        ("/userSignUp", {"username": "olivia", "password": PASSWORD}),
    ],
)
def test_sign_up_of_a_taken_name_or_address_hashes_nothing(client, hashes, path, body):
    client.post(
        "/api/v1/users", json={"username": "olivia", "password": PASSWORD, "email": "o@x.org"}
    )
    hashes.clear()
    assert_problem(client.post(path, json=body), 409)
    assert hashes == []


@pytest.fixture
def one_slot(tmp_path):
    app = migrated_app(
        f"sqlite:///{tmp_path}/slots.sqlite3",
        **{**TEST_SETTINGS, "HASHING_SLOTS": 1, "HASHING_WAIT_MS": 50},
    )
    return app


def test_no_free_hashing_slot_answers_503_and_frees_the_worker(one_slot):
    client = one_slot.test_client()
    credentials = {"username": "sam", "password": PASSWORD}
    with one_slot.app_context(), hashing.hashing_slot():  # another request is hashing
        response = client.post("/api/v1/users", json=credentials)
        # What needs no hash is served meanwhile.
        assert client.get("/health/live").status_code == 200
    assert_problem(response, 503, "busy checking passwords")
    assert response.headers["Retry-After"] == "1"
    assert_json(client.post("/api/v1/users", json=credentials), 201, "User")


def test_a_slot_held_by_a_process_that_died_is_free_again(one_slot):
    # flock is released with the process that held it: a killed worker frees its slot.
    with one_slot.app_context():
        path = hashing._slot_files(1)[0]
    holder = textwrap.dedent(f"""
        import fcntl, os
        fd = os.open({path!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", holder], check=True, timeout=30)
    credentials = {"username": "sam", "password": PASSWORD}
    assert_json(one_slot.test_client().post("/api/v1/users", json=credentials), 201, "User")
