"""The production server as `make run` starts it: gunicorn.conf.py, several workers.

One JSON line per request on stdout, JSON records on stderr, metrics added up over every
worker, and a graceful reload that replaces the workers without losing a count.
"""

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from deploy.ports import free_port
from service.logs import JsonAccessLogger
from tests.fuzz.live import SERVER_ENV, _run, _wait_until_up
from tests.test_health import _sample

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKERS = 2


class Server:
    def __init__(self, base_url: str, process: subprocess.Popen, folder: Path):
        self.base_url, self.process, self.folder = base_url, process, folder
        self.stdout, self.stderr = folder / "stdout.log", folder / "stderr.log"
        self.database = folder / "service.sqlite3"

    def request(self, path: str, method: str = "GET", body=None, headers=None):
        """(status, headers, body) of one request on a connection of its own."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json_lines(self, which: str) -> list[dict]:
        text = (self.stdout if which == "stdout" else self.stderr).read_text()
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def access_lines(self) -> list[dict]:
        return [line for line in self.json_lines("stdout") if line["logger"] == "gunicorn.access"]

    def metrics(self) -> str:
        status, _, body = self.request("/metrics")
        assert status == 200
        return body.decode()


@contextmanager
def _gunicorn(folder: Path, **settings: str):
    """gunicorn as `make run` starts it, on a free port, with its SQLite database in folder."""
    port = free_port()
    env = {
        **os.environ,
        **SERVER_ENV,
        "SERVICE_WORKERS": str(WORKERS),
        "SERVICE_BIND": f"127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{folder}/service.sqlite3",
        **settings,
    }
    # As `make run` does: gunicorn.conf.py picks the metrics folder.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    _run([str(BIN / "flask"), "--app", "service", "db", "upgrade"], env)
    command = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "service:create_app()"]
    with open(folder / "stdout.log", "w") as out, open(folder / "stderr.log", "w") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield Server(base_url, process, folder)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with _gunicorn(tmp_path_factory.mktemp("gunicorn")) as server:
        yield server


def _wait_for_log(server: Server, predicate, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in server.access_lines() if predicate(line)]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no such access line in {server.stdout.read_text()[-2000:]}")


def test_access_line_is_json_with_request_id_and_user(server):
    account = {"username": "logan", "password": "correct horse battery"}
    status, _, body = server.request("/api/v1/users", "POST", account)
    assert status == 201
    status, _, body = server.request("/api/v1/tokens", "POST", account)
    token = json.loads(body)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "trace-4242"}
    status, response_headers, _ = server.request("/api/v1/users/me", headers=headers)
    assert status == 200
    assert response_headers["X-Request-ID"] == "trace-4242"

    headers["X-Request-ID"] = "trace-4243"
    assert server.request("/api/v1/resources/987654321", headers=headers)[0] == 404

    line = _wait_for_log(server, lambda line: line.get("request_id") == "trace-4242")
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/users/me"
    assert line["status"] == 200
    assert line["user_id"] == _user_id(server, "logan")
    assert 0 < line["duration_ms"] < 10_000
    assert line["level"] == "INFO"
    assert token not in json.dumps(line)
    error = _wait_for_log(server, lambda line: line.get("request_id") == "trace-4243")
    assert (error["status"], error["user_id"]) == (404, line["user_id"])


def test_access_line_of_an_anonymous_error(server):
    status, headers, _ = server.request("/api/v1/resources/987654321")
    assert status == 404
    request_id = headers["X-Request-ID"]
    line = _wait_for_log(server, lambda line: line.get("request_id") == request_id)
    assert (line["status"], line["user_id"]) == (404, None)


def test_other_records_are_json_on_stderr(server):
    records = server.json_lines("stderr")
    assert any(record["message"].startswith("Booting worker") for record in records)
    assert all({"time", "level", "logger", "pid", "message"} <= record.keys() for record in records)


def test_metrics_add_up_every_worker(server):
    path, route = "/api/v1/resources/123456", "/api/v1/resources/{resource_id}"
    labels = {"method": "GET", "route": route, "status": "404"}
    before = _sample(server.metrics(), "http_requests_total", **labels)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: server.request(path)[0], range(60)))
    assert statuses == [404] * 60
    # Whichever worker answers the scrape, it reports what all of them counted.
    for _ in range(4):
        assert _sample(server.metrics(), "http_requests_total", **labels) == before + 60
    lines = [line for line in server.access_lines() if line["path"] == path]
    assert len({line["pid"] for line in lines}) == WORKERS, "one worker served every request"


def test_graceful_reload_replaces_workers_and_keeps_counts(server):
    labels = {"method": "GET", "route": "/health/live", "status": "200"}
    for _ in range(5):
        assert server.request("/health/live")[0] == 200
    counted = _sample(server.metrics(), "http_requests_total", **labels)
    old_workers = _worker_pids(server)
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = _worker_pids(server)
        if len(workers) == WORKERS and not workers & old_workers:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"workers {old_workers} were not replaced: {_worker_pids(server)}")
    assert server.request("/health/live")[0] == 200
    assert _sample(server.metrics(), "http_requests_total", **labels) >= counted + 1


def _user_id(server: Server, username: str) -> int:
    """The id the database gave the account (the API never shows it)."""
    with closing(sqlite3.connect(server.database)) as connection:
        query = "SELECT id FROM users WHERE username = ?"
        return connection.execute(query, (username,)).fetchone()[0]


def _worker_pids(server: Server) -> set[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def test_access_line_of_an_error_gunicorn_answered_itself(caplog):
    """An exception that escapes the app: gunicorn answers 500 with a Response that has only
    `status`; logging it must not crash the worker."""
    access_log = logging.getLogger("test.access")
    logger = SimpleNamespace(access_log_enabled=True, access_log=access_log)
    response = SimpleNamespace(status="500 Internal Server Error", headers=[], sent=0)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/resources/1"}
    with caplog.at_level(logging.INFO, logger="test.access"):
        JsonAccessLogger.access(logger, response, None, environ, timedelta(milliseconds=3))
    assert caplog.records[-1].status == 500


def _raw_exchange(server: Server, request: bytes) -> bytes:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/tokens", "/userSignUp"])
def test_broken_chunk_framing_is_a_problem_document_not_a_500(server, path):
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    ).encode()
    head, _, body = _raw_exchange(server, request).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head
    assert b"Content-Type: application/problem+json" in head, head
    assert json.loads(body)["status"] == 400


def test_masters_side_by_side_open_no_shared_control_socket(tmp_path):
    """gunicorn's default control socket is one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn):
    two masters would fight over it. gunicorn.conf.py turns it off."""
    home = tmp_path / "home"
    runtime = home / "run"
    runtime.mkdir(parents=True)
    user = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "SERVICE_WORKERS": "1"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with _gunicorn(tmp_path / "a", **user) as first, _gunicorn(tmp_path / "b", **user) as second:
        assert first.request("/health/live")[0] == 200
        assert second.request("/health/live")[0] == 200
        assert [path for path in home.rglob("*") if path != runtime] == []
    for server in (first, second):
        messages = [record["message"] for record in server.json_lines("stderr")]
        assert not [message for message in messages if "ontrol socket" in message], messages
