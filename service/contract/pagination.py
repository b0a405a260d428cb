"""Paginated lists: flask-smorest's page parameters, with the page's place in the whole list
sent as JSON in X-Pagination and as RFC 8288 links."""

import json
from urllib.parse import urlencode

from flask import current_app, request

from service.contract import headers
from service.contract.order import Step, add_step

PAGE_RELATIONS = {
    "first_page": "first",
    "previous_page": "prev",
    "next_page": "next",
    "last_page": "last",
}


def _query_names(view) -> frozenset[str]:
    """The query parameters a view declares: its query arguments and the page parameters."""
    names = set()
    apidoc = getattr(view, "_apidoc", {})
    parameters = [
        *apidoc.get("arguments", {}).get("parameters", []),
        apidoc.get("pagination", {}).get("parameters", {}),
    ]
    for parameter in parameters:
        if parameter.get("in") == "query":
            schema = parameter["schema"]
            schema = schema() if isinstance(schema, type) else schema
            names |= {field.data_key or name for name, field in schema.load_fields.items()}
    return frozenset(names)


def page_url(page: int, declared: frozenset[str]) -> str:
    """This request's URL with another page number: relative, and with only the query
    parameters the operation declares (never the request's host, nor what else was sent)."""
    query = [
        (name, value)
        for name in sorted(declared - {"page"})
        for value in request.args.getlist(name)
    ]
    return f"{request.script_root}{request.path}?{urlencode([('page', page), *query])}"


class PaginationMixin:
    def paginate(self, *args, **kwargs):
        """flask-smorest's paginate (`page`, `page_size` up to 100); the view sets
        `pagination_parameters.item_count`."""
        paginate = super().paginate(*args, **kwargs)

        def decorator(func):
            wrapper = paginate(func)
            add_step(wrapper, Step("paginate"))
            return wrapper

        return decorator

    def _document_pagination_metadata(self, spec, resp_doc):
        resp_doc.setdefault("headers", {}).update(headers.PAGINATION)

    def _make_pagination_metadata(self, page, page_size, item_count):
        """flask-smorest's metadata, with the page asked for even past the last one. Built
        here because flask-smorest's builds a schema instance on every request only to dump
        these integers as they are (tests/contract/test_pagination_metadata.py compares)."""
        metadata = {"total": item_count, "total_pages": -(-item_count // page_size)}
        last_page = metadata["total_pages"]
        if last_page:
            metadata |= {"first_page": 1, "last_page": last_page}
        metadata["page"] = page
        if 1 < page <= last_page:
            metadata["previous_page"] = page - 1
        if page < last_page:
            metadata["next_page"] = page + 1
        return metadata

    def _set_pagination_metadata(self, page_params, result, response_headers):
        metadata = self._make_pagination_metadata(
            page_params.page, page_params.page_size, page_params.item_count
        )
        response_headers = {
            **(response_headers or {}),
            self.PAGINATION_HEADER_NAME: json.dumps(metadata),
        }
        # HEAD is answered by the GET view.
        method = "GET" if request.method == "HEAD" else request.method
        declared = self._declared_query(request.endpoint, method)
        links = [
            f'<{page_url(metadata[key], declared)}>; rel="{rel}"'
            for key, rel in PAGE_RELATIONS.items()
            if key in metadata
        ]
        if links:
            response_headers["Link"] = ", ".join(links)
        return result, response_headers

    @staticmethod
    def _declared_query(endpoint: str, method: str) -> frozenset[str]:
        cache = current_app.extensions.setdefault("declared_query_parameters", {})
        if (endpoint, method) not in cache:
            view_class = current_app.view_functions[endpoint].view_class
            cache[(endpoint, method)] = _query_names(getattr(view_class, method.lower()))
        return cache[(endpoint, method)]
