"""Two instances behind nginx, sharing PostgreSQL (directly or through PgBouncer) and Redis:
limits, ETags and Idempotency-Keys hold across instances; an instance killed, or each one
restarted in turn, under load: no failed read, no lost or doubled write."""

import json
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.assertions import _validator
from tests.cluster.conftest import ACCOUNT_LIMIT, count_rows, record, served_by
from tests.cluster.load import Load, call
from tests.readme.examples import README, examples, mismatches, require_curl, run

pytestmark = pytest.mark.slow  # starts servers: not in `make test-quick`

LOAD_SECONDS = 1.5


def _together(*requests):
    """Send the requests at the same moment; their answers, in order."""
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def run(index, request):
        barrier.wait()
        answers[index] = request()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _resource(cluster, owner) -> str:
    answer = call(cluster.url, "POST", "/api/v1/resources", {"name": "read me"}, owner)
    assert answer.status == 201, answer
    return f"/api/v1/resources/{answer.body['id']}"


def _checked_writes(cluster, load: Load, all_answered: bool = True) -> dict:
    """Every acknowledged write is in the database once; nothing was created twice."""
    counts = count_rows(cluster, [write.name for write in load.writes])
    lost = [w.name for w in load.writes if w.acknowledged and counts[w.name] == 0]
    duplicates = [name for name, count in counts.items() if count > 1]
    unanswered = [w.statuses for w in load.writes if not w.acknowledged]
    assert (lost, duplicates) == ([], [])
    assert not all_answered or unanswered == [], unanswered
    return {"lost": len(lost), "duplicates": len(duplicates)}


def test_readme_examples_answer_the_same_through_nginx(cluster, tmp_path):
    """The README's curl examples, in order, against the cluster instead of `make run`: each
    answers what its comment says. First in the file, on the cluster's fresh database."""
    require_curl()
    found = examples(README.read_text())
    assert mismatches(found, run(found, cluster.url, tmp_path)) == []


