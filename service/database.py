"""The SQLAlchemy handle, apart from the other extensions so models import nothing else."""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic alter them, on SQLite too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A view commits once, at its end, and then dumps what it changed: every value is set on the
# Python side (defaults, version counter), so reloading each object after the commit would
# be one more database round trip per write for nothing.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
