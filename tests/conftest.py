"""Fixtures: one app per database (SQLite always, PostgreSQL when reachable), users, tokens."""

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from service import create_app
from service.config import normalize_database_url
from service.database import db
from tests.services import service_missing

pytest_plugins = ["tests.plugins.contract"]


def pytest_collection_modifyitems(items):
    # On pytest 9.2, schemathesis 4.32 gives the test of every operation the same node id
    # (only its name carries the operation); pytest-xdist tells tests apart by node id, and
    # would run one of them. The operation becomes the id's parameter, as pytest's own
    # parametrize would make it.
    for item in items:
        label = getattr(item, "operation_label", None)
        if label is not None and item._id.params is None:
            item._id = item._id.with_params(label)


POSTGRES_URL = normalize_database_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
PASSWORD = "correct horse battery"
# Real argon2id at OWASP's minimum cost, so the suite stays fast.
TEST_SETTINGS = {
    "SERVICE_ENV": "testing",
    "CONTRACT_GUARD": True,
    # The suite sends thousands of requests from one address; limits have tests of their own,
    # in memory unless a test asks for Redis (REDIS_URL must not leak counts between tests).
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_KIB": 19456,
    "ARGON2_PARALLELISM": 1,
    # Parallel test processes hash at once; tests/test_hashing.py sets its own bound.
    "HASHING_SLOTS": 0,
}


@contextmanager
def throwaway_postgres_database():
    """A database of our own on the server, so no test touches anyone's data; dropped after."""
    # No pool: each admin statement opens and closes its own connection, none lingers.
    admin_engine = sa.create_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    name = f"contract_api_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin_engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin_engine.dispose()
        service_missing(f"PostgreSQL unreachable at {POSTGRES_URL}: {error.orig}")
    url = sa.engine.make_url(POSTGRES_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture(scope="session")
def postgresql_url():
    with throwaway_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")


def migrated_app(database_url: str, **overrides):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def app(request):
    """The app on each database in turn: the whole route suite runs on both."""
    url = request.getfixturevalue(f"{request.param}_url")
    app = migrated_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables(app):
    with app.app_context():
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.session.remove()


@pytest.fixture
def client(app):
    yield app.test_client()
    _empty_all_tables(app)


@dataclass
class Caller:
    """A signed-up user and a token obtained through the real log-in route."""

    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(client, username: str, **details) -> None:
    response = client.post(
        "/api/v1/users", json={"username": username, "password": PASSWORD, **details}
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def log_in(client, username: str, scope: str | None = None) -> str:
    body = {"username": username, "password": PASSWORD}
    if scope is not None:
        body["scope"] = scope
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def make_caller(client, username: str, scope: str | None = None) -> Caller:
    sign_up(client, username)
    return Caller(username, log_in(client, username, scope))


@pytest.fixture
def owner(client) -> Caller:
    return make_caller(client, "olivia")


@pytest.fixture
def other(client) -> Caller:
    return make_caller(client, "oscar")


@pytest.fixture
def admin(app, client) -> Caller:
    result = app.test_cli_runner().invoke(args=["create-admin", "root", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return Caller("root", log_in(client, "root"))


@pytest.fixture
def create_resource(client):
    """Create a resource as `caller` through the API; returns its JSON."""

    def create(caller: Caller, **fields) -> dict:
        body = {"name": "Notes", **fields}
        response = client.post("/api/v1/resources", json=body, headers=caller.headers)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    return create


@contextmanager
def concurrent_write():
    """Make another writer bump a row's version just before the request's own UPDATE or
    DELETE of a versioned table, which then finds the version it read gone."""

    def bump(connection, cursor, statement, parameters, context, executemany):
        words = statement.split(None, 3)
        table = (
            words[1]
            if words[:1] == ["UPDATE"]
            else words[2]
            if words[:2] == ["DELETE", "FROM"]
            else None
        )
        if table in db.metadata.tables and "version" in db.metadata.tables[table].c:
            cursor.execute(f"UPDATE {table} SET version = version + 1")

    event.listen(sa.engine.Engine, "before_cursor_execute", bump)
    try:
        yield
    finally:
        event.remove(sa.engine.Engine, "before_cursor_execute", bump)


# For `@pytest.mark.parametrize("app", ..., indirect=True)`: a case that fails before any
# stored data is read (parsing, say) need not run on every database.
SQLITE = pytest.param("sqlite", id="sqlite")
POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.postgresql, id="postgresql")
