"""`make bench`: seed one database, measure every contender in rotating rounds, report."""

# Settings come from BENCH_* variables (bench/README.md lists them).

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench import measure, report, servers, smoke
from bench.endpoints import endpoints

RESULTS = Path(__file__).parent / "results"
DEFAULT_CONTENDERS = (
    "product-gunicorn,product-granian,flask-bare,flask-bare-granian,fastapi,apiflask,flask-smorest"
)
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PACKAGES = (
    "flask",
    "flask-smorest",
    "apiflask",
    "flask-sqlalchemy",
    "flask-httpauth",
    "marshmallow",
    "sqlalchemy",
    "psycopg",
    "gunicorn",
    "granian",
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic-core",
    "orjson",
    "flask-orjson",
    "uvicorn",
    "uvloop",
    "httptools",
)


@dataclass(frozen=True)
class Settings:
    contenders: list[str]
    rounds: int
    duration: int
    warmup: int
    workers: int
    connections: int
    admin_url: str


def read_settings(environ) -> Settings:
    names = [n.strip() for n in environ.get("BENCH_CONTENDERS", DEFAULT_CONTENDERS).split(",")]
    return Settings(
        contenders=[name for name in names if name],
        # 3 rounds of 4 s runs after 1 s of warm-up: 7 contenders x 4 endpoints in about
        # 9 minutes (bench/README.md, "Time budget").
        rounds=int(environ.get("BENCH_ROUNDS", 3)),
        duration=int(environ.get("BENCH_DURATION", 4)),
        warmup=int(environ.get("BENCH_WARMUP", 1)),
        workers=int(environ.get("BENCH_WORKERS", 2)),
        connections=int(environ.get("BENCH_CONNECTIONS", 32)),
        admin_url=environ.get("BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
    )


@contextmanager
def throwaway_database(admin_url: str):
    """A new database on the admin connection's server, dropped afterwards; yields its URL."""
    name = f"contract_api_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def run_command(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run from the repository; its output captured, and a failure raised with its stderr."""
    done = subprocess.run(command, cwd=servers.ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done


def prepare(database_url: str) -> dict:
    """Migrate with the product's Alembic migration, seed through the product, analyze."""
    env = {**os.environ, **servers.PRODUCT_ENV, "DATABASE_URL": database_url}
    run_command([str(servers.BIN / "flask"), "--app", "service", "db", "upgrade"], env)
    seeded = json.loads(run_command([sys.executable, "-m", "bench.seed"], env).stdout)
    tidy(database_url, max_id=None)
    return seeded


def tidy(database_url: str, max_id: int | None) -> None:
    """Delete the rows POST added (if max_id is given) and refresh the planner's statistics."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        if max_id is not None:
            conn.execute("DELETE FROM resources WHERE id > %s", (max_id,))
        conn.execute("VACUUM ANALYZE")


def measure_contender(
    contender: servers.Contender,
    settings: Settings,
    database_url: str,
    seeded: dict,
    log_dir: Path,
    rnd: int,
) -> list[dict]:
    """Start, smoke-check, then warm up and measure each endpoint; stop."""
    token = seeded["token"]
    server = servers.start(contender, settings.workers, {"DATABASE_URL": database_url}, log_dir)
    runs = []
    try:
        targets = endpoints(seeded["resource_id"], seeded["reference"]["total_pages"])
        auth = {"Authorization": f"Bearer {token}"}
        servers.wait_until_ready(server, targets[0].path, auth)
        servers.wait_until_idle(server)
        smoke.check(contender.name, server.base_url, seeded)
        tidy(database_url, seeded["max_id"])
        for target in targets:
            url = server.base_url + target.path
            request = {"method": target.method, "body": target.body, "token": token}
            request |= {"first_page": target.first_page, "pages": target.pages}
            warm = measure.wrk(url, settings.warmup, settings.connections, **request)
            run = measure.measured_run(
                server.pgid, url, settings.duration, settings.connections, **request
            )
            for label, result in (("warm-up", warm), ("run", run)):
                if result["non2xx"]:
                    raise RuntimeError(
                        f"{contender.name} {target.name} {label}: {result['non2xx']} non-2xx "
                        f"answers (see {server.log_path})"
                    )
            runs.append({"round": rnd, "contender": contender.name, "endpoint": target.name, **run})
            print(
                f"  {contender.name:<18} {target.name:<13} {run['rps']:7.0f} rps  "
                f"p99 {run['p99_ms']:6.1f} ms  {run['cpu_us_per_request']:6.0f} µs/req  "
                f"load {run['loadavg']:.1f}",
                flush=True,
            )
        tidy(database_url, seeded["max_id"])
    finally:
        servers.stop(server)
    return runs


def _first_line(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    return (done.stdout or done.stderr).strip().splitlines()[0]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(settings: Settings, database_url: str, runs: list[dict], wall: float) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    with psycopg.connect(database_url) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    versions = [f"Python {platform.python_version()}"]
    versions += [f"{name} {_version(name)}" for name in PACKAGES]
    versions += [_first_line(["wrk", "-v"]).split(" [")[0], f"PostgreSQL {postgres}"]
    git = ["git", "-C", str(servers.ROOT)]
    commit = _first_line([*git, "rev-parse", "--short", "HEAD"])
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    # Which parts of the tree the measured code differs in (service/ matters, bench/ less).
    changed = sorted({line[3:].split("/")[0] for line in status.stdout.splitlines()})
    if changed:
        commit += f" + uncommitted changes in {', '.join(changed)}"
    overrides = [
        f"{key}={os.environ[key]}" for key in sorted(os.environ) if key.startswith("BENCH_")
    ]
    loads = [run["loadavg"] for run in runs]
    known = servers.contenders(os.environ)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([*overrides, "make bench"]),
        "commit": commit,
        "wall_seconds": wall,
        "settings": {k: v for k, v in asdict(settings).items() if k != "admin_url"},
        "machine": f"{os.cpu_count()} x {models[0] if models else platform.processor()}, "
        f"{memory_kib / 2**20:.0f} GiB",
        "loadavg": {"median": median(loads), "min": min(loads), "max": max(loads)},
        "versions": ", ".join(versions),
        "notes": {name: known[name].note for name in settings.contenders},
    }


def bench(settings: Settings, known: dict, log_dir: Path, started: float) -> str:
    runs: list[dict] = []
    with throwaway_database(settings.admin_url) as database_url:
        seeded = prepare(database_url)
        print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
        names = settings.contenders
        for rnd in range(1, settings.rounds + 1):
            # Rotate, so that no contender always runs first or last.
            shift = (rnd - 1) % len(names)
            order = names[shift:] + names[:shift]
            print(f"round {rnd}/{settings.rounds}: {', '.join(order)}", flush=True)
            for name in order:
                runs += measure_contender(known[name], settings, database_url, seeded, log_dir, rnd)
        meta = describe(settings, database_url, runs, time.monotonic() - started)
    roles = {name: known[name].role for name in settings.contenders}
    servers_by_name = {name: known[name].server for name in settings.contenders}
    rows = report.summarize(runs, roles, servers_by_name)
    meta["wall_seconds"] = time.monotonic() - started
    return report.write(RESULTS, meta, runs, rows, report.verdicts(rows, settings.workers))


def main() -> int:
    started = time.monotonic()
    settings = read_settings(os.environ)
    known = servers.contenders(os.environ)
    unknown = [name for name in settings.contenders if name not in known]
    if unknown:
        sys.exit(f"unknown contenders {unknown}; known: {', '.join(known)}")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    log_dir = Path(tempfile.mkdtemp(prefix="contract-api-bench-"))
    try:
        print(bench(settings, known, log_dir, started))
    except (RuntimeError, subprocess.CalledProcessError) as error:
        sys.exit(f"bench failed: {error}\nserver logs: {log_dir}")
    shutil.rmtree(log_dir)
    print(f"Wrote {RESULTS}/latest.md, latest.json and latest.png.")
    print(f"Wall time: {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
