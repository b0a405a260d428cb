"""The contenders, and starting and stopping each in its own process group on a free port."""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import measure
from deploy.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PRODUCT_APP = "service:create_app()"
# The product as in production, except the per-client rate limit (not part of the compared
# work; 32 connections from one address would be refused) and the contract guard (off in
# production too).
PRODUCT_ENV = {
    "SERVICE_ENV": "production",
    "SERVICE_SECRET_KEY": "bench-only-secret-not-used-elsewhere",
    "SERVICE_CORS_ORIGINS": "https://app.example.com",
    "SERVICE_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SERVICE_RATE_LIMITS": "0",
    "SERVICE_CONTRACT_GUARD": "0",
}

Argv = Callable[[int, int], list[str]]


@dataclass(frozen=True)
class Contender:
    name: str
    # "product", "flask-bare" (the baseline), "fastapi" (the peer) or "schema-peer" (a Flask
    # library users would pick instead: APIFlask, flask-smorest)
    role: str
    argv: Argv  # (port, workers) -> command
    # The HTTP server: CPU is compared with the bare-Flask baseline on the same one.
    server: str
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""


def _product_gunicorn(port: int, workers: int) -> list[str]:
    return [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", PRODUCT_APP]


def _granian(threads: int | None, app: str = "service:create_app", factory: bool = True) -> Argv:
    def argv(port: int, workers: int) -> list[str]:
        command = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
        if threads:
            command += ["--blocking-threads", str(threads)]
        return [*command, *(["--factory"] if factory else []), app]

    return argv


def _gunicorn(app: str) -> Argv:
    """gunicorn's defaults (sync workers, no access log) for a peer's app."""

    def argv(port: int, workers: int) -> list[str]:
        command = [str(BIN / "gunicorn"), "--workers", str(workers)]
        # As gunicorn.conf.py: no control socket at the per-user path another master may hold.
        command.append("--no-control-socket")
        return [*command, "--bind", f"127.0.0.1:{port}", app]

    return argv


def _fastapi(port: int, workers: int) -> list[str]:
    return [
        *(str(BIN / "uvicorn"), "bench.peers.fastapi_peer:app", "--workers", str(workers)),
        *("--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools"),
        *("--no-access-log", "--log-level", "warning"),
    ]


def _custom(template: str) -> Argv:
    return lambda port, workers: shlex.split(template.format(port=port, workers=workers))


def contenders(environ: dict[str, str]) -> dict[str, Contender]:
    """Every known configuration; BENCH_PRODUCT_COMMAND adds `product-custom`, a command
    template with {port} and {workers} run from the repository with the product's settings."""
    known = [
        Contender(
            "product-gunicorn",
            "product",
            _product_gunicorn,
            "gunicorn",
            note="as shipped: gunicorn.conf.py, sync workers, one JSON access line per request",
        ),
        Contender(
            "product-granian",
            "product",
            _granian(threads=1),
            "granian",
            note="granian WSGI with one blocking thread per worker (one request at a time, "
            "like gunicorn sync, but keep-alive), no access log",
        ),
        Contender(
            "product-granian-threads",
            "product",
            _granian(threads=None),
            "granian-threads",
            note="granian WSGI with its default blocking threads (backpressure / 2 per "
            "worker), no access log",
        ),
        Contender(
            "flask-bare",
            "flask-bare",
            _gunicorn("bench.peers.flask_bare:app"),
            "gunicorn",
            note="gunicorn sync, no access log",
        ),
        Contender(
            "flask-bare-granian",
            "flask-bare",
            _granian(threads=1, app="bench.peers.flask_bare:app", factory=False),
            "granian",
            note="the same bare app on granian as product-granian runs (one blocking thread "
            "per worker), no access log: product-granian's baseline",
        ),
        Contender(
            "fastapi",
            "fastapi",
            _fastapi,
            "uvicorn",
            note="uvicorn + uvloop + httptools, no access log",
        ),
        Contender(
            "apiflask",
            "schema-peer",
            _gunicorn("bench.peers.apiflask_peer:app"),
            "gunicorn",
            note="APIFlask with marshmallow schemas and Flask-SQLAlchemy models, gunicorn sync, "
            "no access log",
        ),
        Contender(
            "flask-smorest",
            "schema-peer",
            _gunicorn("bench.peers.smorest_peer:app"),
            "gunicorn",
            note="flask-smorest with marshmallow schemas and Flask-SQLAlchemy models, gunicorn "
            "sync, no access log",
        ),
    ]
    if environ.get("BENCH_PRODUCT_COMMAND"):
        template = environ["BENCH_PRODUCT_COMMAND"]
        custom = Contender("product-custom", "product", _custom(template), "custom", note=template)
        known.append(custom)
    return {contender.name: contender for contender in known}


@dataclass
class Server:
    contender: Contender
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgid(self) -> int:
        return self.process.pid  # the leader of its own session and group


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start(contender: Contender, workers: int, env: dict[str, str], log_dir: Path) -> Server:
    port = free_port()
    server_env = {**os.environ, **contender.env}
    if contender.role == "product":
        server_env |= {**PRODUCT_ENV, "SERVICE_BIND": f"127.0.0.1:{port}"}
        server_env["SERVICE_WORKERS"] = str(workers)
    server_env |= env  # the caller's settings win over the benchmark's defaults
    log_path = log_dir / f"{contender.name}.log"
    # A file, not a pipe: the product's access log would fill a pipe nobody reads.
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            contender.argv(port, workers),
            cwd=ROOT,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(contender, process, port, log_path)


def wait_until_ready(server: Server, path: str, headers: dict, timeout: float = 60) -> None:
    """Until the server answers `path` with 200 (one worker is up; the warm-up wakes the rest)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.contender.name} exited: see {server.log_path}")
        request = urllib.request.Request(server.base_url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.contender.name} did not answer in {timeout} s")


def wait_until_idle(server: Server, timeout: float = 60) -> None:
    """Until the whole group has stopped using CPU: every worker has booted (imports cost
    seconds of CPU that must not be counted in the first measured endpoint)."""
    deadline = time.monotonic() + timeout
    used = measure.cpu_seconds(server.pgid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = measure.cpu_seconds(server.pgid)
        if now - used < 0.02:
            return
        used = now
    raise RuntimeError(f"{server.contender.name} still busy {timeout} s after start")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(server: Server, grace: float = 10) -> None:
    """SIGTERM to the whole group, SIGKILL after `grace` seconds; then the port must be free."""
    pgid = server.pgid
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if server.process.poll() is not None and not _group_alive(pgid):
            break
        time.sleep(0.1)
    else:
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
        server.process.wait(timeout=5)
    deadline = time.monotonic() + grace
    while _port_open(server.port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {server.port} still answers after stopping")
        time.sleep(0.1)
