"""Api and Blueprint whose decorators both enforce behaviour and document it in the spec."""

import json
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

import flask_smorest
from flask import Response, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from schemas.pagination import PaginationMetadataSchema
from schemas.problem import ProblemSchema
from service import auth, conditional
from service.access import Permission, load_resource
from service.data.errors import Conflict
from service.database import db
from service.parsing import FORM, SchemaReusingParser, StrictParser
from service.problems import PROBLEM_MEDIA_TYPE, problem_response

BODY_LOCATIONS = ("json", "form", "json_or_form")
SECURITY_REQUIRED = [{"bearerAuth": []}]
SECURITY_OPTIONAL = [{}, {"bearerAuth": []}]
LOCATION_HEADER = {
    "Location": {
        "description": "The URL of the created thing.",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference"},
    }
}
REQUEST_ID_HEADER = {
    "X-Request-ID": {
        "description": "The request's id: yours if you sent a plain one, else a new one.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
    }
}
CACHE_CONTROL_HEADER = {
    "Cache-Control": {
        "description": "`private, no-cache` when you sent credentials, else `no-cache`: "
        "revalidate with If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def _count_header(description: str) -> dict:
    return {
        "description": description,
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }


# Headers an error response must carry (RFC 9110 §11.6.1, §15.5.6).
ERROR_HEADERS = {
    HTTPStatus.UNAUTHORIZED: {
        "WWW-Authenticate": {
            "description": 'The bearer challenge, such as `Bearer realm="api"`.',
            "required": True,
            "schema": {"type": "string"},
        }
    },
    HTTPStatus.METHOD_NOT_ALLOWED: {
        "Allow": {
            "description": "The methods this path supports.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    HTTPStatus.SERVICE_UNAVAILABLE: {
        "Retry-After": _count_header("Seconds to wait before trying again.")
    },
    HTTPStatus.TOO_MANY_REQUESTS: {
        name: _count_header(description)
        for name, description in (
            ("Retry-After", "Seconds until the limit lets a request through again."),
            ("RateLimit-Limit", "Requests allowed in the window."),
            ("RateLimit-Remaining", "Requests left in the window."),
            ("RateLimit-Reset", "When the window resets, in seconds since the Unix epoch."),
        )
    },
}


PAGINATION_HEADERS = {
    "X-Pagination": {
        "description": "Where this page sits in the whole list.",
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}
        },
    },
    "Link": {
        "description": "RFC 8288 links to the first, prev, next and last pages, e.g. "
        '`</api/v1/resources?page=2>; rel="next"`.',
        "schema": {"type": "string"},
    },
}
PAGE_RELATIONS = {
    "first_page": "first",
    "previous_page": "prev",
    "next_page": "next",
    "last_page": "last",
}


def _page_url(page: int) -> str:
    """This request's URL with another page number (filters and page size kept)."""
    return url_for(request.endpoint, **(request.view_args or {}), **{**request.args, "page": page})


class Api(flask_smorest.Api):
    """flask-smorest's Api with problem+json errors and no catch-all `default` response."""

    # A `default` response makes status-code conformance impossible to fail.
    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        self.spec.components.schema("Problem", schema=ProblemSchema)
        for status in HTTPStatus:
            if status < 400:
                continue
            response = {
                "description": status.phrase,
                "content": {
                    PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
            response["headers"] = {**REQUEST_ID_HEADER, **ERROR_HEADERS.get(status, {})}
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self):
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)

    def handle_http_exception(self, error):
        return problem_response(error)


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose decorators enforce a rule and declare the statuses it causes."""

    ARGUMENTS_PARSER = StrictParser()
    PAGINATION_ARGUMENTS_PARSER = SchemaReusingParser()

    def __init__(self, *args, rate_limited: bool = True, uses_database: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # False exempts every route here from the limiter (service/limits.py): no 429.
        self.rate_limited = rate_limited
        # False where no route touches the database: no 503 when it is down
        # (service/unavailable.py).
        self.uses_database = uses_database
        self._prepare_doc_cbks.append(self._document_common_headers)

    def _document_common_headers(self, doc, doc_info, *, method, **kwargs):
        """What every operation shares: a rate limit (flask-limiter's default, or its own)
        unless exempt, 503 while the database is unavailable where it is used, X-Request-ID
        on every answer, Cache-Control on every GET answer, and `security`, empty where no
        credentials are taken (not merely unstated)."""
        doc.setdefault("security", [])
        responses = doc.setdefault("responses", {})
        if self.rate_limited:
            responses["429"] = HTTPStatus.TOO_MANY_REQUESTS.name
        if self.uses_database:
            responses["503"] = HTTPStatus.SERVICE_UNAVAILABLE.name
        for response in responses.values():
            if isinstance(response, dict):  # the error responses are shared components
                headers = response.setdefault("headers", {})
                headers.update(REQUEST_ID_HEADER)
                if method == "get":
                    headers.update(CACHE_CONTROL_HEADER)
        return doc

    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "application/json",
    }

    def _document_pagination_metadata(self, spec, resp_doc):
        # A JSON value in a header is `content`, not `schema` (which means a, b, c lists).
        resp_doc.setdefault("headers", {}).update(PAGINATION_HEADERS)

    def _set_pagination_metadata(self, page_params, result, headers):
        metadata = self._make_pagination_metadata(
            page_params.page, page_params.page_size, page_params.item_count
        )
        headers = {**(headers or {}), self.PAGINATION_HEADER_NAME: json.dumps(metadata)}
        links = [
            f'<{_page_url(metadata[key])}>; rel="{rel}"'
            for key, rel in PAGE_RELATIONS.items()
            if key in metadata
        ]
        if links:
            headers["Link"] = ", ".join(links)
        return result, headers

    def declares(self, *statuses: int) -> Callable:
        """Document error responses by reference to the shared problem responses."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=HTTPStatus(status).name)(func)
            return func

        return decorator

    def arguments(self, schema, *, location="json", **kwargs):
        """Parse a body strictly: malformed JSON 400, too large 413, wrong type 415."""
        parse = super().arguments(schema, location=location, **kwargs)
        if location not in BODY_LOCATIONS:
            return parse
        return lambda func: self.declares(400, 413, 415)(parse(func))

    def _prepare_arguments_doc(self, doc, doc_info, **kwargs):
        parameters = doc_info.get("arguments", {}).get("parameters", [])
        # Looked at first: the parent removes the body parameter as it documents it.
        takes_form = any(p.get("in") == "json_or_form" for p in parameters)
        doc = super()._prepare_arguments_doc(doc, doc_info, **kwargs)
        if takes_form:
            content = doc["requestBody"]["content"]
            content[FORM] = {"schema": content["application/json"]["schema"]}
        return doc

    def authenticated(self, *scopes: str, optional: bool = False, admin: bool = False):
        """Require (or, if optional, accept) a bearer token with these scopes.

        A bad token is 401 even where anonymous callers are welcome. Put this decorator
        first, so that authentication is checked before the body (401 before 422).
        """

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                auth.authenticate(required=not optional, scopes=scopes, admin=admin)
                return func(*args, **kwargs)

            security = SECURITY_OPTIONAL if optional else SECURITY_REQUIRED
            wrapper = self.doc(security=security)(wrapper)
            return self.declares(401, *([403] if scopes or admin else []))(wrapper)

        return decorator

    def resource_access(self, permission: Permission):
        """Replace the `resource_id` path argument by the resource, applying the policy."""

        def decorator(func):
            @wraps(func)
            def wrapper(*args, resource_id, **kwargs):
                return func(*args, resource=load_resource(resource_id, permission), **kwargs)

            statuses = [404] if permission is Permission.READ else [403, 404]
            return self.declares(*statuses)(wrapper)

        return decorator

    def conflicts(self, func):
        """Turn a clash with stored data into 409, races caught by the database included
        (a unique constraint, or a version changed by a concurrent writer)."""

        @wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Conflict as error:
                db.session.rollback()
                flask_smorest.abort(409, message=str(error))
            except IntegrityError:
                db.session.rollback()
                flask_smorest.abort(409, message="The change conflicts with existing data.")
            except StaleDataError:
                # The version compare-and-swap matched no row: someone else wrote first.
                # With If-Match the client asked for exactly that condition: 412.
                db.session.rollback()
                if conditional.preconditions_sent():
                    flask_smorest.abort(412, message="It was changed meanwhile; load it again.")
                flask_smorest.abort(409, message="It was changed meanwhile; load it again.")

        return self.declares(409)(wrapper)

    def links(self, status: int, **targets: dict):
        """Declare OpenAPI links from this response to the operations (by operationId) that
        take its values, e.g. `getResource={"parameters": {"resource_id": "$response.body#/id"}}`.

        Generated clients and schemathesis' stateful phase follow them. Put it directly
        above the decorator that declares the response.
        """

        def decorator(func):
            response_doc = func._apidoc["response"]["responses"][status][-1]
            response_doc["links"] = {
                operation_id: {"operationId": operation_id, **link}
                for operation_id, link in targets.items()
            }
            return func

        return decorator

    def created(self, schema, endpoint: str, *, versioned: bool = False, **url_values: str):
        """A 201 response whose `Location` points at `endpoint`, filled from the result
        (and, if `versioned`, whose ETag is the new thing's version)."""
        headers = {**LOCATION_HEADER, **(conditional.ETAG_HEADER if versioned else {})}
        respond = self.response(201, schema, headers=headers)

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                result = func(*args, **kwargs)
                values = {key: getattr(result, attr) for key, attr in url_values.items()}
                headers = {"Location": url_for(endpoint, **values)}
                if versioned:
                    headers["ETag"] = conditional.etag_of(result.version)
                return result, headers

            return respond(wrapper)

        return decorator

    def conditional_read(self, func):
        """ETag on the answer; If-None-Match naming it answers 304 without a body.
        Put it below `resource_access`: it needs the loaded resource."""

        @wraps(func)
        def wrapper(*args, resource, **kwargs):
            etag = conditional.etag_of(resource.version)
            if conditional.unchanged_since_client_copy(resource.version):
                return Response(status=304, headers={"ETag": etag})
            return func(*args, resource=resource, **kwargs), {"ETag": etag}

        wrapper = self.doc(parameters=[conditional.IF_NONE_MATCH])(wrapper)
        not_modified = self.alt_response(
            304,
            description="Your copy (If-None-Match) is current.",
            headers=conditional.ETAG_HEADER,
        )
        return not_modified(wrapper)

    def conditional_write(self, func):
        """If-Match, when sent, must name the current version (412); the answer carries the
        new ETag. Put it below `resource_access` and above `conflicts`."""

        @wraps(func)
        def wrapper(*args, resource, **kwargs):
            conditional.require_current(resource.version)
            result = func(*args, resource=resource, **kwargs)
            if result is None:
                return None
            return result, {"ETag": conditional.etag_of(result.version)}

        wrapper = self.doc(parameters=[conditional.IF_MATCH])(wrapper)
        return self.declares(412)(wrapper)
