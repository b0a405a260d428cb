"""Paginated lists: flask-smorest's page parameters, with the page's place in the whole list
sent as JSON in X-Pagination and as RFC 8288 links."""

import json

from flask import request, url_for

from service.contract import headers
from service.contract.order import Step, add_step

PAGE_RELATIONS = {
    "first_page": "first",
    "previous_page": "prev",
    "next_page": "next",
    "last_page": "last",
}


def _page_url(page: int) -> str:
    """This request's URL with another page number (filters and page size kept)."""
    return url_for(request.endpoint, **(request.view_args or {}), **{**request.args, "page": page})


class PaginationMixin:
    def paginate(self, *args, **kwargs):
        """flask-smorest's paginate; the view sets `pagination_parameters.item_count`."""
        paginate = super().paginate(*args, **kwargs)

        def decorator(func):
            wrapper = paginate(func)
            add_step(wrapper, Step("paginate"))
            return wrapper

        return decorator

    def _document_pagination_metadata(self, spec, resp_doc):
        resp_doc.setdefault("headers", {}).update(headers.PAGINATION)

    def _set_pagination_metadata(self, page_params, result, response_headers):
        metadata = self._make_pagination_metadata(
            page_params.page, page_params.page_size, page_params.item_count
        )
        response_headers = {
            **(response_headers or {}),
            self.PAGINATION_HEADER_NAME: json.dumps(metadata),
        }
        links = [
            f'<{_page_url(metadata[key])}>; rel="{rel}"'
            for key, rel in PAGE_RELATIONS.items()
            if key in metadata
        ]
        if links:
            response_headers["Link"] = ", ".join(links)
        return result, response_headers
