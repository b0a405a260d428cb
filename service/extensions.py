"""Flask extensions, created unbound and initialised in `create_app`."""

from flask_migrate import Migrate

from service.contract import Api
from service.database import db

migrate = Migrate()
api = Api()

__all__ = ["api", "db", "migrate"]
