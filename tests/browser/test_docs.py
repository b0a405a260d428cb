"""Swagger UI and ReDoc render every operation from vendored assets, offline, and Swagger
UI's "Try it out" reaches the API."""

import json
from urllib.parse import urlsplit

import pytest

from tests.assertions import SPEC_PATH

pytestmark = [pytest.mark.browser, pytest.mark.slow]
METHODS = {"get", "put", "post", "patch", "delete"}


def operation_count() -> int:
    spec = json.loads(SPEC_PATH.read_text())
    return sum(1 for item in spec["paths"].values() for method in item if method in METHODS)


@pytest.fixture
def offline_page(page):
    """The page, with every request that would leave 127.0.0.1 blocked and recorded."""
    escaped = []

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith(
            "data:"
        ):
            route.continue_()
        else:
            escaped.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    yield page
    assert escaped == [], f"requests left 127.0.0.1: {escaped}"


def test_swagger_ui_lists_every_operation(offline_page, servers, screenshots):
    page = offline_page
    page.goto(f"{servers.api}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() == operation_count()
    assert "deprecated" in page.locator("#operations-legacy-legacySignUp").get_attribute("class")
    page.screenshot(path=str(screenshots / "swagger-ui.png"), full_page=True)


def test_redoc_lists_every_operation(offline_page, servers, screenshots):
    page = offline_page
    page.goto(f"{servers.api}/redoc")
    items = page.locator('[data-item-id*="/operation/"]')
    items.first.wait_for(state="attached", timeout=20_000)
    assert items.count() == operation_count()
    page.screenshot(path=str(screenshots / "redoc.png"), full_page=True)


def _try_it_out(page, operation_id: str) -> None:
    block = page.locator(f"#operations-resources-{operation_id}")
    block.locator(".opblock-summary").click()
    block.locator(".try-out__btn").click()


def _execute(page, operation_id: str) -> str:
    block = page.locator(f"#operations-resources-{operation_id}")
    block.locator(".execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=10_000)
    return status.inner_text().strip()


def test_swagger_ui_try_it_out_with_a_token(offline_page, servers, accounts, screenshots):
    page = offline_page
    page.goto(f"{servers.api}/docs")
    page.locator(".btn.authorize").first.click()
    page.locator(".modal-ux input[type=text]").fill(accounts["alice"].token)
    page.locator(".modal-ux .auth-btn-wrapper .authorize").click()
    page.locator(".modal-ux .btn-done").click()

    _try_it_out(page, "createResource")
    body = page.locator("#operations-resources-createResource textarea.body-param__text")
    body.fill(json.dumps({"name": "From Swagger UI"}))
    assert _execute(page, "createResource") == "201"

    _try_it_out(page, "getResource")
    page.locator('#operations-resources-getResource input[placeholder="resource_id"]').fill(
        "999999"
    )
    assert _execute(page, "getResource") == "404"
    page.screenshot(path=str(screenshots / "swagger-ui-try-it-out.png"), full_page=True)
