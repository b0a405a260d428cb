"""A gunicorn worker killed (SIGKILL) under steady traffic: the master replaces it, and only
the requests that worker was serving can fail."""

import os
import signal
import threading
import time

import pytest

from tests.conftest import PASSWORD
from tests.faults.servers import gunicorn_master, workers
from tests.fuzz import live
from tests.http_client import Answer, call

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

WORKERS = 2
THREADS = 8


def test_killed_worker_is_replaced_and_only_its_requests_fail(tmp_path):
    log_path = tmp_path / "gunicorn.log"
    database_url = f"sqlite:///{tmp_path}/kill.sqlite3"
    with live.gunicorn(database_url, log_path, SERVICE_WORKERS=str(WORKERS)) as base_url:
        account = {"username": "olivia", "password": PASSWORD}
        assert call(base_url, "POST", "/api/v1/users", account).status == 201
        master = gunicorn_master(base_url)
        before = workers(master)
        assert len(before) == WORKERS

        answers: list[Answer] = []
        stop = threading.Event()

        def stream():
            while not stop.is_set():
                answers.append(call(base_url, "GET", "/api/v1/users/olivia", timeout=10))

        threads = [threading.Thread(target=stream) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.5)
            victim = min(before)
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            deadline = killed_at + 10
            while len(workers(master) - before) < 1 or len(workers(master)) < WORKERS:
                assert time.monotonic() < deadline, "the killed worker was not replaced"
                time.sleep(0.05)
            replaced_in = time.monotonic() - killed_at
            time.sleep(1.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        after = workers(master)

    failed = [answer for answer in answers if answer.status is None]
    print(
        f"\nworker kill: replaced in {replaced_in:.3f} s; {len(answers)} requests, "
        f"{len(failed)} failed ({', '.join(a.error for a in failed) or 'none'})"
    )
    assert victim not in after and len(after) == WORKERS
    # A sync worker serves one request at a time: at most the connections it held can fail.
    assert len(failed) <= THREADS
    assert {answer.status for answer in answers if answer.status is not None} == {200}
    assert live.worker_death_logged(log_path)
    assert live.guard_violations(log_path) == []