def _pgbouncer_console(cluster, command: str) -> str:
    """What PgBouncer's admin console answers, one row per line, fields split by spaces."""
    psql = ["psql", "-h", "127.0.0.1", "-p", str(cluster.pgbouncer_port), "-U", "postgres"]
    return subprocess.run(
        [*psql, "-At", "-F", " ", "-c", command, "pgbouncer"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_instances_reach_postgresql_the_chosen_way(cluster, owner):
    """Through PgBouncer, every transaction of the instances runs on its pool (transaction
    mode, statements never prepared); directly, there is no PgBouncer."""
    if cluster.mode == "direct":
        assert cluster.pgbouncer is None
        assert cluster.served_database_url == cluster.database_url
        return
    for _ in range(10):  # psycopg would prepare a statement run five times
        assert call(cluster.url, "GET", "/api/v1/resources", headers=owner).status == 200
    database = sa.engine.make_url(cluster.database_url).database
    pools = _pgbouncer_console(cluster, "SHOW POOLS")
    ours = [line.split() for line in pools.splitlines() if line.startswith(database + " ")]
    assert ours and ours[0][-1] == "transaction", pools
    stats = _pgbouncer_console(cluster, "SHOW STATS")
    transactions = [line.split()[1] for line in stats.splitlines() if line.startswith(database)]
    assert transactions and int(transactions[0]) >= 10, stats


def _raw(cluster, request: bytes) -> tuple[int, str, dict]:
    """Send bytes nginx cannot parse; the status, media type and parsed body."""
    with socket.create_connection(("127.0.0.1", cluster.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers["Content-Type"], json.loads(body)


def _assert_nginx_problem(status, media_type, body, expected_status):
    assert (status, media_type) == (expected_status, "application/problem+json"), body
    _validator("Problem").validate(body)
    assert body["status"] == expected_status


def test_nginx_own_errors_are_problem_documents(cluster):
    """What nginx refuses itself, or cannot pass on, answers like the app's errors."""
    big_body = {"name": "x" * (2 * 1024 * 1024)}
    # A request line too long: nginx never reads the headers, the request id is its own.
    cases = [
        (414, "GET", "/api/v1/resources?" + "a" * 9000, None, {}, None),
        (431, "GET", "/api/v1/resources", None, {"X-Big": "b" * 20_000}, "mine-1"),
        (413, "POST", "/api/v1/resources", big_body, {}, "mine-1"),
        (404, "GET", "/.problem/502", None, {}, "mine-1"),
    ]
    for expected, method, path, body, headers, request_id in cases:
        answer = call(cluster.url, method, path, body, {"X-Request-ID": "mine-1", **headers})
        _assert_nginx_problem(answer.status, answer.media_type, answer.body, expected)
        assert answer.body["request_id"] == answer.headers["X-Request-ID"]
        assert request_id in (None, answer.body["request_id"])
    _assert_nginx_problem(*_raw(cluster, b"GARBAGE\r\n\r\n"), 400)
    # No instance left to answer: every server marked down.
    for instance in cluster.instances:
        cluster.drain(instance.index)
    try:
        unsafe_id = 'quote"me'
        answer = call(cluster.url, "GET", "/api/v1/resources", headers={"X-Request-ID": unsafe_id})
    finally:
        for instance in cluster.instances:
            cluster.undrain(instance.index)
    _assert_nginx_problem(answer.status, answer.media_type, answer.body, 502)
    assert answer.body["request_id"] == answer.headers["X-Request-ID"] != unsafe_id
    # The app's own answers pass through untouched, the caller's request id with them.
    answer = call(cluster.url, "GET", "/api/v1/resources/999", headers={"X-Request-ID": "mine-2"})
    assert answer.status == 404 and answer.headers["X-Request-ID"] == "mine-2"
    assert answer.body["detail"] == "Resource 999 not found."


def test_account_limit_holds_across_instances(cluster):
    """A burst of log-ins from one client address, each claiming another address in
    X-Forwarded-For, spread over both instances: exactly the limit passes."""
    source, marker = "127.0.0.2", f"burst-{uuid.uuid4().hex}"
    account = {"username": f"burst{uuid.uuid4().hex[:8]}", "password": "wrong password!"}

    def log_in(index):
        headers = {"X-Forwarded-For": f"10.0.0.{index}", "X-Request-ID": f"{marker}-{index}"}
        return lambda: call(cluster.url, "POST", "/api/v1/tokens", account, headers, source)

    answers = _together(*[log_in(index) for index in range(3 * ACCOUNT_LIMIT)])
    statuses = Counter(answer.status for answer in answers)
    assert statuses == {401: ACCOUNT_LIMIT, 429: 2 * ACCOUNT_LIMIT}, statuses
    assert all("Retry-After" in a.headers for a in answers if a.status == 429)
    served = served_by(cluster, marker, 3 * ACCOUNT_LIMIT)
    assert all(served), served


def test_etag_from_one_instance_is_honoured_by_the_other(cluster, owner):
    first, second = (instance.url for instance in cluster.instances)
    created = call(first, "POST", "/api/v1/resources", {"name": "shared"}, owner)
    assert created.status == 201
    path, etag = created.headers["Location"], created.headers["ETag"]
    assert call(second, "GET", path, headers={**owner, "If-None-Match": etag}).status == 304
    updated = call(second, "PATCH", path, {"name": "renamed"}, {**owner, "If-Match": etag})
    assert updated.status == 200 and updated.headers["ETag"] != etag
    stale = call(first, "PATCH", path, {"name": "lost"}, {**owner, "If-Match": etag})
    assert stale.status == 412 and stale.media_type == "application/problem+json"
    assert call(first, "GET", path, headers=owner).body["name"] == "renamed"


def test_parallel_posts_with_one_key_create_once(cluster, owner):
    name = f"once-{uuid.uuid4().hex[:8]}"
    headers = {**owner, "Idempotency-Key": uuid.uuid4().hex, "X-Request-ID": name}

    def post():
        return call(cluster.url, "POST", "/api/v1/resources", {"name": name}, headers)

    answers = _together(*[post] * 20)
    first = [a for a in answers if a.status == 201 and "Idempotent-Replayed" not in a.headers]
    replayed = [a for a in answers if a.headers.get("Idempotent-Replayed") == "true"]
    in_flight = [a for a in answers if a.status == 409]
    assert len(first) == 1 and len(first) + len(replayed) + len(in_flight) == 20
    assert all(a.body == first[0].body for a in replayed)
    assert count_rows(cluster, [name]) == {name: 1}
    served = served_by(cluster, name, 20)
    assert all(served), served


def test_instance_killed_under_load(cluster, owner):
    """SIGKILL to one instance (master and workers): reads go on through the other, and
    clients that retry their POSTs with the same key create each resource once."""
    victim = cluster.instances[0]
    started = time.monotonic()
    try:
        with Load(cluster.url, owner, _resource(cluster, owner), prefix="kill") as load:
            time.sleep(LOAD_SECONDS)
            victim.kill()
            time.sleep(2 * LOAD_SECONDS)
        seconds = time.monotonic() - started
    finally:
        if victim.process.poll() is not None:
            victim.start()
    figures = {"seconds": seconds, **load.figures(), **_checked_writes(cluster, load)}
    record(cluster.mode, "one instance SIGKILLed", figures)
    print(f"\n{cluster.mode}, one instance killed: {figures}")
    assert figures["failed_reads"] == 0, Counter(a.status for a in load.reads)
    # nginx passes an answer's headers on as they come: if the instance dies before the
    # body, nginx cannot try another one. At most the reads it was serving.
    assert figures["cut_reads"] <= load.readers, [a.error for a in load.reads if a.error]
    assert figures["reads"] > 0 and figures["writes_acknowledged"] > 0


def test_rolling_restart_under_load(cluster, owner):
    """Each instance in turn: out of nginx, SIGTERM (it finishes what it serves), started
    again, ready, back in. Not one error and every acknowledged write kept."""
    started = time.monotonic()
    with Load(cluster.url, owner, _resource(cluster, owner), prefix="roll") as load:
        time.sleep(LOAD_SECONDS / 2)
        restarts = [cluster.restart(instance.index) for instance in cluster.instances]
        time.sleep(LOAD_SECONDS / 2)
    seconds = time.monotonic() - started
    figures = {"seconds": seconds, **load.figures(), **_checked_writes(cluster, load)}
    record(cluster.mode, "rolling restart", {**figures, "restarts": restarts})
    print(f"\n{cluster.mode}, rolling restart ({restarts} s): {figures}")
    assert (figures["failed_reads"], figures["cut_reads"], figures["post_errors"]) == (0, 0, 0)
    assert figures["reads"] > 0 and figures["writes_acknowledged"] > 0


def test_rolling_restart_with_sigterm_alone(cluster, owner):
    """For comparison: each instance restarted with SIGTERM alone, nginx not told. Errors
    are expected (README, Past one server), and counted in the figures; writes are still
    never lost or doubled."""
    started = time.monotonic()
    with Load(cluster.url, owner, _resource(cluster, owner), prefix="term") as load:
        time.sleep(LOAD_SECONDS / 2)
        restarts = [cluster.restart(i.index, drain=False) for i in cluster.instances]
        time.sleep(LOAD_SECONDS / 2)
    seconds = time.monotonic() - started
    checked = _checked_writes(cluster, load, all_answered=False)
    figures = {"seconds": seconds, **load.figures(), **checked}
    record(cluster.mode, "rolling restart, SIGTERM alone", {**figures, "restarts": restarts})
    print(f"\n{cluster.mode}, rolling restart with SIGTERM alone: {figures}")
