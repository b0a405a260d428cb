"""A migrated throwaway database on the machine's PostgreSQL."""

import pytest

from service.database import db
from tests.conftest import _throwaway_postgres_database, migrated_app


@pytest.fixture
def database_url():
    """A migrated throwaway database, made before the test: Alembic's logging setup would
    remove caplog's handler."""
    admin_engine, name, url = _throwaway_postgres_database()
    setup_app = migrated_app(url)
    with setup_app.app_context():
        db.engine.dispose()
    yield url
    with admin_engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_engine.dispose()
