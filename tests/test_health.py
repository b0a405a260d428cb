"""Liveness, readiness (503 when the database is down) and Prometheus metrics."""

import re

import pytest

from service import create_app
from tests.assertions import assert_json, assert_problem
from tests.conftest import TEST_SETTINGS


def test_liveness_answers_ok(client):
    body = assert_json(client.get("/health/live"), 200, "Health")
    assert body == {"status": "ok"}


def test_readiness_checks_the_database(client):
    body = assert_json(client.get("/health/ready"), 200, "Health")
    assert body == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.parametrize(
    "unreachable",
    [
        "sqlite:////nonexistent-folder/service.sqlite3",
        # A port nothing listens on: refused at once.
        "postgresql+psycopg://postgres@127.0.0.1:9/none",
    ],
    ids=["sqlite", "postgresql"],
)
def test_readiness_answers_503_while_the_database_is_down(unreachable, caplog):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": unreachable})
    client = app.test_client()
    assert_problem(client.get("/health/ready"), 503, "The database is unreachable.")
    assert "the database is unreachable" in caplog.text
    # Liveness does not depend on the database: restarting the process would not help.
    assert_json(client.get("/health/live"), 200, "Health")


def _sample(metrics_text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format, 0 if absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics_text.splitlines():
        found = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if found and ",".join(sorted(found.group(1).split(","))) == wanted:
            return float(found.group(2))
    return 0.0


def test_metrics_count_requests_by_route_and_status(client):
    def scrape() -> str:
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        return response.get_data(as_text=True)

    missing = {"method": "GET", "route": "/api/v1/resources/{resource_id}", "status": "404"}
    unmatched = {"method": "GET", "route": "(unmatched)", "status": "404"}
    before = scrape()
    for _ in range(3):
        assert_problem(client.get("/api/v1/resources/987654"), 404)
    assert_problem(client.get("/no/such/path/12345"), 404)
    after = scrape()
    assert _sample(after, "http_requests_total", **missing) == (
        _sample(before, "http_requests_total", **missing) + 3
    )
    assert _sample(after, "http_requests_total", **unmatched) == (
        _sample(before, "http_requests_total", **unmatched) + 1
    )
    histogram_count = _sample(after, "http_request_duration_seconds_count", **missing)
    assert histogram_count == _sample(before, "http_request_duration_seconds_count", **missing) + 3
    assert "/no/such/path" not in after  # one label value for every unknown path


def test_metrics_label_unknown_methods_as_one(client):
    other = {"method": "(other)", "route": "(unmatched)", "status": "405"}
    before = _sample(client.get("/metrics").get_data(as_text=True), "http_requests_total", **other)
    for method in ("FOO", "BAR", "BAZQUX"):
        assert_problem(client.open("/api/v1/resources", method=method), 405)
    after = client.get("/metrics").get_data(as_text=True)
    assert _sample(after, "http_requests_total", **other) == before + 3
    assert 'method="FOO"' not in after
