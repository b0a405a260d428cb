"""Request arguments, parsed strictly: a body that is not JSON is 415, broken JSON 400, a
body too large 413, invalid fields 422 (webargs through flask-smorest)."""

import functools
import json
import math

import flask_smorest
import marshmallow as ma
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser

from service.contract.annotate import add_error_responses
from service.contract.order import Step, add_step

FORM = "application/x-www-form-urlencoded"
BODY_LOCATIONS = ("json", "form", "json_or_form")
BODY_REQUIRED = "A request body is required."


def _reject_constant(name: str):
    # Python's json accepts NaN and Infinity; JSON (RFC 8259) does not.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    # 1e400 is valid JSON syntax, but Python reads it as infinity, which PostgreSQL's json
    # refuses (a 500) and SQLite stores as null (a silent change).
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is beyond the range of a double")
    return value


def _require_body(req) -> bytes:
    raw = req.get_data(cache=True)
    if not raw:
        abort(422, message=BODY_REQUIRED, errors={"_schema": [BODY_REQUIRED]})
    return raw


@functools.cache
def _instance_of(schema_class: type[ma.Schema]) -> ma.Schema:
    return schema_class()


class SchemaReusingParser(FlaskParser):
    """webargs instantiates a schema given as a class on every request (deep copies of its
    fields), and flask-smorest hands it every schema so (arguments, pagination). One
    instance per class serves every request (loading keeps no state in the schema)."""

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return _instance_of(argmap)
        return super()._get_schema(argmap, req)


class StrictParser(SchemaReusingParser):
    """webargs treats a non-JSON body as missing and loads `{}`; we refuse it instead."""

    def load_json(self, req, schema):
        raw = _require_body(req)
        if not core.is_json(req.mimetype):
            abort(415, message="Send the body as application/json.")
        return self._decode_json(raw)

    def load_json_or_form(self, req, schema):
        if req.mimetype == FORM:
            # An empty form is a form with no fields; an empty JSON body is no JSON at all.
            return self.load_form(req, schema)
        _require_body(req)
        if not core.is_json(req.mimetype):
            abort(415, message=f"Send the body as application/json or {FORM}.")
        return self._decode_json(req.get_data(cache=True))

    @staticmethod
    def _decode_json(raw: bytes):
        try:
            document = json.loads(
                raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
            )
            # "\ud800" is valid JSON syntax for text that is not Unicode (I-JSON, RFC 7493
            # §2.1, forbids it): nothing could hash or store it.
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        except (UnicodeError, ValueError, RecursionError):
            abort(400, message="The body is not valid JSON (RFC 8259, UTF-8).")
        return document


class ArgumentsMixin:
    ARGUMENTS_PARSER = StrictParser()
    PAGINATION_ARGUMENTS_PARSER = SchemaReusingParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "application/json",
    }

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's arguments, strict about bodies (400, 413, 415 declared too).
        `json_or_form` takes a JSON or a form-encoded body, as the legacy tutorials send."""
        parse = super().arguments(schema, location=location, **kwargs)

        def decorator(func):
            wrapper = parse(func)
            add_step(wrapper, Step("arguments", details={"location": location}))
            if location in BODY_LOCATIONS:
                add_error_responses(wrapper, 400, 413, 415)
            return wrapper

        return decorator

    def _prepare_arguments_doc(self, doc, doc_info, **kwargs):
        parameters = doc_info.get("arguments", {}).get("parameters", [])
        # Looked at first: the parent removes the body parameter as it documents it.
        takes_form = any(p.get("in") == "json_or_form" for p in parameters)
        doc = super()._prepare_arguments_doc(doc, doc_info, **kwargs)
        if takes_form:
            content = doc["requestBody"]["content"]
            content[FORM] = {"schema": content["application/json"]["schema"]}
        return doc
