"""Preflight: every tool and service `make run` and `make test` use, found or missing.

One line per item. Standard library only, so it runs before the virtualenv exists:

    python3 tools/doctor.py        (make doctor; make test runs it first)

Exits 1 only when something `make run` itself needs is missing; a tool only the suite uses
is reported with what skips without it (and fails under REQUIRE_SERVICES=1) and how to get it.
"""

from __future__ import annotations  # parses on Python 3.7+, to say it is too old

import importlib.util
import json
import os
import pwd
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
# The tests' own defaults (tests/conftest.py, tests/test_limits.py, tests/faults/servers.py).
TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
PG_BIN = "/usr/lib/postgresql/15/bin"
# As the suite's Redis check (tests/test_limits.py): an absent service costs a second at most.
TIMEOUT = 1.0
REQUIRE = "; fail instead under REQUIRE_SERVICES=1"


class Missing(Exception):
    """The item is absent or unusable; the message says what was seen."""


@dataclass
class Item:
    name: str
    check: Callable[[], str]  # returns what was found (a version); raises Missing
    without: str  # what skips or fails without it
    install: str  # Debian/Ubuntu; macOS
    needed_by_run: bool = False


def _output(*command: str) -> str:
    """stdout and stderr of a short command (java -version prints on stderr)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except FileNotFoundError:
        raise Missing(f"{command[0]} not found") from None
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Missing(f"{command[0]}: {error}") from None
    return (done.stdout + done.stderr).strip()


def _which(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise Missing(f"{program} not on PATH")
    return path


def _version(text: str) -> str:
    found = re.search(r"\d+(?:\.\d+)+", text)
    return found.group(0) if found else text.splitlines()[0] if text else "?"


def check_python() -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < (3, 11):  # noqa: UP036 (run by whichever python3 is first)
        raise Missing(f"{sys.executable} is Python {version}, 3.11 or later is needed")
    absent = [
        name for name in ("venv", "ensurepip", "sqlite3") if not importlib.util.find_spec(name)
    ]
    if absent:
        raise Missing(f"Python {version} at {sys.executable} lacks {', '.join(absent)}")
    import sqlite3

    return f"{version} at {sys.executable}, SQLite {sqlite3.sqlite_version}"


def node_version_ok(version: tuple[int, ...]) -> bool:
    """@redocly/cli's range: >=20.19.0 <21, or >=22.12.0 (package.json "engines")."""
    return (20, 19) <= version[:2] < (21,) or version[:2] >= (22, 12)


def check_node() -> str:
    path = _which("node")
    text = _output(path, "--version")
    version = tuple(int(part) for part in re.findall(r"\d+", text)[:3])
    if not node_version_ok(version):
        raise Missing(f"{path} is {text}, too old for @redocly/cli (20.19+ or 22.12+)")
    return f"{text.lstrip('v')} at {path}"


def check_npm() -> str:
    return _version(_output(_which("npm"), "--version"))


def check_node_modules() -> str:
    lock = ROOT / "node_modules" / ".package-lock.json"
    if not lock.exists():
        raise Missing("not installed yet")
    return f"{len(json.loads(lock.read_text())['packages'])} packages in {lock.parent}"


def check_chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise Missing(f"not found at {path} (CHROMIUM_PATH names another)")
    return f"{_version(_output(path, '--version'))} at {path}"


def _connect(url: str, default_port: int) -> socket.socket:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        return socket.create_connection((host, port), timeout=TIMEOUT)
    except OSError as error:
        raise Missing(f"unreachable at {url}: {error.strerror or error}") from None


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def postgres_server_version(url: str) -> str:
    """Log in as the URL's user (the wire protocol's startup); the server's version."""
    parts = urlsplit(url.replace("+psycopg", "", 1))
    user = unquote(parts.username or os.environ.get("USER", "postgres"))
    database = unquote(parts.path.lstrip("/")) or user
    body = struct.pack("!I", 196608)  # protocol 3.0
    body += b"".join(
        f"{key}\0{value}\0".encode() for key, value in [("user", user), ("database", database)]
    )
    body += b"\0"
    try:
        return _postgres_startup(url, body)
    except OSError as error:  # something listens there, but does not answer as PostgreSQL
        raise Missing(f"no usable answer from {url}: {error}") from None


