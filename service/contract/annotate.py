"""Documentation attached to a view without wrapping it, so it costs nothing per request.

flask-smorest's `doc` and `alt_response` wrap the view in a function that only calls it;
these write the same doc info (the view's `_apidoc`, which flask-smorest turns into the
spec) onto the view itself.
"""

from collections.abc import Callable
from copy import deepcopy
from http import HTTPStatus

from flask_smorest.utils import deepupdate


def _own_apidoc(func: Callable) -> dict:
    # Copied first: `functools.wraps` shares the wrapped function's dict with its wrapper.
    func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
    return func._apidoc


def add_manual_doc(func: Callable, **doc) -> Callable:
    """As `@blp.doc(**doc)`: copied into the operation verbatim."""
    apidoc = _own_apidoc(func)
    apidoc["manual_doc"] = deepupdate(apidoc.get("manual_doc", {}), deepcopy(doc))
    return func


def add_response(func: Callable, status: int, response: dict | str) -> Callable:
    """As `@blp.alt_response`: a response document, or the name of a shared one."""
    responses = _own_apidoc(func).setdefault("response", {}).setdefault("responses", {})
    responses.setdefault(status, []).append(response)
    return func


def add_error_responses(func: Callable, *statuses: int) -> Callable:
    """Declare error statuses by reference to the shared problem responses."""
    for status in statuses:
        add_response(func, status, HTTPStatus(status).name)
    return func


def add_success_headers(func: Callable, headers: dict[str, dict]) -> Callable:
    """Headers the success responses declared so far may carry."""
    apidoc = _own_apidoc(func)
    for status in apidoc.get("success_status_codes", []):
        response = apidoc["response"]["responses"][status][-1]
        response.setdefault("headers", {}).update(headers)
    return func


def add_links(func: Callable, status: int, links: dict[str, dict]) -> Callable:
    """OpenAPI links from a declared response to the operations (by operationId) that take
    its values; generated clients and schemathesis' stateful phase follow them."""
    response = _own_apidoc(func)["response"]["responses"][status][-1]
    response["links"] = {
        operation_id: {"operationId": operation_id, **link} for operation_id, link in links.items()
    }
    return func
