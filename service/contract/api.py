"""The Api: problem+json errors, declared once as shared responses, and no catch-all."""

from http import HTTPStatus

import flask_smorest

from schemas.pagination import PaginationMetadataSchema
from schemas.problem import ProblemSchema
from service.contract import headers
from service.problems import PROBLEM_MEDIA_TYPE, problem_response

# What each shared error response's example says (a mock server answers with it).
EXAMPLE_DETAILS = {
    400: "The body is not valid JSON (RFC 8259, UTF-8).",
    401: "The bearer token is invalid, expired or revoked.",
    403: "This token lacks the scope: resources:write.",
    404: "Resource 999 not found.",
    405: "The method is not allowed for the requested URL.",
    409: "It was changed meanwhile; load it again.",
    412: "It changed since you loaded it: load it again.",
    413: "The request body is larger than the 65536 bytes this API accepts.",
    415: "Send the body as application/json.",
    422: "Some fields are invalid: see `errors`.",
    429: "Too many requests: try again when the window resets.",
    503: "The database is unavailable; try again shortly.",
}


def problem_example(status: HTTPStatus) -> dict:
    example = {
        "type": "about:blank",
        "title": status.phrase,
        "status": int(status),
        "detail": EXAMPLE_DETAILS.get(int(status), status.description),
        "instance": "/api/v1/resources/999",
        "request_id": "3f0a9c2e5b7d4e1f8a6b2c9d0e4f7a1b",
    }
    if status == HTTPStatus.UNPROCESSABLE_ENTITY:
        example["errors"] = {"name": ["Missing data for required field."]}
    return example


class Api(flask_smorest.Api):
    """flask-smorest's Api with problem+json errors and no catch-all `default` response."""

    # A `default` response makes status-code conformance impossible to fail.
    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        self.spec.components.schema("Problem", schema=ProblemSchema)
        for name, header in headers.RATE_LIMIT_COMPONENTS.items():
            self.spec.components.header(name, header)
        for status in HTTPStatus:
            if status < 400:
                continue
            response = {
                "description": status.phrase,
                "content": {
                    PROBLEM_MEDIA_TYPE: {
                        "schema": {"$ref": "#/components/schemas/Problem"},
                        "example": problem_example(status),
                    }
                },
                "headers": {**headers.REQUEST_ID, **headers.ERRORS.get(status, {})},
            }
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self):
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)

    def handle_http_exception(self, error):
        return problem_response(error)
