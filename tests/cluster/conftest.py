"""The local cluster (deploy/cluster.py) started once per mode: PostgreSQL directly, and the
same suite through PgBouncer in transaction mode."""

import datetime
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from deploy import cluster as deploy_cluster
from tests.conftest import PASSWORD, throwaway_postgres_database
from tests.fuzz import live
from tests.services import service_missing
from tests.test_limits import _redis_url

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_LIMIT = 10
# Figures the tests measure, by mode; written out when the module is done (see _report).
FIGURES: dict[str, dict] = {}


def _settings() -> dict[str, str]:
    return {
        **live.SERVER_ENV,
        "SERVICE_RATE_LIMITS": "1",
        # Per client address and route: out of the way of the load the tests send...
        "SERVICE_RATE_LIMIT": "100000 per minute",
        # ...while the account limit (log-in) is the one under test.
        "SERVICE_ACCOUNT_RATE_LIMIT": f"{ACCOUNT_LIMIT} per minute",
        "REDIS_URL": _redis_url(),
        "SERVICE_RATE_LIMIT_PREFIX": f"cluster-{uuid.uuid4().hex}",
    }


@pytest.fixture(scope="module", params=["direct", "pgbouncer"])
def cluster(request, tmp_path_factory):
    """Two instances behind nginx on a throwaway database, with the PgBouncer or without."""
    needed = ["nginx"] + (["pgbouncer"] if request.param == "pgbouncer" else [])
    for binary in needed:
        if deploy_cluster.find_binary(binary) is None:
            service_missing(f"{binary} is not installed (apt-get install {binary})")
    settings = _settings()
    folder = tmp_path_factory.mktemp(f"cluster-{request.param}")
    with throwaway_postgres_database() as url:
        running = deploy_cluster.start(
            2, request.param == "pgbouncer", url, folder=folder, settings=settings
        )
        running.mode = request.param
        try:
            yield running
        finally:
            running.stop()
            violations = [
                line
                for instance in running.instances
                for line in live.guard_violations(instance.folder / "error.log")
            ]
            assert violations == [], violations


@pytest.fixture(scope="module")
def owner(cluster):
    """A user's bearer header, signed up and logged in through nginx."""
    from tests.cluster.load import call

    account = {"username": f"owner{uuid.uuid4().hex[:8]}", "password": PASSWORD}
    assert call(cluster.url, "POST", "/api/v1/users", account).status == 201
    answer = call(cluster.url, "POST", "/api/v1/tokens", account)
    assert answer.status == 201, answer
    return {"Authorization": f"Bearer {answer.body['access_token']}"}


def count_rows(cluster, names: list[str]) -> dict[str, int]:
    """How many resources carry each name, read directly from PostgreSQL."""
    engine = sa.create_engine(cluster.database_url, poolclass=sa.pool.NullPool)
    query = sa.text("SELECT name, count(*) FROM resources WHERE name = ANY(:names) GROUP BY name")
    with engine.connect() as connection:
        counts = dict(connection.execute(query, {"names": names}).all())
    engine.dispose()
    return {name: counts.get(name, 0) for name in names}


def served_by(cluster, request_id_prefix: str, total: int) -> list[int]:
    """How many requests whose X-Request-ID starts so each instance answered, once their
    access lines (written just after each answer) add up to `total`."""
    deadline = time.monotonic() + 5
    while True:
        served = [_served(instance, request_id_prefix) for instance in cluster.instances]
        if sum(served) >= total or time.monotonic() > deadline:
            assert sum(served) == total, served
            return served
        time.sleep(0.1)


def _served(instance, request_id_prefix: str) -> int:
    served = 0
    for line in instance.access_log.read_text().splitlines():
        try:
            request_id = json.loads(line).get("request_id") or ""
        except ValueError:
            continue
        served += request_id.startswith(request_id_prefix)
    return served


def record(mode: str, name: str, figures: dict) -> None:
    FIGURES.setdefault(mode, {})[name] = figures


def pytest_sessionfinish(session):
    if FIGURES:
        _report(FIGURES)


def _report(figures: dict) -> None:
    """bench/results/cluster.md when CLUSTER_RECORD=1, build/cluster.md otherwise."""
    target = (
        ROOT / "bench" / "results" / "cluster.md"
        if os.environ.get("CLUSTER_RECORD") == "1"
        else ROOT / "build" / "cluster.md"
    )
    target.parent.mkdir(exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# The local cluster under faults",
        "",
        f"`CLUSTER_RECORD=1 pytest tests/cluster`, {datetime.date.today()}, commit {commit}: "
        "two instances of two sync workers behind nginx, PostgreSQL and Redis on 127.0.0.1, "
        "directly or through PgBouncer; three threads reading one resource and three "
        "creating resources through nginx; a POST without an answer, or answered "
        "409/502/503/504, is retried with its Idempotency-Key. README, Past one server, "
        "says what each figure means.",
        "",
        "| Mode | Event | Seconds | GETs | failed GETs | GETs cut short | POST attempts | "
        "POST errors | writes acknowledged | retried | stored answers | lost writes | "
        "duplicates |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, events in figures.items():
        for event, f in events.items():
            lines.append(
                f"| {mode} | {event} | {f['seconds']:.1f} | {f['reads']} | {f['failed_reads']} "
                f"| {f['cut_reads']} "
                f"| {f['posts']} | {f['post_errors']} | {f['writes_acknowledged']} "
                f"| {f['writes_retried']} | {f['stored_answers']} | {f['lost']} "
                f"| {f['duplicates']} |"
            )
    lines += ["", "POST statuses seen (every attempt):", ""]
    for mode, events in figures.items():
        for event, f in events.items():
            lines.append(f"- {mode}, {event}: {f['post_statuses']}")
    lines += ["", "Rolling restarts, seconds per step of each instance's restart:", ""]
    for mode, events in figures.items():
        for event, f in events.items():
            for index, steps in enumerate(f.get("restarts", [])):
                described = ", ".join(f"{step} {seconds}" for step, seconds in steps.items())
                lines.append(f"- {mode}, {event}, instance {index}: {described}")
    target.write_text("\n".join(lines) + "\n")
