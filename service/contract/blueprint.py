"""The Blueprint: flask-smorest's, with one mixin per concern of the contract."""

from http import HTTPStatus

import flask_smorest
from flask.views import MethodView

from service.contract import headers, order
from service.contract.access import AccessMixin
from service.contract.arguments import ArgumentsMixin
from service.contract.auth import AuthMixin
from service.contract.conditional import ConditionalMixin
from service.contract.conflicts import ConflictsMixin
from service.contract.idempotency import IdempotencyMixin
from service.contract.limits import LimitsMixin
from service.contract.pagination import PaginationMixin
from service.contract.responses import ResponseMixin


class Blueprint(
    AuthMixin,
    AccessMixin,
    ConditionalMixin,
    ConflictsMixin,
    IdempotencyMixin,
    LimitsMixin,
    ArgumentsMixin,
    PaginationMixin,
    ResponseMixin,
    flask_smorest.Blueprint,
):
    """A blueprint whose decorators enforce a rule and declare the statuses it causes."""

    def __init__(self, *args, rate_limited: bool = True, uses_database: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # False exempts every route here from the limiter (service/limits.py): no 429.
        self.rate_limited = rate_limited
        # False where no route touches the database: no 503 when it is down
        # (service/unavailable.py).
        self.uses_database = uses_database
        self._prepare_doc_cbks += [self.document_etag, self._document_common_headers]

    def add_url_rule(self, rule, endpoint=None, view_func=None, *args, **kwargs):
        """Register the route, once its views' contract decorators are known to be in an
        order that answers as declared (service/contract/order.py)."""
        if isinstance(view_func, type(MethodView)):
            for method in view_func.methods or ():
                name = f"{self.name}.{view_func.__name__}.{method.lower()}"
                order.check(name, getattr(view_func, method.lower()))
        elif view_func is not None:
            order.check(f"{self.name}.{view_func.__name__}", view_func)
        super().add_url_rule(rule, endpoint, view_func, *args, **kwargs)

    def _document_common_headers(self, doc, doc_info, *, method, **kwargs):
        """What every operation shares: 400 for a request the server will not serve (a Host
        it does not answer for, a body it cannot read), a rate limit (flask-limiter's
        default, or its own) unless exempt, 503 while the database is unavailable where it
        is used, X-Request-ID on every answer, Cache-Control on every GET answer, and
        `security`, empty where no credentials are taken (not merely unstated)."""
        doc.setdefault("security", [])
        responses = doc.setdefault("responses", {})
        responses.setdefault(400, HTTPStatus.BAD_REQUEST.name)
        if self.rate_limited:
            responses["429"] = HTTPStatus.TOO_MANY_REQUESTS.name
        if self.uses_database:
            responses["503"] = HTTPStatus.SERVICE_UNAVAILABLE.name
        for response in responses.values():
            if isinstance(response, dict):  # the error responses are shared components
                response_headers = response.setdefault("headers", {})
                response_headers.update(headers.REQUEST_ID)
                if method == "get":
                    response_headers.update(headers.CACHE_CONTROL)
                if self.rate_limited:
                    response_headers.update(headers.RATE_LIMIT)
        return doc
