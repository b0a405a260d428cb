"""Responses: the success status and body of a route, its errors, and what it creates."""

from functools import wraps

import marshmallow as ma
from flask import Response, jsonify, url_for
from flask_smorest.utils import resolve_schema_instance, unpack_tuple_response

from service.contract import headers
from service.contract.annotate import add_error_responses, add_links, add_manual_doc
from service.contract.conditional import etag_of, mark_versioned
from service.contract.dumping import dumper
from service.contract.order import Step, add_step


def _dumped(func, dump, default_status: int):
    """Call the view and dump what it returns into a JSON response, which flask-smorest's
    response wrapper then passes through as it is."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        result, status, response_headers = unpack_tuple_response(func(*args, **kwargs))
        if not isinstance(result, Response):
            result = jsonify(dump(result))
            result.status_code = default_status
        if status is not None:
            result.status_code = status
        if response_headers:
            result.headers.update(response_headers)
        return result

    return wrapper


class ResponseMixin:
    def response(self, status_code, schema=None, *, links=None, **kwargs):
        """The success response: its status and, through `schema`, its body (dumped with a
        compiled plan, service/contract/dumping.py). `links` declares OpenAPI links to the
        operations that take its values, e.g. `{"getThing": {"parameters": {"thing_id":
        "$response.body#/id"}}}`; generated clients and schemathesis follow them."""
        schema = resolve_schema_instance(schema)
        document = super().response(status_code, schema, **kwargs)

        def decorator(func):
            if isinstance(schema, ma.Schema):
                func = _dumped(func, dumper(schema), int(status_code))
            wrapper = document(func)
            add_step(wrapper, Step("response", details={"status": status_code}))
            if links:
                add_links(wrapper, status_code, links)
            return wrapper

        return decorator

    def created(self, schema, endpoint: str, *, versioned: bool = False, links=None, **url_values):
        """A 201 response whose `Location` points at `endpoint`, its values read from the
        created thing (`thing_id="id"`); if `versioned`, it carries the thing's ETag."""
        respond = self.response(201, schema, headers=headers.LOCATION, links=links)

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                result = func(*args, **kwargs)
                values = {key: getattr(result, attr) for key, attr in url_values.items()}
                response_headers = {"Location": url_for(endpoint, **values)}
                if versioned:
                    response_headers["ETag"] = etag_of(result.version)
                return result, response_headers

            wrapper = respond(wrapper)
            return mark_versioned(wrapper) if versioned else wrapper

        return decorator

    @staticmethod
    def declares(*statuses: int):
        """Declare error statuses the view raises itself (abort), by reference to the shared
        problem responses."""
        return lambda func: add_error_responses(func, *statuses)

    @staticmethod
    def doc(**kwargs):
        """flask-smorest's doc, without a wrapper around the view."""
        return lambda func: add_manual_doc(func, **kwargs)
