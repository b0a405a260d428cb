"""The contract guard: in test mode, every response is checked against the generated spec.

It wraps the WSGI app, so it sees exactly what leaves the server: error handlers, Werkzeug's
routing errors and unexpected 500s included. openapi-core does the validation (status
declared, media type declared, body valid, required headers present and valid). Each checked
response is announced on the `response_checked` signal; the test suite listens, fails the
test that caused a violation and counts which declared statuses were produced.
"""

import functools
import gzip
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import brotli
from blinker import Namespace
from flask import Flask
from flask_smorest.spec.plugins import FlaskPlugin
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.validation.response.exceptions import DataValidationError
from openapi_schema_validator import OAS31Validator
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Request, Response

from service.problems import PROBLEM_MEDIA_TYPE

log = logging.getLogger(__name__)
# The documentation (spec, Swagger UI, ReDoc, their static files) is not an API operation.
OUTSIDE_CONTRACT = ("api-docs.", "static")
response_checked = Namespace().signal("response-checked")


@dataclass
class CheckedResponse:
    """One response and what the guard found wrong with it (nothing, if `violations` is empty)."""

    method: str
    path: str
    operation_id: str | None
    status: int
    content_type: str | None
    violations: list[str] = field(default_factory=list)

    def describe(self) -> str:
        operation = self.operation_id or "no declared operation"
        problems = "; ".join(self.violations)
        return (
            f"{self.method} {self.path} ({operation}) answered {self.status} "
            f"{self.content_type or 'without Content-Type'}: {problems}"
        )


@functools.cache
def _openapi(spec_text: str) -> OpenAPI:
    config = Config(extra_media_type_deserializers={PROBLEM_MEDIA_TYPE: json_loads})
    return OpenAPI.from_dict(json.loads(spec_text), config=config)


class ContractGuard:
    """WSGI middleware that checks each response against the operation it answers."""

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        app_environs = []

        def app(copied_environ, start):
            app_environs.append(copied_environ)
            return self.wsgi_app(copied_environ, start)

        # The body is buffered so it can be read here and still be sent unchanged.
        body_iter, status_line, headers = run_wsgi_app(app, environ, buffered=True)
        # run_wsgi_app runs the app on a copy of environ: hand back what the app left there
        # for the server (the access log's user id), as if no guard stood between them.
        left = app_environs[0]
        environ.update({key: value for key, value in left.items() if key.startswith("service.")})
        response = Response(body_iter, status=status_line, headers=Headers(headers))
        if "Content-Type" not in headers:
            del response.headers["Content-Type"]  # Response would have added text/plain
        _decode_content(response)
        checked = self.check(Request(_without_body(environ)), response)
        if checked.violations:
            log.error("Contract violation: %s", checked.describe())
        response_checked.send(self.app, checked=checked)
        start_response(status_line, headers.to_wsgi_list())
        return body_iter

    @functools.cached_property
    def spec_text(self) -> str:
        # Built on first use: by then every blueprint is registered.
        from service.cli import spec_json

        return spec_json()

    @functools.cached_property
    def spec(self) -> dict:
        return json.loads(self.spec_text)

    @functools.cached_property
    def openapi(self) -> OpenAPI:
        return _openapi(self.spec_text)

    def check(self, request: Request, response: Response) -> CheckedResponse:
        """Validate one exchange; the result lists every mismatch with the spec."""
        rule = _routed_rule(self.app, request)
        spec_path = FlaskPlugin.flaskpath2openapi(rule.rule) if rule else None
        # HEAD is GET without the body (RFC 9110 §9.3.2): same statuses and headers.
        method = "GET" if request.method == "HEAD" else request.method
        operation = self.spec["paths"].get(spec_path, {}).get(method.lower())
        checked = CheckedResponse(
            request.method,
            request.path,
            operation["operationId"] if operation else None,
            response.status_code,
            response.headers.get("Content-Type"),
        )
        if rule is not None and rule.endpoint.startswith(OUTSIDE_CONTRACT):
            return checked
        if request.method == "OPTIONS" and spec_path in self.spec["paths"]:
            checked.violations = _options_violations(response)
        elif operation is None:
            checked.violations = _undeclared_violations(self.spec, spec_path, response)
        else:
            checked.violations = self._operation_violations(request, response)
        return checked

    def _operation_violations(self, request: Request, response: Response) -> list[str]:
        is_head = request.method == "HEAD"
        if is_head:
            request = Request({**request.environ, "REQUEST_METHOD": "GET"})
        errors = self.openapi.iter_response_errors(
            WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
        )
        if is_head:
            errors = (error for error in errors if not isinstance(error, DataValidationError))
        return [_explain(error) for error in errors]


def install(app: Flask) -> None:
    """Put the guard around the app (done by create_app when CONTRACT_GUARD is on)."""
    app.wsgi_app = ContractGuard(app)


def _decode_content(response: Response) -> None:
    """Validate what the client reads: undo gzip or brotli on the guard's copy."""
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        response.set_data(gzip.decompress(response.get_data()))
    elif encoding == "br":
        response.set_data(brotli.decompress(response.get_data()))


def _without_body(environ: dict) -> dict:
    # The app has consumed the request body; the response check never needs it.
    return {**environ, "wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "0"}


def _routed_rule(app: Flask, request: Request) -> Rule | None:
    """The URL rule this path matches (with any method, to tell 405 from 404), else None."""
    adapter = app.url_map.bind_to_environ(request.environ)
    for method in (request.method, "GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            rule, _ = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        return rule
    return None


def _options_violations(response: Response) -> list[str]:
    violations = []
    if response.status_code != 204:
        violations.append("OPTIONS must answer 204")
    if response.get_data():
        violations.append("OPTIONS must answer without a body")
    if "Allow" not in response.headers:
        violations.append("OPTIONS must list the methods in Allow")
    return violations


def _undeclared_violations(spec: dict, spec_path: str | None, response: Response) -> list[str]:
    """No operation answers this method and path: only a 404 or 405 problem may come back."""
    expected = 405 if spec_path in spec["paths"] else 404
    violations = []
    if response.status_code != expected:
        violations.append(f"expected {expected} for an undeclared method or path")
    if response.mimetype != PROBLEM_MEDIA_TYPE:
        violations.append(f"expected {PROBLEM_MEDIA_TYPE}")
        return violations
    problem_schema = {"$ref": "#/components/schemas/Problem", "components": spec["components"]}
    validator = OAS31Validator(problem_schema)
    violations += [error.message for error in validator.iter_errors(response.get_json())]
    if expected == 405 and "Allow" not in response.headers:
        violations.append("405 without the Allow header")
    return violations


def _explain(error: Exception) -> str:
    causes = getattr(error, "schema_errors", None) or ()
    if isinstance(error, DataValidationError) and error.__cause__ is not None:
        causes = getattr(error.__cause__, "schema_errors", causes)
    details = "; ".join(getattr(cause, "message", str(cause)) for cause in causes)
    return f"{type(error).__name__}: {details or error}"
