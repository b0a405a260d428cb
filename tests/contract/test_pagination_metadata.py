"""X-Pagination's metadata is built without flask-smorest's per-request schema: it must stay
what flask-smorest builds, key order included, with the page asked for even past the end."""

import json

import pytest
from flask_smorest.pagination import PaginationMixin as SmorestPagination

from service.contract.pagination import PaginationMixin


def _smorest_metadata(page: int, page_size: int, item_count: int) -> dict:
    metadata = SmorestPagination._make_pagination_metadata(page, page_size, item_count)
    return {**metadata, "page": page}


@pytest.mark.parametrize("page_size", [1, 10, 100])
@pytest.mark.parametrize("item_count", [0, 1, 10, 11, 100, 101, 1210])
@pytest.mark.parametrize("page", [1, 2, 11, 12, 13, 1000])
def test_metadata_is_flask_smorests_with_the_page_asked_for(page, page_size, item_count):
    ours = PaginationMixin()._make_pagination_metadata(page, page_size, item_count)
    # Compared as the header's text: the same keys, values and order.
    assert json.dumps(ours) == json.dumps(_smorest_metadata(page, page_size, item_count))
