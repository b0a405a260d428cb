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
    route = _route_label(rule.rule) if rule else UNMATCHED_ROUTE
    labels = (request.method, route, str(response.status_code))
    REQUESTS.labels(*labels).inc()
    if "metrics_started" in g:
        LATENCY.labels(*labels).observe(time.perf_counter() - g.metrics_started)
    return response


@functools.cache
def _route_label(rule: str) -> str:
    """The spec's path template for a Flask rule, worked out once per rule, not per request."""
    return FlaskPlugin.flaskpath2openapi(rule)


def exposition() -> tuple[bytes, str]:
    """Every metric of every worker, in Prometheus' text format, and its media type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
