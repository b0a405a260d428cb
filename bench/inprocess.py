"""`make bench-inprocess`: the cost of one request inside the app, without an HTTP server.

The load test (`make bench`) varies by ~30 % from run to run on a shared machine; comparing
two commits needs something steadier. This calls the product's and the bare-Flask peer's
WSGI apps directly, on the same seeded PostgreSQL database, and reports per request either
CPU time (quick, still noisy) or, with `--valgrind`, instructions counted by valgrind's
callgrind, which do not depend on what else runs (slow: minutes). Instructions are the
difference between a run of 2N and one of N requests, so start-up and imports cancel out.

    python -m bench.inprocess [--valgrind] [--requests N] [--contenders product,flask-bare]

The endpoints are the load test's: the list warm (`list-100-warm`: the first page re-read)
and cold (`list-100-cold`: the caller's other pages, the second to the last, in turn). The
contenders: `product`, `flask-bare`, and the schema-driven peers `apiflask` and
`flask-smorest` (not in the default run).
"""

import argparse
import importlib
import io
import os
import re
import sys
import time

from bench import run, servers
from bench.endpoints import NAMES, endpoints

WARM_UP = 50
CONTENDERS = ("product", "flask-bare")
PEER_APPS = {
    "flask-bare": "bench.peers.flask_bare",
    "apiflask": "bench.peers.apiflask_peer",
    "flask-smorest": "bench.peers.smorest_peer",
}


def _wsgi_app(contender: str):
    if contender == "product":
        from service import create_app

        return create_app()
    return importlib.import_module(PEER_APPS[contender]).app


def _call(app, environ: dict, body: bytes) -> None:
    environ = {**environ, "wsgi.input": io.BytesIO(body)}
    statuses = []
    chunks = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not statuses[0].startswith(("200", "201")):
        raise RuntimeError(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}: {statuses[0]}")


def _environs(endpoint_name: str) -> tuple[list[dict], bytes]:
    """The WSGI environ(s) of one measured endpoint (several: one per page, when cold)."""
    from werkzeug.test import EnvironBuilder

    listed = endpoints(int(os.environ["BENCH_RESOURCE_ID"]), int(os.environ["BENCH_PAGES"]))
    endpoint = next(e for e in listed if e.name == endpoint_name)
    body = endpoint.body.encode()
    environs = [
        EnvironBuilder(
            path=path.partition("?")[0],
            query_string=path.partition("?")[2],
            method=endpoint.method,
            headers={"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"},
            data=body,
            content_type="application/json" if body else None,
        ).get_environ()
        for path in endpoint.paths()
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
        env["BENCH_PAGES"] = str(seeded["reference"]["total_pages"])
        env["PYTHONHASHSEED"] = "0"
        print(f"| Contender | Endpoint | {unit} per request |\n|---|---|---:|")
        for contender in arguments.contenders.split(","):
            for endpoint in NAMES:
                cost = measure(contender, endpoint, requests, arguments.valgrind, env)
                print(f"| {contender} | {endpoint} | {cost:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
