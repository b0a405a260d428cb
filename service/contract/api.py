"""The Api: problem+json errors, declared once as shared responses, and no catch-all."""

from http import HTTPStatus

import flask_smorest

from schemas.pagination import PaginationMetadataSchema
from schemas.problem import ProblemSchema
from service.contract import headers
from service.problems import PROBLEM_MEDIA_TYPE, problem_response


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
                    PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
                "headers": {**headers.REQUEST_ID, **headers.ERRORS.get(status, {})},
            }
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self):
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)

    def handle_http_exception(self, error):
        return problem_response(error)
