"""Flask extensions, created unbound and initialised in `create_app`."""

from flask_compress import Compress
from flask_cors import CORS
from flask_migrate import Migrate

from service.contract import Api
from service.database import db

migrate = Migrate()
api = Api()
cors = CORS()
compress = Compress()

__all__ = ["api", "compress", "cors", "db", "migrate"]
