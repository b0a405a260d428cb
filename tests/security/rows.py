"""Row counts of every table, to show a refused request changed nothing."""

import sqlalchemy as sa

from service.database import db


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        counts = {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return counts
