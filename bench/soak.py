"""`make soak`: the product under steady load for a minute, below saturation.

gunicorn (as shipped) on a throwaway PostgreSQL database seeded like `make bench`. First the
saturation: 5 s of wrk flat out on GET one resource, and 5 s flat out on the mix (GET one
x3, list of 100, POST, in turn on every connection). Then SOAK_DURATION seconds of the mix
paced at SOAK_FRACTION of the mix's saturation (GET one alone would overstate what a mix with
the list can take). wrk2 is not available: bench/wrk/soak.lua waits a fixed think time before
each request, calibrated in two 5 s runs (rate = connections / (think time + latency)), and the
rate reached is reported. Fails on any socket error or timeout, and on any status the spec
does not declare for these operations. Writes bench/results/soak.md.

Settings: SOAK_DURATION (60), SOAK_FRACTION (0.7), SOAK_CONNECTIONS (16), BENCH_WORKERS (2),
BENCH_DATABASE_URL (the admin connection, as for `make bench`).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import measure, servers
from bench.endpoints import LIST_PATH, POST_BODY, POST_PATH
from bench.run import DEFAULT_ADMIN_URL, prepare, throwaway_database

LUA = Path(__file__).parent / "wrk" / "soak.lua"
RESULT = Path(__file__).parent / "results" / "soak.md"
SPEC = servers.ROOT / "openapi" / "openapi.json"
OPERATIONS = ("getResource", "listResources", "createResource")
SATURATION_SECONDS = 5


def declared_statuses() -> set[str]:
    spec = json.loads(SPEC.read_text())
    return {
        status
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and operation.get("operationId") in OPERATIONS
        for status in operation["responses"]
    }


def soak_wrk(base_url: str, seeded: dict, seconds: float, connections: int, delay_ms: int):
    """One wrk run of the mix; soak.lua's JSON with the rate reached."""
    env = {
        **os.environ,
        "SOAK_TOKEN": seeded["token"],
        "SOAK_GET_PATH": f"/api/v1/resources/{seeded['resource_id']}",
        "SOAK_LIST_PATH": LIST_PATH,
        "SOAK_POST_PATH": POST_PATH,
        "SOAK_POST_BODY": json.dumps(POST_BODY),
        "SOAK_DELAY_MS": str(delay_ms),
    }
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(LUA), base_url]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("SOAK_JSON ")]
    if not lines:
        raise RuntimeError(f"wrk printed no report:\n{done.stdout}\n{done.stderr}")
    report = json.loads(lines[-1].removeprefix("SOAK_JSON "))
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    return report


def pg_connections(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        name = conn.info.dbname
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
        return row[0] - 1  # not this one


def soak(seconds: int, fraction: float, connections: int, workers: int, admin_url: str) -> dict:
    log_dir = Path(tempfile.mkdtemp(prefix="contract-api-soak-"))
    contender = servers.contenders(os.environ)["product-gunicorn"]
    with throwaway_database(admin_url) as database_url:
        seeded = prepare(database_url)
        server = servers.start(contender, workers, {"DATABASE_URL": database_url}, log_dir)
        try:
            auth = {"Authorization": f"Bearer {seeded['token']}"}
            get_one = f"/api/v1/resources/{seeded['resource_id']}"
            servers.wait_until_ready(server, get_one, auth)
            servers.wait_until_idle(server)
            url = server.base_url + get_one
            get_sat = measure.wrk(url, SATURATION_SECONDS, 32, "GET", "", seeded["token"])
            get_sat_rps = get_sat["requests"] / (get_sat["duration_us"] / 1e6)
            mix_sat = soak_wrk(server.base_url, seeded, SATURATION_SECONDS, 32, 0)
            target = fraction * mix_sat["rps"]
            # Calibrate the think time, twice: rate = connections / (think + latency).
            think = connections / target
            for _ in range(2):
                trial = soak_wrk(server.base_url, seeded, 5, connections, round(think * 1000))
                latency = max(0.0, connections / trial["rps"] - think)
                think = max(0.0, connections / target - latency)
            rss_before = measure.worker_rss_mb(server.pgid)
            run = soak_wrk(server.base_url, seeded, seconds, connections, round(think * 1000))
            rss_after = measure.worker_rss_mb(server.pgid)
            database_connections = pg_connections(database_url)
        finally:
            servers.stop(server)
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "fraction": fraction,
        "get_one_saturation_rps": get_sat_rps,
        "mix_saturation_rps": mix_sat["rps"],
        "mix_saturation_p99_ms": mix_sat["latency_us"]["p99"] / 1000,
        "target_rps": target,
        "think_ms": round(think * 1000),
        "run": run,
        "rss_mb": (rss_before, rss_after),
        "database_connections": database_connections,
    }


