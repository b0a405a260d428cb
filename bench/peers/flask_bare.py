"""Bare-Flask baseline: the three measured operations by hand on SQLAlchemy Core (gunicorn)."""

import os
import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify, request
from psycopg.types.json import Json
from sqlalchemy import Connection, RowMapping, create_engine

from bench.peers import common

SINGLE_LINE = re.compile(r"^[^\x00-\x1f\x7f]*$")
NO_NUL = re.compile(r"^[^\x00]*$")
CREATE_FIELDS = {"name", "description", "data", "visibility"}

app = Flask(__name__)
# SQLAlchemy's default pool (5), as Flask-SQLAlchemy gives the product; sessions in UTC so
# timestamps come back as the product writes them.
engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
    connect_args={"options": "-c TimeZone=UTC"},
)
# Reads in autocommit (no BEGIN and ROLLBACK round trips), as the product reads.
reader = engine.execution_options(isolation_level="AUTOCOMMIT")


class Problem(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


@app.errorhandler(Problem)
def problem_response(error: Problem):
    response = jsonify(status=error.status, detail=error.detail)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def caller(conn: Connection, scope: str, *, required: bool) -> RowMapping | None:
    """The bearer token's user (401 if bad or, when required, missing; 403 without scope)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        if required or scheme:
            raise Problem(401, "Send a bearer token.", {"WWW-Authenticate": common.REALM})
        return None
    params = {"token_hash": common.hash_token(secret.strip()), "now": datetime.now(UTC)}
    user = conn.exec_driver_sql(common.TOKEN, params).mappings().first()
    if user is None:
        raise Problem(401, "The bearer token is invalid.", {"WWW-Authenticate": common.REALM})
    if scope not in user["scope"].split():
        raise Problem(403, f"This token lacks the scope: {scope}.")
    return user


def visible(conn: Connection, resource: RowMapping, user: RowMapping | None) -> bool:
    grant = None
    user_id = user["user_id"] if user else None
    if user_id is not None and resource["owner_id"] != user_id:
        params = {"resource_id": resource["id"], "user_id": user_id}
        grant = conn.exec_driver_sql(common.GRANT, params).scalar()
    return common.role_of(resource, user_id, grant) is not None


def public(resource: RowMapping) -> dict[str, Any]:
    return {
        "id": resource["id"],
        "name": resource["name"],
        "description": resource["description"],
        "data": resource["data"],
        "visibility": resource["visibility"],
        "owner": resource["owner"],
        "created_at": resource["created_at"].isoformat(),
        "updated_at": resource["updated_at"].isoformat(),
        "version": resource["version"],
    }


def int_arg(name: str, default: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (maximum and int(raw) > maximum):
        raise Problem(422, f"{name} must be an integer from 1 to {maximum or 'any'}.")
    return int(raw)


def creation(body: Any) -> dict[str, Any]:
    """The product's ResourceCreateSchema rules, by hand (422 on the first broken one)."""
    if not isinstance(body, dict):
        raise Problem(422, "Send a JSON object.")
    fields = {
        "name": body.get("name"),
        "description": body.get("description", ""),
        "data": body.get("data", {}),
        "visibility": body.get("visibility", "private"),
    }
    name, description, data = fields["name"], fields["description"], fields["data"]
    if body.keys() - CREATE_FIELDS:
        raise Problem(422, f"Unknown fields: {sorted(body.keys() - CREATE_FIELDS)}.")
    if not isinstance(name, str) or not 1 <= len(name) <= 100 or not SINGLE_LINE.match(name):
        raise Problem(422, "name: a single line of 1 to 100 characters.")
    if not isinstance(description, str) or len(description) > 2000:
        raise Problem(422, "description: at most 2000 characters.")
    if not NO_NUL.match(description):
        raise Problem(422, "description: no NUL characters.")
    if not isinstance(data, dict) or (error := common.data_limits_error(data)):
        raise Problem(422, f"data: {error or 'a JSON object.'}")
    if fields["visibility"] not in common.VISIBILITIES:
        raise Problem(422, "visibility: private or public.")
    return fields


@app.get(f"/api/v1/resources/<int(max={common.MAX_ID}):resource_id>")
def get_resource(resource_id: int):
    with reader.connect() as conn:
        user = caller(conn, common.READ_SCOPE, required=False)
        resource = conn.exec_driver_sql(common.RESOURCE, {"id": resource_id}).mappings().first()
        if resource is None or not visible(conn, resource, user):
            raise Problem(404, f"Resource {resource_id} not found.")
    response = jsonify(public(resource))
    response.headers["ETag"] = common.etag(resource["version"])
    return response


@app.get("/api/v1/resources")
def list_resources():
    page = int_arg("page", 1)
    page_size = int_arg("page_size", common.DEFAULT_PAGE_SIZE, common.MAX_PAGE_SIZE)
    offset = (page - 1) * page_size
    with reader.connect() as conn:
        user = caller(conn, common.READ_SCOPE, required=False)
        params = {"user_id": user["user_id"] if user else None}
        total = conn.exec_driver_sql(common.COUNT, params).scalar_one()
        page_params = {**params, "limit": page_size, "offset": offset}
        rows = [] if offset >= total else conn.exec_driver_sql(common.PAGE, page_params).mappings()
        response = jsonify([public(row) for row in rows])
    response.headers.update(common.pagination_headers(request.path, page, page_size, total))
    return response


@app.post("/api/v1/resources")
def create_resource():
    with engine.begin() as conn:
        user = caller(conn, common.WRITE_SCOPE, required=True)
        fields = creation(request.get_json(silent=True))
        now = datetime.now(UTC)
        params = {**fields, "data": Json(fields["data"]), "owner_id": user["user_id"], "now": now}
        resource_id = conn.exec_driver_sql(common.INSERT, params).scalar_one()
    stamp = now.isoformat()
    resource = {"id": resource_id, **fields, "owner": user["username"], "version": 1}
    response = jsonify({**resource, "created_at": stamp, "updated_at": stamp})
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/resources/{resource_id}"
    response.headers["ETag"] = common.etag(1)
    return response
