"""Migrations are the only way the schema changes: from empty they build exactly the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.database import db


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_upgrade_from_empty_matches_models(request, database, tmp_path):
    from tests.conftest import migrated_app

    url = request.getfixturevalue(f"{database}_url")
    if database == "sqlite":
        url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    app = migrated_app(url)
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
        tables = set(db.inspect(connection).get_table_names())
    assert {"users", "tokens", "resources", "grants", "alembic_version"} <= tables
    with app.app_context():
        db.engine.dispose()  # before the session drops the database under it