def _postgres_startup(url: str, body: bytes) -> str:
    with _connect(url, 5432) as connection:
        connection.sendall(struct.pack("!I", len(body) + 4) + body)
        version = "?"
        while True:
            kind = _read_exactly(connection, 1)
            (length,) = struct.unpack("!I", _read_exactly(connection, 4))
            payload = _read_exactly(connection, length - 4)
            if kind == b"E":
                fields = dict((field[:1], field[1:]) for field in payload.split(b"\0") if field)
                raise Missing(f"{url}: {fields.get(b'M', b'refused').decode(errors='replace')}")
            if kind == b"R" and struct.unpack("!I", payload[:4])[0] != 0:
                return "reachable; it asks for a password (not checked here)"
            if kind == b"S":
                name, value = payload.split(b"\0")[:2]
                if name == b"server_version":
                    version = value.decode()
            if kind == b"Z":
                connection.sendall(b"X\0\0\0\4")
                return f"{version} at {url}"


def check_postgres() -> str:
    return postgres_server_version(os.environ.get("TEST_POSTGRES_URL", TEST_POSTGRES_URL))


def _dotenv(name: str) -> str | None:
    """A setting from the environment, else from .env (what `make run` reads)."""
    if name in os.environ:
        return os.environ[name]
    dotenv = ROOT / ".env"
    if dotenv.exists():
        for line in dotenv.read_text().splitlines():
            key, sep, value = re.sub(r"^export\s+", "", line.strip()).partition("=")
            if sep and key.strip() == name:
                return value.strip().strip("'\"")
    return None


def run_database_url() -> str | None:
    """DATABASE_URL when it names PostgreSQL (then `make run` needs that server)."""
    url = _dotenv("DATABASE_URL")
    return url if url and url.startswith("postgres") else None


def check_run_database() -> str:
    return postgres_server_version(run_database_url())


def check_pg_bin() -> str:
    folder = Path(os.environ.get("PG_BIN", PG_BIN))
    if not (folder / "initdb").exists() or not (folder / "pg_ctl").exists():
        others = sorted(
            str(path.parent) for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        )
        hint = f"; found {', '.join(others)}: set PG_BIN" if others else " (set PG_BIN)"
        raise Missing(f"no initdb and pg_ctl in {folder}{hint}")
    found = f"{_version(_output(str(folder / 'initdb'), '--version'))} in {folder}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise Missing(f"{found}, but running as root and there is no `postgres` user") from None
        if shutil.which("runuser") is None:
            raise Missing(f"{found}, but running as root and runuser is missing")
        found += " (run as the postgres user)"
    return found


def _receive(connection: socket.socket) -> bytes:
    chunk = connection.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection")
    return chunk


def _redis_command(connection: socket.socket, *words: str) -> bytes:
    command = f"*{len(words)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in words)
    connection.sendall(command.encode())
    reply = b""
    while not reply.endswith(b"\r\n"):
        reply += _receive(connection)
    if reply.startswith(b"$"):
        head = reply.index(b"\r\n")
        while len(reply) < head + 2 + int(reply[1:head]) + 2:
            reply += _receive(connection)
    if reply.startswith(b"-"):
        raise Missing(f"Redis answered {reply[1:].strip().decode(errors='replace')}")
    return reply


def check_redis() -> str:
    url = os.environ.get("REDIS_URL", REDIS_URL)
    parts = urlsplit(url)
    connection = _connect(url, 6379)
    try:
        if parts.scheme == "rediss":
            context = ssl.create_default_context()
            connection = context.wrap_socket(connection, server_hostname=parts.hostname)
        if parts.password:
            user = [unquote(parts.username)] if parts.username else []
            _redis_command(connection, "AUTH", *user, unquote(parts.password))
        _redis_command(connection, "PING")
        info = _redis_command(connection, "INFO", "server").decode(errors="replace")
    except OSError as error:  # something listens there, but does not answer as Redis
        raise Missing(f"no usable answer from {url}: {error}") from None
    except Missing as error:
        raise Missing(f"{url}: {error}") from None
    finally:
        connection.close()
    found = re.search(r"redis_version:(\S+)", info)
    return f"{found.group(1) if found else '?'} at {url}"


def check_java() -> str:
    path = _which("java")
    text = _output(path, "-version")
    found = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    major = int(found.group(1)) if found else 0
    if major == 1 and found.group(2):  # "1.8.0" is Java 8
        major = int(found.group(2))
    if major < 11:
        raise Missing(f"java is {text.splitlines()[0]}; OpenAPI Generator needs Java 11 or later")
    return f"{_version(text)} at {path}"


def check_program(program: str, *version_args: str) -> Callable[[], str]:
    def check() -> str:
        path = _which(program)
        if not version_args:
            return path
        return f"{_version(_output(path, *version_args))} at {path}"

    return check


