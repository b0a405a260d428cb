"""The root of the server: where the documentation and API v1 are."""

from flask import url_for
from flask.views import MethodView

from schemas.legacy import IndexSchema
from service.contract import Blueprint

blp = Blueprint("index", __name__, description="Where to start.", uses_database=False)


@blp.route("/")
class Index(MethodView):
    @blp.response(200, IndexSchema)
    @blp.doc(operationId="getIndex")
    def get(self):
        """Links to the documentation, the spec and API v1"""
        return {
            "docs": url_for("api-docs.openapi_swagger_ui"),
            "redoc": url_for("api-docs.openapi_redoc"),
            "openapi": url_for("api-docs.openapi_json"),
            "v1": {
                "users": url_for("users.Users"),
                "tokens": url_for("tokens.Tokens"),
                "resources": url_for("resources.Resources"),
            },
        }
