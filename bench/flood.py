"""`make flood`: do reads stay quick while many clients flood the password routes?

gunicorn as shipped (production settings, its default workers, rate limits on in Redis) on
a throwaway PostgreSQL database seeded like `make bench`. One client reads a resource at a
steady pace, FLOOD_READS_PER_SECOND, first alone (quiet), then while FLOOD_CLIENTS other
clients, each from an address of its own (127.0.0.2, 127.0.0.3, ...: loopback answers for
all of 127/8), sign up and log in at exactly the account limit (SERVICE_ACCOUNT_RATE_LIMIT),
every one of those requests an argon2 computation. The reads' p99 under the flood must stay
within FLOOD_MAX_RATIO (3) of the quiet p99. Writes bench/results/flood.md.

Settings: FLOOD_CLIENTS (60), FLOOD_SECONDS (40), FLOOD_READS_PER_SECOND (20),
FLOOD_MAX_RATIO (3), BENCH_DATABASE_URL, REDIS_URL.
"""

import http.client
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles

from bench import servers
from bench.run import DEFAULT_ADMIN_URL, prepare, throwaway_database

RESULT = Path(__file__).parent / "results" / "flood.md"
PASSWORD = "correct horse battery staple"
# The shipped defaults (gunicorn.conf.py): two workers per core plus one.
SHIPPED_WORKERS = (os.cpu_count() or 1) * 2 + 1
ACCOUNT_LIMIT_PER_MINUTE = 10


def _request(port: int, method: str, path: str, body=None, headers=None, source=None):
    """One request on a new connection (as gunicorn's sync workers close each one):
    (status, seconds taken)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None
    )
    payload = json.dumps(body).encode() if body is not None else None
    headers = {**(headers or {}), **({"Content-Type": "application/json"} if payload else {})}
    started = time.perf_counter()
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def read_steadily(port: int, path: str, token: str, seconds: float, rate: float) -> list[float]:
    """GET `path` every 1/rate seconds for `seconds`; the latency of each (all must be 200)."""
    latencies, statuses = [], Counter()
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        status, taken = _request(port, "GET", path, headers=headers)
        statuses[status] += 1
        latencies.append(taken)
        next_at += 1 / rate
        time.sleep(max(0.0, next_at - time.monotonic()))
    if set(statuses) != {200}:
        raise RuntimeError(f"reads answered {dict(statuses)}")
    return latencies


def flood(port: int, clients: int, seconds: float, statuses: Counter, stop: threading.Event):
    """Each client, from its own address, signs up or logs in once per 60/limit seconds."""
    interval = 60 / ACCOUNT_LIMIT_PER_MINUTE
    lock = threading.Lock()

    def client(number: int) -> None:
        source = f"127.0.0.{2 + number}"
        name = f"flood{number}-{uuid.uuid4().hex[:6]}"
        credentials = {"username": name, "password": PASSWORD}
        # Spread the clients over the interval, so the load is steady.
        time.sleep(interval * number / clients)
        turn = 0
        while not stop.is_set():
            path = "/api/v1/users" if turn == 0 else "/api/v1/tokens"
            status, _ = _request(port, "POST", path, credentials, source=source)
            with lock:
                statuses[status] += 1
            turn += 1
            stop.wait(interval)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def p(latencies: list[float], percent: int) -> float:
    return quantiles(latencies, n=100)[percent - 1] * 1000


def run(clients: int, seconds: float, rate: float, admin_url: str, redis_url: str) -> dict:
    log_dir = Path(tempfile.mkdtemp(prefix="contract-api-flood-"))
    contender = servers.contenders(os.environ)["product-gunicorn"]
    limits = {
        "SERVICE_RATE_LIMITS": "1",
        "REDIS_URL": redis_url,
        "SERVICE_RATE_LIMIT_PREFIX": f"flood-{uuid.uuid4().hex[:8]}",
        "SERVICE_RATE_LIMIT": "100000 per minute",  # the reads are not what is limited
    }
    with throwaway_database(admin_url) as database_url:
        seeded = prepare(database_url)
        env = {"DATABASE_URL": database_url, **limits}
        server = servers.start(contender, SHIPPED_WORKERS, env, log_dir)
        try:
            path = f"/api/v1/resources/{seeded['resource_id']}"
            auth = {"Authorization": f"Bearer {seeded['token']}"}
            servers.wait_until_ready(server, path, auth)
            servers.wait_until_idle(server)
            quiet = read_steadily(server.port, path, seeded["token"], seconds, rate)
            statuses, stop = Counter(), threading.Event()
            threads = flood(server.port, clients, seconds + 5, statuses, stop)
            time.sleep(5)  # the flood reaches its pace
            loaded = read_steadily(server.port, path, seeded["token"], seconds, rate)
            stop.set()
            for thread in threads:
                thread.join(timeout=35)
        finally:
            servers.stop(server)
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "workers": SHIPPED_WORKERS,
        "clients": clients,
        "seconds": seconds,
        "rate": rate,
        "quiet": {"p50": p(quiet, 50), "p99": p(quiet, 99), "max": max(quiet) * 1000},
        "flood": {"p50": p(loaded, 50), "p99": p(loaded, 99), "max": max(loaded) * 1000},
        "flood_statuses": dict(sorted(statuses.items())),
    }


def markdown(result: dict, max_ratio: float) -> tuple[str, bool]:
    quiet, loaded = result["quiet"], result["flood"]
    ratio = loaded["p99"] / quiet["p99"]
    passed = ratio <= max_ratio
    statuses = ", ".join(f"{status}: {n}" for status, n in result["flood_statuses"].items())
    text = "\n".join(
        [
            "# Reads under a flood of the password routes (`make flood`)",
            "",
            f"{result['when']}; gunicorn as shipped ({result['workers']} sync workers), "
            "production settings, rate limits on in Redis, PostgreSQL. Method: bench/flood.py.",
            "",
            f"`GET /api/v1/resources/{{id}}` at {result['rate']:.0f} per second for "
            f"{result['seconds']:.0f} s, alone and then while {result['clients']} clients "
            "(one address each) sign up and log in at the account limit "
            f"({ACCOUNT_LIMIT_PER_MINUTE} per minute each).",
            "",
            "| | p50 | p99 | max |",
            "|---|---:|---:|---:|",
            f"| Quiet | {quiet['p50']:.1f} ms | {quiet['p99']:.1f} ms | {quiet['max']:.1f} ms |",
            f"| Under the flood | {loaded['p50']:.1f} ms | {loaded['p99']:.1f} ms | "
            f"{loaded['max']:.1f} ms |",
            "",
            f"The flood's answers: {statuses} (503: no hashing slot free in time; 429: over "
            "the account limit).",
            "",
            f"p99 under the flood / quiet p99: **{ratio:.2f}** (goal <= {max_ratio:g}): "
            f"{'pass' if passed else 'FAIL'}.",
            "",
        ]
    )
    return text, passed


def main() -> int:
    result = run(
        clients=int(os.environ.get("FLOOD_CLIENTS", 60)),
        seconds=float(os.environ.get("FLOOD_SECONDS", 40)),
        rate=float(os.environ.get("FLOOD_READS_PER_SECOND", 20)),
        admin_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    text, passed = markdown(result, float(os.environ.get("FLOOD_MAX_RATIO", 3)))
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(text)
    print(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
