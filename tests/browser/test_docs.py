"""Swagger UI and ReDoc render every operation from vendored assets, offline, and Swagger
UI's "Try it out" reaches the API."""

import json
from urllib.parse import urlsplit

import pytest

from tests.assertions import SPEC_PATH
from tests.conftest import PASSWORD

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
    bearer = page.locator(".auth-container", has_text="bearerAuth")
    bearer.locator("input[type=text]").fill(accounts["alice"].token)
    bearer.locator(".auth-btn-wrapper .authorize").click()
    page.locator(".modal-ux .btn-done").first.click()

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


def _log_in_through_the_authorize_dialog(page, username: str, password: str):
    """The OAuth2 password flow of Swagger UI's Authorize dialog, as a user fills it in."""
    page.locator(".btn.authorize").first.click()
    box = page.locator(".auth-container", has_text="oauth2Password")
    box.locator("#oauth_username").fill(username)
    box.locator("#oauth_password").fill(password)
    box.locator(".auth-btn-wrapper .authorize").click()
    return box


def _show_your_account(page) -> str:
    block = page.locator("#operations-users-getCurrentUser")
    block.locator(".opblock-summary").click()
    block.locator(".try-out__btn").click()
    block.locator(".execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=10_000)
    return status.inner_text().strip()


def test_swagger_ui_logs_in_through_its_authorize_dialog(
    offline_page, servers, accounts, screenshots
):
    page = offline_page
    servers.reset_limits()
    logins = []
    page.on("request", lambda r: logins.append(r) if r.url.endswith("/api/v1/tokens") else None)
    page.goto(f"{servers.api}/docs")
    box = _log_in_through_the_authorize_dialog(page, "alice", PASSWORD)
    box.locator(".auth-btn-wrapper button", has_text="Logout").wait_for(timeout=10_000)
    page.screenshot(path=str(screenshots / "swagger-ui-authorize.png"))
    page.locator(".modal-ux .btn-done").first.click()
    assert _show_your_account(page) == "200"
    answer = page.locator("#operations-users-getCurrentUser .live-responses-table .microlight")
    assert '"username": "alice"' in answer.first.inner_text()
    # The dialog posted the RFC 6749 password grant to the log-in route, form-encoded.
    [login] = logins
    assert login.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "grant_type=password" in login.post_data


def test_swagger_ui_authorize_dialog_shows_a_wrong_password(offline_page, servers, accounts):
    page = offline_page
    servers.reset_limits()
    page.goto(f"{servers.api}/docs")
    box = _log_in_through_the_authorize_dialog(page, "alice", "not the password")
    error = box.locator(".errors")
    error.wait_for(timeout=10_000)
    assert "unauthorized" in error.inner_text().lower()
