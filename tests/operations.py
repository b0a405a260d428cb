"""The API's operations as the generic suites see them: what the committed spec says of each
(path, method, statuses, body, parameters) and what its view declares (authentication,
scopes, the policies it loads things through).

The generic suites (declared errors, authorization matrix, bad input, database outage, rate
limits) derive their cases from these, so a new operation gets its cases without anyone
editing a table; each suite also reports the operations it cannot derive a case for, and
fails on them (tests/contract/test_generic_suites.py shows that it does).
"""

import functools
import json
from dataclasses import dataclass, field

from flask import Flask
from flask_smorest.spec.plugins import FlaskPlugin

from service.contract.order import Step, steps_of
from tests.assertions import SPEC_PATH

METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # the spec's template, e.g. /api/v1/resources/{resource_id}
    spec: dict = field(repr=False, compare=False, hash=False)
    steps: tuple[Step, ...] = field(default=(), repr=False, compare=False, hash=False)

    @property
    def statuses(self) -> set[int]:
        return {int(status) for status in self.spec["responses"]}

    @property
    def errors(self) -> set[int]:
        return {status for status in self.statuses if status >= 400}

    @property
    def success(self) -> int:
        return min(self.statuses)

    @property
    def takes_body(self) -> bool:
        return "requestBody" in self.spec

    @property
    def body_schema(self) -> str | None:
        """The name of the request body's component schema."""
        if not self.takes_body:
            return None
        ref = self.spec["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return ref.rsplit("/", 1)[-1]

    @property
    def parameters(self) -> list[dict]:
        return self.spec.get("parameters", [])

    @property
    def path_parameters(self) -> list[str]:
        return [name for name in _path_names(self.path)]

    @property
    def query_parameters(self) -> list[dict]:
        return [p for p in self.parameters if p["in"] == "query"]

    @property
    def authentication(self) -> dict | None:
        """What @authenticated declared (scopes, optional, admin), or None."""
        step = self._step("authenticated")
        return step.details if step else None

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.authentication["scopes"] if self.authentication else ()

    @property
    def anonymous_allowed(self) -> bool:
        return self.authentication is None or self.authentication["optional"]

    @property
    def admin_only(self) -> bool:
        return bool(self.authentication and self.authentication["admin"])

    @property
    def accesses(self) -> list[tuple]:
        """(policy, action) of each @access, in the order they run (outermost first)."""
        found = [step.details for step in self.steps if step.name == "access"]
        return [(details["policy"], details["action"]) for details in reversed(found)]

    @property
    def versioned_write(self) -> bool:
        return self._step("conditional_write") is not None

    @property
    def idempotent(self) -> bool:
        return self._step("idempotent") is not None

    @property
    def conditional_read(self) -> bool:
        return self._step("conditional_read") is not None

    @property
    def conflicts(self) -> bool:
        return self._step("conflicts") is not None

    def _step(self, name: str) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)

    def url(self, values: dict[str, str]) -> str:
        return self.path.format(**values)


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@functools.cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


def _views_by_operation(app: Flask) -> dict[tuple[str, str], object]:
    """(METHOD, spec path) -> the view method that answers it."""
    views = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            continue
        path = FlaskPlugin.flaskpath2openapi(rule.rule)
        for method in view_class.methods or ():
            views[(method, path)] = getattr(view_class, method.lower())
    return views


def operations(app: Flask | None = None) -> list[Operation]:
    """Every operation in the committed spec, with its view's declared steps (when an app
    is given: any app made by create_app registers the same routes)."""
    views = _views_by_operation(app) if app is not None else {}
    found = []
    for path, item in spec()["paths"].items():
        for method in METHODS:
            if method in item:
                operation = {**item[method]}
                operation["parameters"] = [
                    *item.get("parameters", []),
                    *item[method].get("parameters", []),
                ]
                view = views.get((method.upper(), path))
                found.append(
                    Operation(
                        operation["operationId"],
                        method.upper(),
                        path,
                        operation,
                        steps_of(view) if view is not None else (),
                    )
                )
    return found


@functools.cache
def plain_app() -> Flask:
    """An app to read the routes' declarations from (every app has the same routes)."""
    from service import create_app
    from tests.conftest import TEST_SETTINGS

    return create_app(TEST_SETTINGS)


def example_path_values(operation: Operation) -> dict[str, str] | None:
    """The spec's example for each path parameter (None if one has none)."""
    values = {}
    for parameter in operation.parameters:
        if parameter["in"] == "path":
            example = parameter.get("example", parameter["schema"].get("example"))
            if example is None:
                return None
            values[parameter["name"]] = str(example)
    return values


def example_url(operation: Operation) -> str:
    """The operation's path with the spec's example values (a request that can reach the
    database: an id that could exist, a username that could)."""
    values = example_path_values(operation)
    assert values is not None, f"{operation.operation_id}: a path parameter has no example"
    return operation.url(values)


def component_schema(name: str) -> dict:
    return spec()["components"]["schemas"][name]


def example_body(operation: Operation, changing: bool = False) -> dict | None:
    """A valid body from the spec's examples: its required properties, or (`changing`, for a
    body that requires none) the first property with an example, so that it changes
    something. None when an example is missing, which the spec should have anyway."""
    schema = component_schema(operation.body_schema)
    properties = schema.get("properties", {})
    names = schema.get("required", [])
    if not names and changing:
        names = [name for name, prop in properties.items() if "example" in prop][:1]
    if any("example" not in properties[name] for name in names):
        return None
    return {name: properties[name]["example"] for name in names}
