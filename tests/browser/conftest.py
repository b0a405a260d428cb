"""A real browser (Debian's Chromium, driven by Playwright) against the API on loopback.

The API runs in a thread on one port; the test page that calls it is served from another
port, a second origin, so every call is a real CORS request. Chromium is started with the
flags this machine needs (no background networking: nothing may leave 127.0.0.1).
"""

import os
import shutil
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, TEST_SETTINGS, migrated_app
from tests.services import service_missing

ROOT = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).with_name("pages")
JQUERY = ROOT / "node_modules" / "jquery" / "dist" / "jquery.min.js"
SCREENSHOTS = ROOT / "build" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Sign-ups and log-ins per minute for the browser's API (the account limit): the fixtures use
# four, the 409 test one, the 429 test the rest.
ACCOUNT_LIMIT = 8


def _chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        service_missing(f"Chromium not found at {path} (apt-get install chromium)")
    return path


@dataclass
class Servers:
    api: str
    page: str
    app: object

    def reset_limits(self) -> None:
        """Start the rate-limit windows afresh (the 429 test spends the account limit)."""
        self.app.extensions["rate_limiter"].reset()


def _serve_in_thread(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


class _PageHandler(SimpleHTTPRequestHandler):
    """The test page and jQuery from the npm package, nothing else."""

    def translate_path(self, path):
        name = path.split("?", 1)[0].lstrip("/")
        return str(JQUERY if name == "jquery.min.js" else PAGES / name)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    if not JQUERY.exists():
        service_missing(f"{JQUERY} missing: run `npm ci`")
    page_server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    page_origin = f"http://127.0.0.1:{page_server.server_port}"
    settings = {
        **TEST_SETTINGS,
        "CORS_ALLOWED_ORIGINS": [page_origin],
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_DEFAULT": "100000 per minute",
        "ACCOUNT_RATE_LIMIT": f"{ACCOUNT_LIMIT} per minute",
    }
    database = tmp_path_factory.mktemp("browser") / "api.sqlite3"
    app = migrated_app(f"sqlite:///{database}", **settings)
    api_server = make_server("127.0.0.1", 0, app, threaded=True)
    _serve_in_thread(api_server)
    _serve_in_thread(page_server)
    yield Servers(api=f"http://127.0.0.1:{api_server.server_port}", page=page_origin, app=app)
    for server in (api_server, page_server):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@dataclass
class Account:
    username: str
    token: str


@pytest.fixture(scope="session")
def accounts(servers):
    """Two users signed up and logged in through the API itself (two of the log-ins)."""
    import json
    import urllib.request

    def post(path, body):
        request = urllib.request.Request(
            servers.api + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    made = {}
    for name in ("alice", "bob"):
        post("/api/v1/users", {"username": name, "password": PASSWORD})
        token = post("/api/v1/tokens", {"username": name, "password": PASSWORD})["access_token"]
        made[name] = Account(name, token)
    return made


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
