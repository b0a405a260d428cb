"""schemathesis over HTTP: the app served by gunicorn, fuzzed by the schemathesis CLI.

Used by tests/contract/test_schemathesis_http.py (a short run on PostgreSQL in CI) and by
`make fuzz` (a long run); tests/sdk/ drives its `gunicorn()` with the generated clients:

    python -m tests.fuzz.live --max-examples 500 [--database-url URL] [--seed N]

The server runs with the contract guard on; a violation it logs fails the run too.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from deploy.ports import free_port
from tests.fuzz import identities

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Cheap argon2 so the fuzzer's many log-ins do not dominate the run.
SERVER_ENV = {
    "SERVICE_ENV": "testing",
    "SERVICE_CONTRACT_GUARD": "1",
    # The fuzzer sends thousands of requests a minute; 429s would only hide the contract.
    "SERVICE_RATE_LIMITS": "0",
    "SERVICE_ARGON2_TIME_COST": "2",
    "SERVICE_ARGON2_MEMORY_KIB": "19456",
    "SERVICE_ARGON2_PARALLELISM": "1",
    # Test servers run side by side with other tests' apps: no machine-wide hashing bound
    # (tests/test_hashing.py has its own).
    "SERVICE_HASHING_SLOTS": "0",
    "SERVICE_WORKERS": "2",
}


@dataclass
class FuzzResult:
    name: str
    exit_code: int
    output: str
    guard_violations: list[str] = field(default_factory=list)

    @property
    def test_cases(self) -> int:
        """The total schemathesis reports, e.g. "Test cases:\n  5321 generated"."""
        found = re.search(r"(\d[\d,]*) generated", self.output)
        return int(found.group(1).replace(",", "")) if found else 0


def _run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)


def _sender(base_url: str):
    """send(method, path, body, headers) -> (status, JSON body), over HTTP."""

    def send(method: str, path: str, body: dict, headers: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            base_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **headers},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    return send


def _wait_until_up(base_url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/openapi.json", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {base_url} within {timeout} s")


def prepare_database(env: dict[str, str]) -> None:
    """Migrate, and create the admin (the one identity that cannot sign up)."""
    _run([str(BIN / "flask"), "--app", "service", "db", "upgrade"], env)
    password = identities.passwords()[identities.ADMIN]
    create_admin = ["create-admin", identities.ADMIN, "--password", password]
    _run([str(BIN / "flask"), "--app", "service", *create_admin], env)


def _on_granian() -> bool:
    """LIVE_SERVER=granian: the live server is granian as bench/granian_operations.py runs it
    (the faults and races suites on granian), not gunicorn as `make run` starts it."""
    return os.environ.get("LIVE_SERVER", "gunicorn") == "granian"


def _server_command(port: int, workers: int) -> list[str]:
    if _on_granian():
        from bench.granian_operations import granian_argv

        return granian_argv(port, workers)
    return [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "service:create_app()"]


@contextmanager
def gunicorn(database_url: str, log_path: Path, **settings: str):
    """gunicorn (granian with LIVE_SERVER) on a free loopback port, with the contract guard
    on, against a migrated database that has only the admin; yields the base URL. `settings`
    override SERVER_ENV."""
    port = free_port()
    env = {**os.environ, **SERVER_ENV, **settings, "DATABASE_URL": database_url}
    env["SERVICE_BIND"] = f"127.0.0.1:{port}"
    prepare_database(env)
    command = _server_command(port, int(env["SERVICE_WORKERS"]))
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def worker_death_logged(log_path: Path) -> bool:
    """Whether the server logged that a worker died (each server has its own words)."""
    text = log_path.read_text()
    if _on_granian():
        return "Unexpected exit from worker" in text
    return "was sent SIGKILL" in text


def guard_violations(log_path: Path) -> list[str]:
    """The lines in which the server's contract guard reported a response it rejected."""
    return [line for line in log_path.read_text().splitlines() if "Contract violation" in line]


@contextmanager
def served(database_url: str, log_path: Path):
    """gunicorn (as `gunicorn()`) with the fuzzing identities and their shared resources."""
    with gunicorn(database_url, log_path) as base_url:
        send = _sender(base_url)
        for username, password in identities.users().items():
            account = {"username": username, "password": password}
            status, _ = send("POST", "/api/v1/users", account, {})
            assert status == 201, f"signing up {username} answered {status}"
        identities.seed_shared_resource(send)
        yield base_url


# Three runs against one server, in this order:
# - the grant routes as alice, while the shares seeded for their path examples exist.
#   schemathesis runs every DELETE after the other methods and sorts them by path, so in a
#   run with every route, deleting resources (any captured id) always comes before revoking
#   a share, and revoking never reaches a share that still exists;
# - every other route as alice (bob as her peer, escalating to others on 401/403);
# - the admin-only routes as admin, with the sign-up and profile they link to.
GRANT_ROUTES = ["listGrants", "putGrant", "deleteGrant"]
ADMIN_RUN = ["createUser", "getUser", "listUsers", "deleteUser"]
ADMIN_ONLY = ["listUsers", "deleteUser"]


def _operations(option: str, operation_ids: list[str]) -> list[str]:
    return [arg for operation_id in operation_ids for arg in (option, operation_id)]


RUNS = {
    "grants as alice": _operations("--include-operation-id", GRANT_ROUTES),
    "as alice": _operations("--exclude-operation-id", ADMIN_ONLY + GRANT_ROUTES),
    "as admin": [
        *_operations("--include-operation-id", ADMIN_RUN),
        *("--auth-wfc-user", identities.ADMIN),
    ],
}


def _schemathesis(base_url: str, max_examples: int, seed: int | None, *options: str):
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"{base_url}/openapi.json",
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",  # more than one worker crashes hypothesis on Python 3.11
        *options,
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def fuzz(
    database_url: str, max_examples: int, seed: int | None = None, *options: str
) -> list[FuzzResult]:
    """The three CLI runs (RUNS) against one fresh server; settings from schemathesis.toml, plus
    `options` for every run."""
    log_path = ROOT / "build" / "fuzz-server.log"
    log_path.parent.mkdir(exist_ok=True)
    results = []
    with served(database_url, log_path) as base_url:
        for name, run_options in RUNS.items():
            completed = _schemathesis(base_url, max_examples, seed, *run_options, *options)
            results.append(
                FuzzResult(name, completed.returncode, completed.stdout + completed.stderr)
            )
    results[-1].guard_violations = guard_violations(log_path)
    return results


@contextmanager
def throwaway_database(server_url: str | None):
    """A database of the run's own: a SQLite file, or one made on the PostgreSQL server
    `server_url` names and dropped afterwards (the run never touches existing data)."""
    if not server_url or server_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="contract-api-fuzz-") as folder:
            yield server_url or f"sqlite:///{folder}/fuzz.sqlite3"
        return
    import psycopg

    admin = server_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"contract_api_fuzz_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=500)
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to make a throwaway database on (default: a SQLite file)",
    )
    args = parser.parse_args()
    with throwaway_database(args.database_url) as database_url:
        results = fuzz(database_url, args.max_examples, args.seed)
    for result in results:
        print(f"===== schemathesis {result.name}: exit {result.exit_code} =====")
        print(result.output)
    violations = [line for result in results for line in result.guard_violations]
    print(f"Test cases: {sum(result.test_cases for result in results)} generated in all")
    print(f"Contract guard violations on the server: {len(violations)}")
    for line in violations:
        print(f"  {line}")
    return 0 if all(result.exit_code == 0 for result in results) and not violations else 1


if __name__ == "__main__":
    sys.exit(main())
