"""APIFlask peer: the three measured operations as its documentation writes them (gunicorn).

`@app.input` / `@app.output` with marshmallow schemas, `@app.auth_required` with
`HTTPTokenAuth` (the token's scopes as Flask-HTTPAuth roles; reads, whose token is optional,
check the scope themselves), Flask-SQLAlchemy models (`peers/orm.py`) with their defaults and
`db.paginate`. APIFlask's documented pagination puts the items and `pagination_builder`'s
metadata in one object; the measured answer is the product's bare list, so the metadata goes
to an `X-Pagination` header instead.
"""

import json
import re
from datetime import UTC, datetime

from apiflask import APIFlask, HTTPTokenAuth, Schema, abort
from apiflask.fields import DateTime, Dict, Integer, String
from apiflask.validators import Length, OneOf, Range, Regexp
from flask import request
from marshmallow import ValidationError, validates

from bench.peers import common
from bench.peers.orm import ORDER, Resource, active_token, can_see, configure, db, visible_to

app = APIFlask(__name__, title="Resources", version="v1")
configure(app)
auth = HTTPTokenAuth(scheme="Bearer")


@auth.verify_token
def verify_token(secret: str):
    return active_token(secret) if secret else None


@auth.get_user_roles
def get_user_roles(token):
    return token.scope.split()


class ResourceIn(Schema):
    name = String(
        required=True, validate=[Length(1, 100), Regexp(re.compile(r"^[^\x00-\x1f\x7f]*$"))]
    )
    description = String(load_default="", validate=[Length(max=2000), Regexp(r"^[^\x00]*$")])
    data = Dict(keys=String(), load_default=dict)
    visibility = String(load_default="private", validate=OneOf(common.VISIBILITIES))

    @validates("data")
    def validate_data(self, value: dict, **kwargs) -> None:
        if error := common.data_limits_error(value):
            raise ValidationError(error)


class ResourceOut(Schema):
    id = Integer()
    name = String()
    description = String()
    data = Dict()
    visibility = String()
    owner = String(attribute="owner.username")
    created_at = DateTime()
    updated_at = DateTime()
    version = Integer()


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1))
    page_size = Integer(
        load_default=common.DEFAULT_PAGE_SIZE, validate=Range(1, common.MAX_PAGE_SIZE)
    )


def _user_id(scope: str) -> int | None:
    """The caller of a read, whose token is optional. Flask-HTTPAuth lets a request through
    `optional=True` with a bad token (as anonymous) or without the role (as the user); the
    product answers those 401 and 403, and so does this peer."""
    token = auth.current_user
    if token is None:
        if "Authorization" in request.headers:
            abort(401, "The bearer token is invalid.", headers={"WWW-Authenticate": common.REALM})
        return None
    if scope not in token.scope.split():
        abort(403, f"This token lacks the scope: {scope}.")
    return token.user_id


@app.get(f"/api/v1/resources/<int(max={common.MAX_ID}):resource_id>")
@app.auth_required(auth, optional=True)
@app.output(ResourceOut)
def get_resource(resource_id: int):
    user_id = _user_id(common.READ_SCOPE)
    resource = db.get_or_404(Resource, resource_id)
    if not can_see(resource, user_id):
        abort(404, f"Resource {resource_id} not found.")
    return resource, {"ETag": common.etag(resource.version)}


@app.get("/api/v1/resources")
@app.auth_required(auth, optional=True)
@app.input(PageQuery, location="query")
@app.output(ResourceOut(many=True))
def list_resources(query_data: dict):
    query = db.select(Resource).where(visible_to(_user_id(common.READ_SCOPE))).order_by(*ORDER)
    pagination = db.paginate(query, page=query_data["page"], per_page=query_data["page_size"])
    metadata = {
        "total": pagination.total,
        "total_pages": pagination.pages,
        "page": pagination.page,
        "per_page": pagination.per_page,
    }
    return pagination.items, {"X-Pagination": json.dumps(metadata)}


@app.post("/api/v1/resources")
@app.auth_required(auth, roles=[common.WRITE_SCOPE])
@app.input(ResourceIn)
@app.output(ResourceOut, status_code=201)
def create_resource(json_data: dict):
    now = datetime.now(UTC)
    owner = auth.current_user.user
    resource = Resource(**json_data, owner=owner, created_at=now, updated_at=now, version=1)
    db.session.add(resource)
    db.session.commit()
    headers = {"Location": f"/api/v1/resources/{resource.id}", "ETag": common.etag(1)}
    return resource, headers
