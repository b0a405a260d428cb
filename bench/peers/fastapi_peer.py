"""FastAPI peer: the three measured operations, `async def` on psycopg 3, pydantic v2 (uvicorn)."""

import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Json
from psycopg_pool import AsyncConnectionPool
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from bench.peers import common

# The product writes timestamps as Python's isoformat ("+00:00"); pydantic would write "Z".
Timestamp = Annotated[
    datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")
]


def _data_limits(value: dict[str, Any]) -> dict[str, Any]:
    error = common.data_limits_error(value)
    if error:
        raise ValueError(error)
    return value


class ResourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")
    description: str = Field("", max_length=2000, pattern=r"^[^\x00]*$")
    data: Annotated[dict[str, Any], AfterValidator(_data_limits)] = Field(default_factory=dict)
    visibility: Literal["private", "public"] = "private"


class ResourcePublic(BaseModel):
    id: int
    name: str
    description: str
    data: dict[str, Any]
    visibility: str
    owner: str
    created_at: Timestamp
    updated_at: Timestamp
    version: int


# Five connections per worker, the size of the product's SQLAlchemy pool; sessions in UTC.
pool = AsyncConnectionPool(
    os.environ["DATABASE_URL"],
    min_size=5,
    max_size=5,
    open=False,
    # Reads in autocommit (no BEGIN and COMMIT round trips), as the product reads; the
    # write opens its own transaction.
    kwargs={"row_factory": dict_row, "options": "-c TimeZone=UTC", "autocommit": True},
)


@asynccontextmanager
async def lifespan(app: FastAPI):
    await pool.open(wait=True)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)
bearer = HTTPBearer(auto_error=False)


async def connection():
    async with pool.connection() as conn:
        yield conn


Conn = Annotated[AsyncConnection, Depends(connection)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": common.REALM})


async def _token_user(scopes: SecurityScopes, conn: AsyncConnection, secret: str) -> dict:
    params = {"token_hash": common.hash_token(secret), "now": datetime.now(UTC)}
    user = await (await conn.execute(common.TOKEN, params)).fetchone()
    if user is None:
        raise _unauthorized("The bearer token is invalid.")
    missing = set(scopes.scopes) - set(user["scope"].split())
    if missing:
        raise HTTPException(403, f"This token lacks the scope: {' '.join(sorted(missing))}.")
    return user


async def optional_user(
    scopes: SecurityScopes, conn: Conn, request: Request, credentials: Credentials
) -> dict | None:
    if credentials is None:
        if "Authorization" in request.headers:
            raise _unauthorized("Send a bearer token.")
        return None
    return await _token_user(scopes, conn, credentials.credentials)


async def required_user(scopes: SecurityScopes, conn: Conn, credentials: Credentials) -> dict:
    if credentials is None:
        raise _unauthorized("Send a bearer token.")
    return await _token_user(scopes, conn, credentials.credentials)


Reader = Annotated[dict | None, Security(optional_user, scopes=[common.READ_SCOPE])]
Writer = Annotated[dict, Security(required_user, scopes=[common.WRITE_SCOPE])]


async def _visible(conn: AsyncConnection, resource: dict, user: dict | None) -> bool:
    grant = None
    user_id = user["user_id"] if user else None
    if user_id is not None and resource["owner_id"] != user_id:
        params = {"resource_id": resource["id"], "user_id": user_id}
        row = await (await conn.execute(common.GRANT, params)).fetchone()
        grant = row["role"] if row else None
    return common.role_of(resource, user_id, grant) is not None


@app.get("/api/v1/resources/{resource_id}", response_model=ResourcePublic)
async def get_resource(
    resource_id: Annotated[int, Path(le=common.MAX_ID)],
    conn: Conn,
    user: Reader,
    response: Response,
):
    resource = await (await conn.execute(common.RESOURCE, {"id": resource_id})).fetchone()
    if resource is None or not await _visible(conn, resource, user):
        raise HTTPException(404, f"Resource {resource_id} not found.")
    response.headers["ETag"] = common.etag(resource["version"])
    return resource


@app.get("/api/v1/resources", response_model=list[ResourcePublic])
async def list_resources(
    conn: Conn,
    user: Reader,
    request: Request,
    response: Response,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=common.MAX_PAGE_SIZE)] = common.DEFAULT_PAGE_SIZE,
):
    params = {"user_id": user["user_id"] if user else None}
    total = (await (await conn.execute(common.COUNT, params)).fetchone())["total"]
    offset = (page - 1) * page_size
    rows = []
    if offset < total:
        page_params = {**params, "limit": page_size, "offset": offset}
        rows = await (await conn.execute(common.PAGE, page_params)).fetchall()
    response.headers.update(common.pagination_headers(request.url.path, page, page_size, total))
    return rows


@app.post("/api/v1/resources", response_model=ResourcePublic, status_code=201)
async def create_resource(fields: ResourceCreate, conn: Conn, user: Writer, response: Response):
    now = datetime.now(UTC)
    values = fields.model_dump()
    params = {**values, "data": Json(values["data"]), "owner_id": user["user_id"], "now": now}
    # Committed before answering (the pool would commit only when the dependency exits).
    async with conn.transaction():
        resource_id = (await (await conn.execute(common.INSERT, params)).fetchone())["id"]
    response.headers["Location"] = f"/api/v1/resources/{resource_id}"
    response.headers["ETag"] = common.etag(1)
    resource = {"id": resource_id, **values, "owner": user["username"], "version": 1}
    return {**resource, "created_at": now, "updated_at": now}
