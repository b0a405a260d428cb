"""PostgreSQL stopped under steady traffic, then started again: 503 problems with Retry-After
within the timeouts while it is down, and 200 again once it is back, with no gunicorn restart.
"""

import time

import pytest

from tests.conftest import PASSWORD
from tests.faults.servers import throwaway_cluster
from tests.fuzz import live
from tests.http_client import RepeatedGet, bearer, call

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

# Every answer, even one made while the server goes away, within this many seconds
# (the pool and connect timeouts are 5 s each).
MAX_ANSWER_SECONDS = 10
# How long after the server is back every route must answer 200 again.
MAX_RECOVERY_SECONDS = 10
CLIENTS = 4


class Repeated(RepeatedGet):
    """Clients sending the same request in a loop; every answer kept with its time."""

    def __init__(self, base_url: str, path: str, headers: dict):
        super().__init__(base_url, path, headers, threads=CLIENTS, pause=0.02)

    def first(self, status: int, sent_after: float) -> float | None:
        """When the first request sent after `sent_after` was answered with `status`."""
        times = [
            sent + answer.seconds
            for sent, answer in list(self.sent_answers)
            if sent >= sent_after and answer.status == status
        ]
        return min(times) if times else None


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.postgresql_binaries
def test_database_outage_answers_503_and_recovers_without_restart(tmp_path):
    log_path = tmp_path / "gunicorn.log"
    with (
        throwaway_cluster() as cluster,
        live.gunicorn(cluster.url, log_path, SERVICE_WORKERS="2") as base_url,
    ):
        owner = bearer(base_url, "olivia", PASSWORD)
        created = call(base_url, "POST", "/api/v1/resources", {"name": "Notes"}, owner)
        assert created.status == 201
        path = f"/api/v1/resources/{created.body['id']}"

        with Repeated(base_url, path, owner) as traffic:
            wait_for(lambda: traffic.first(200, 0) is not None, 10)
            stopped_at = time.monotonic()
            cluster.stop()
            wait_for(lambda: traffic.first(503, stopped_at) is not None, MAX_ANSWER_SECONDS)
            first_503 = traffic.first(503, stopped_at) - stopped_at
            time.sleep(2)  # steady traffic against a database that is gone
            ready = call(base_url, "GET", "/health/ready")
            live_answer = call(base_url, "GET", "/health/live")
            down_answers = [a for sent, a in list(traffic.sent_answers) if sent > stopped_at + 0.5]

            started_at = time.monotonic()
            cluster.start()
            wait_for(lambda: traffic.first(200, started_at) is not None, MAX_RECOVERY_SECONDS)
            recovered = traffic.first(200, started_at) - started_at
            time.sleep(1.5)
            settled = started_at + recovered + 0.5
            back_answers = [a for sent, a in list(traffic.sent_answers) if sent > settled]
        ready_again = call(base_url, "GET", "/health/ready")
        still_served = call(base_url, "GET", path, headers=owner)

    print(
        f"\ndatabase outage: first 503 {first_503:.3f} s after the stop; 200 again "
        f"{recovered:.3f} s after the start; {len(traffic.answers)} requests, "
        f"slowest {max(a.seconds for a in traffic.answers):.3f} s"
    )
    statuses = {answer.status for answer in traffic.answers}
    assert statuses <= {200, 503}, statuses
    assert all(answer.seconds < MAX_ANSWER_SECONDS for answer in traffic.answers)
    assert down_answers
    assert {answer.status for answer in down_answers} == {503}
    for answer in down_answers:
        assert answer.media_type == "application/problem+json"
        assert answer.body["detail"] == "The database is unavailable; try again shortly."
        assert answer.headers["Retry-After"] == "5"
    assert (ready.status, ready.media_type) == (503, "application/problem+json")
    assert live_answer.status == 200
    assert back_answers
    assert {answer.status for answer in back_answers} == {200}
    assert ready_again.status == 200
    assert still_served.status == 200
    log = log_path.read_text()
    assert "The database is unavailable" in log
    assert "Traceback" not in log
    assert live.guard_violations(log_path) == []
