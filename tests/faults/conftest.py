"""A migrated throwaway database on the machine's PostgreSQL."""

import pytest

from service.database import db
from tests.conftest import migrated_app, throwaway_postgres_database


@pytest.fixture
def database_url():
    """A migrated throwaway database, made before the test: Alembic's logging setup would
    remove caplog's handler."""
    with throwaway_postgres_database() as url:
        setup_app = migrated_app(url)
        with setup_app.app_context():
            db.engine.dispose()
        yield url
