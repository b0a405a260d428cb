"""`make bench-inprocess`: the cost of one request inside the app, without an HTTP server.

The load test (`make bench`) varies by ~30 % from run to run on a shared machine; comparing
two commits needs something steadier. This calls the product's and the bare-Flask peer's
WSGI apps directly, on the same seeded PostgreSQL database, and reports per request either
CPU time (quick, still noisy) or, with `--valgrind`, instructions counted by valgrind's
callgrind, which do not depend on what else runs (slow: minutes). Instructions are the
difference between a run of 2N and one of N requests, so start-up and imports cancel out.

    python -m bench.inprocess [--valgrind] [--requests N] [--contenders product,flask-bare]

The list is measured warm (one page re-read) and cold (`list-100-cold`: eleven pages in turn).
"""

import argparse
import io
import json
import os
import re
import sys
import time

from bench import run, servers
from bench.endpoints import NAMES, POST_BODY, endpoints

WARM_UP = 50
CONTENDERS = ("product", "flask-bare")
# The list, cold: the caller's first eleven pages of 100 in turn, 1,100 rows, more than a
# per-process cache of the rows read last would keep, so nothing an earlier request read
# serves the next. "list-100" re-reads one page.
COLD_LIST = "list-100-cold"
COLD_PAGES = 11


def _wsgi_app(contender: str):
    if contender == "product":
        from service import create_app

        return create_app()
    from bench.peers.flask_bare import app

    return app


def _call(app, environ: dict, body: bytes) -> None:
    environ = {**environ, "wsgi.input": io.BytesIO(body)}
    statuses = []
    chunks = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not statuses[0].startswith(("200", "201")):
        raise RuntimeError(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}: {statuses[0]}")


def _measured() -> list[str]:
    return [*NAMES[:2], COLD_LIST, *NAMES[2:]]


def _environs(endpoint_name: str) -> tuple[list[dict], bytes]:
    """The WSGI environ(s) of one measured endpoint (several: one per page, when cold)."""
    from werkzeug.test import EnvironBuilder

    listed = endpoints(int(os.environ["BENCH_RESOURCE_ID"]))
    base = "list-100" if endpoint_name == COLD_LIST else endpoint_name
    endpoint = next(e for e in listed if e.name == base)
    path, _, query = endpoint.path.partition("?")
    queries = [query]
    if endpoint_name == COLD_LIST:
        queries = [f"{query}&page={page}" for page in range(1, COLD_PAGES + 1)]
    body = json.dumps(POST_BODY).encode() if endpoint.method == "POST" else b""
    environs = [
        EnvironBuilder(
            path=path,
            query_string=query,
            method=endpoint.method,
            headers={"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"},
            data=body,
            content_type="application/json" if body else None,
        ).get_environ()
        for query in queries
    ]
    return environs, body


def child(contender: str, endpoint_name: str, requests: int) -> None:
    """In the measured process: warm up, then time `requests` calls of one endpoint."""
    app = _wsgi_app(contender)
    environs, body = _environs(endpoint_name)
    for index in range(WARM_UP):
        _call(app, environs[index % len(environs)], body)
    started = time.process_time()
    for index in range(requests):
        _call(app, environs[index % len(environs)], body)
    print(f"{(time.process_time() - started) / requests * 1e6:.0f}")


def _child_command(contender: str, endpoint: str, requests: int, valgrind: bool) -> list[str]:
    command = [sys.executable, "-m", "bench.inprocess", "--child", contender, endpoint]
    command += ["--requests", str(requests)]
    if valgrind:
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
    return command


def measure(contender: str, endpoint: str, requests: int, valgrind: bool, env: dict) -> int:
    if not valgrind:
        done = run.run_command(_child_command(contender, endpoint, requests, False), env)
        return int(done.stdout.split()[-1])
    counts = []
    for count in (requests, 2 * requests):
        done = run.run_command(_child_command(contender, endpoint, count, True), env)
        # valgrind's summary, on stderr: "==pid== Collected : <instructions>"
        counts.append(int(re.search(r"Collected : (\d+)", done.stderr).group(1)))
    return (counts[1] - counts[0]) // requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--valgrind", action="store_true", help="count instructions")
    parser.add_argument("--requests", type=int, help="per measurement (default 1000, 100)")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument(
        "--child", nargs=2, metavar=("CONTENDER", "ENDPOINT"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args()
    requests = arguments.requests or (100 if arguments.valgrind else 1000)
    if arguments.child:
        child(*arguments.child, requests)
        return 0
    admin_url = os.environ.get("BENCH_DATABASE_URL", run.DEFAULT_ADMIN_URL)
    unit = "instructions" if arguments.valgrind else "CPU µs"
    with run.throwaway_database(admin_url) as database_url:
        seeded = run.prepare(database_url)
        # The same settings as the load test's product; hash seed fixed for steady counts.
        env = {**os.environ, **servers.PRODUCT_ENV, "DATABASE_URL": database_url}
        env |= {"BENCH_TOKEN": seeded["token"], "BENCH_RESOURCE_ID": str(seeded["resource_id"])}
        env["PYTHONHASHSEED"] = "0"
        print(f"| Contender | Endpoint | {unit} per request |\n|---|---|---:|")
        for contender in arguments.contenders.split(","):
            for endpoint in _measured():
                cost = measure(contender, endpoint, requests, arguments.valgrind, env)
                print(f"| {contender} | {endpoint} | {cost:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