ITEMS = [
    Item(
        "Python >= 3.11",
        check_python,
        "`make run` and `make test` need it, with venv (ensurepip) and sqlite3",
        "apt-get install python3 python3-venv (Debian 12, Ubuntu 24.04: 3.11+); "
        "brew install python@3.11",
        needed_by_run=True,
    ),
    Item(
        "Node.js 20.19+/22.12+",
        check_node,
        "spec lint (Spectral, Redocly), TypeScript SDK and Postman tests skip without node, "
        "or with an older one" + REQUIRE,
        "Debian/Ubuntu ship 18: Node 22 from nodejs.org or NodeSource (deb.nodesource.com); "
        "brew install node@22",
    ),
    Item(
        "npm",
        check_npm,
        "`make test` runs `npm ci` and stops without it",
        "comes with Node.js (apt-get install npm with Debian's node; brew install node@22)",
    ),
    Item(
        "node_modules",
        check_node_modules,
        "`make test` installs it (npm ci)",
        "make test, or npm ci --ignore-scripts",
    ),
    Item(
        "Chromium",
        check_chromium,
        "tests/browser/ skip" + REQUIRE,
        "apt-get install chromium (Debian; elsewhere CHROMIUM_PATH to a Chromium or Chrome); "
        "brew install --cask chromium, "
        "CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium",
    ),
    Item(
        "PostgreSQL server",
        check_postgres,
        "the PostgreSQL half of the route suite, races, migrations and schemathesis over HTTP skip"
        + REQUIRE,
        "apt-get install postgresql (trust for postgres on 127.0.0.1, or TEST_POSTGRES_URL with a "
        "password); brew install postgresql@15 && brew services start postgresql@15",
    ),
    Item(
        "PostgreSQL 15 binaries (PG_BIN)",
        check_pg_bin,
        "tests/faults/ (a throwaway cluster: initdb, pg_ctl) skip" + REQUIRE,
        "apt-get install postgresql-15 (as root: a postgres OS user, which it creates); "
        "brew install postgresql@15, PG_BIN=$(brew --prefix postgresql@15)/bin",
    ),
    Item(
        "Redis",
        check_redis,
        "tests/test_limits.py's shared limit and tests/races/' Redis limit skip" + REQUIRE,
        "apt-get install redis-server; brew install redis && brew services start redis",
    ),
    Item(
        "Java 11+",
        check_java,
        "tests/sdk/ OpenAPI Generator tests skip" + REQUIRE,
        "apt-get install default-jre-headless (Debian 12: Java 17); brew install openjdk@17",
    ),
    Item(
        "curl",
        check_program("curl", "--version"),
        "tests/readme/ (the README's curl examples) skip" + REQUIRE,
        "apt-get install curl; on macOS already",
    ),
    Item(
        "nginx",
        check_program("nginx", "-v"),
        "tests/cluster/ (proxy in front of gunicorn) skip" + REQUIRE,
        "apt-get install nginx; brew install nginx",
    ),
    Item(
        "PgBouncer",
        check_program("pgbouncer", "--version"),
        "tests/cluster/ (transaction pooling) skip" + REQUIRE,
        "apt-get install pgbouncer; brew install pgbouncer",
    ),
    Item(
        "wrk",
        check_program("wrk", "-v"),
        "make bench and make soak stop (not in make test)",
        "apt-get install wrk; brew install wrk",
    ),
]


def items() -> list[Item]:
    found = list(ITEMS)
    if run_database_url():
        database = Item(
            "DATABASE_URL (make run)",
            check_run_database,
            "`make run` cannot serve: DATABASE_URL names this PostgreSQL server",
            "start the server, or unset DATABASE_URL for SQLite in instance/",
            needed_by_run=True,
        )
        found.insert(1, database)
    return found


def _outcome(item: Item) -> tuple[bool, str]:
    try:
        return True, item.check()
    except Missing as error:
        return False, str(error)
    except Exception as error:  # a check's own bug must not hide the other lines
        return False, f"check failed: {error!r}"


def main() -> int:
    checked = items()
    with ThreadPoolExecutor(max_workers=len(checked)) as pool:
        outcomes = list(pool.map(_outcome, checked))  # in the items' order
    width = max(len(item.name) for item in checked)
    print("Preflight (tools/doctor.py): what `make run` and `make test` use")
    blocking = []
    for index, (ok, detail) in enumerate(outcomes):
        item = checked[index]
        if ok:
            print(f"  {item.name:<{width}}  found ({detail})")
        else:
            found = f"missing ({detail}): {item.without}; install: {item.install}"
            print(f"  {item.name:<{width}}  {found}")
            if item.needed_by_run:
                blocking.append(item.name)
    if blocking:
        print(f"`make run` cannot work without: {', '.join(blocking)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