def verdict(result: dict) -> list[str]:
    run = result["run"]
    problems = [f"{count} {kind} errors" for kind, count in run["errors"].items() if count]
    undeclared = set(run["statuses"]) - declared_statuses()
    if undeclared:
        problems.append(f"undeclared statuses {sorted(undeclared)}")
    return problems


def markdown(result: dict, problems: list[str]) -> str:
    run = result["run"]
    latency = run["latency_us"]
    non2xx = sum(n for status, n in run["statuses"].items() if not status.startswith("2"))
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(run["statuses"].items()))
    errors = ", ".join(f"{kind} {n}" for kind, n in run["errors"].items())
    return "\n".join(
        [
            "# Soak (`make soak`)",
            "",
            f"{result['when']}; gunicorn as shipped, {result['workers']} sync workers, "
            "PostgreSQL (throwaway database, seeded as by `make bench`). Method: bench/soak.py.",
            "",
            "| | |",
            "|---|---|",
            f"| Saturation, GET one (wrk -c32, 5 s) | {result['get_one_saturation_rps']:.0f} rps |",
            f"| Saturation, the mix (GET one x3, list of 100, POST; -c32, 5 s) | "
            f"{result['mix_saturation_rps']:.0f} rps "
            f"(p99 {result['mix_saturation_p99_ms']:.1f} ms) |",
            f"| Target: {result['fraction']:.0%} of the mix's saturation | "
            f"{result['target_rps']:.0f} rps ({result['connections']} connections, "
            f"think time {result['think_ms']} ms) |",
            f"| Reached over {result['seconds']} s | {run['rps']:.0f} rps, "
            f"{run['requests']} requests ({run['rps'] / result['mix_saturation_rps']:.0%} "
            "of saturation) |",
            f"| Statuses | {statuses} |",
            f"| Non-2xx | {non2xx} |",
            f"| Socket errors | {errors} |",
            f"| Latency p50 / p90 / p99 / max | {latency['p50'] / 1000:.1f} / "
            f"{latency['p90'] / 1000:.1f} / {latency['p99'] / 1000:.1f} / "
            f"{latency['max'] / 1000:.1f} ms |",
            f"| Workers' RSS before / after | {result['rss_mb'][0]:.0f} / "
            f"{result['rss_mb'][1]:.0f} MB |",
            f"| PostgreSQL connections at the end | {result['database_connections']} |",
            "",
            f"Verdict: {'FAIL: ' + '; '.join(problems) if problems else 'pass'} "
            "(any socket error or timeout, or a status the spec does not declare, fails).",
            "",
        ]
    )


def main() -> int:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    result = soak(
        seconds=int(os.environ.get("SOAK_DURATION", 60)),
        fraction=float(os.environ.get("SOAK_FRACTION", 0.7)),
        connections=int(os.environ.get("SOAK_CONNECTIONS", 16)),
        workers=int(os.environ.get("BENCH_WORKERS", 2)),
        admin_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
    )
    problems = verdict(result)
    text = markdown(result, problems)
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(text)
    print(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
