"""Prometheus metrics: requests and their latency by method, route and status.

Under gunicorn every worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (as
gunicorn.conf.py does) each writes its samples to files there and /metrics adds up all of
them. Without it (tests, `flask run`) the process' own registry is served.
"""

import functools
import os
import time

from flask import Flask, Response, g, request
from flask_smorest.spec.plugins import FlaskPlugin
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

LABELS = ("method", "route", "status")
# Routing 404s and 405s: one label value, so scanners cannot blow up the series count.
UNMATCHED_ROUTE = "(unmatched)"
# The same for methods: a client may send any token as one (each answered 405).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "(other)"
REQUESTS = Counter("http_requests_total", "Requests answered.", LABELS)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from the start of the app's handling to the response.",
    LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def init_app(app: Flask) -> None:
    # First of the before_request hooks, so a request the rate limiter refuses is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    rule = request.url_rule
    method = request.method if request.method in KNOWN_METHODS else OTHER_METHOD
    count, latency = _series(method, rule.rule if rule else None, response.status_code)
    count.inc()
    if "metrics_started" in g:
        latency.observe(time.perf_counter() - g.metrics_started)
    return response


@functools.cache
def _series(method: str, rule: str | None, status: int) -> tuple[Counter, Histogram]:
    """The request counter and the latency histogram of one method, route and status, looked
    up once (prometheus_client checks and locks on every `labels` call). The route is the
    spec's path template of the Flask rule."""
    route = FlaskPlugin.flaskpath2openapi(rule) if rule else UNMATCHED_ROUTE
    labels = (method, route, str(status))
    return REQUESTS.labels(*labels), LATENCY.labels(*labels)


def exposition() -> tuple[bytes, str]:
    """Every metric of every worker, in Prometheus' text format, and its media type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
