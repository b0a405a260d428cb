"""flask-smorest peer: the three measured operations as its documentation writes them (gunicorn).

A `Blueprint` of `MethodView`s, marshmallow schemas through `@blp.arguments` and
`@blp.response`, the list through `@blp.paginate` with the documentation's SQLAlchemy page
class (its `X-Pagination` header), Flask-SQLAlchemy models (`peers/orm.py`) with their
defaults. flask-smorest has no authentication of its own: the bearer token is read by a small
helper, as its users write one.
"""

import re
from datetime import UTC, datetime

from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint, Page, abort
from marshmallow import Schema, ValidationError, fields, validate, validates

from bench.peers import common
from bench.peers.orm import ORDER, Resource, active_token, can_see, configure, db, visible_to

app = Flask(__name__)
app.config.update(API_TITLE="Resources", API_VERSION="v1", OPENAPI_VERSION="3.1.0")
configure(app)
api = Api(app)
blp = Blueprint("resources", __name__, url_prefix="/api/v1")


class ResourceSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(
        required=True,
        validate=[validate.Length(1, 100), validate.Regexp(re.compile(r"^[^\x00-\x1f\x7f]*$"))],
    )
    description = fields.String(
        load_default="", validate=[validate.Length(max=2000), validate.Regexp(r"^[^\x00]*$")]
    )
    data = fields.Dict(keys=fields.String(), load_default=dict)
    visibility = fields.String(load_default="private", validate=validate.OneOf(common.VISIBILITIES))
    owner = fields.String(attribute="owner.username", dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)

    @validates("data")
    def validate_data(self, value: dict, **kwargs) -> None:
        if error := common.data_limits_error(value):
            raise ValidationError(error)


class SQLCursorPage(Page):
    """The documentation's page class for a SQLAlchemy query: count, then a slice."""

    @property
    def item_count(self):
        return self.collection.count()


def current_user(scope: str, *, required: bool):
    """The bearer token's user (401 if bad or, when required, missing; 403 without scope)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        if required or scheme:
            abort(401, message="Send a bearer token.", headers={"WWW-Authenticate": common.REALM})
        return None
    token = active_token(secret.strip())
    if token is None:
        abort(
            401,
            message="The bearer token is invalid.",
            headers={"WWW-Authenticate": common.REALM},
        )
    if scope not in token.scope.split():
        abort(403, message=f"This token lacks the scope: {scope}.")
    return token.user


@blp.route("/resources/<int:resource_id>")
class ResourceById(MethodView):
    @blp.response(200, ResourceSchema)
    def get(self, resource_id: int):
        user = current_user(common.READ_SCOPE, required=False)
        resource = db.session.get(Resource, resource_id)
        if resource is None or not can_see(resource, user.id if user else None):
            abort(404, message=f"Resource {resource_id} not found.")
        return resource, {"ETag": common.etag(resource.version)}


@blp.route("/resources")
class Resources(MethodView):
    @blp.response(200, ResourceSchema(many=True))
    @blp.paginate(SQLCursorPage)
    def get(self):
        user = current_user(common.READ_SCOPE, required=False)
        query = Resource.query.filter(visible_to(user.id if user else None))
        return query.order_by(*ORDER)

    @blp.arguments(ResourceSchema)
    @blp.response(201, ResourceSchema)
    def post(self, fields: dict):
        user = current_user(common.WRITE_SCOPE, required=True)
        now = datetime.now(UTC)
        resource = Resource(**fields, owner=user, created_at=now, updated_at=now, version=1)
        db.session.add(resource)
        db.session.commit()
        headers = {"Location": f"/api/v1/resources/{resource.id}", "ETag": common.etag(1)}
        return resource, headers


api.register_blueprint(blp)
