"""Probes and metrics for whatever runs the service: an orchestrator, Prometheus."""

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from schemas.health import HealthSchema
from service import metrics
from service.contract import Blueprint
from service.database import db
from service.unavailable import RETRY_AFTER_SECONDS

# Probes and scrapes come often and from few addresses: never rate limited. Only readiness
# touches the database, and declares its 503 itself.
blp = Blueprint(
    "health",
    __name__,
    description="Liveness, readiness and Prometheus metrics.",
    rate_limited=False,
    uses_database=False,
)


@blp.route("/health/live")
class Liveness(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(operationId="getLiveness")
    def get(self):
        """Answer while the process can serve requests (restart it otherwise)"""
        return {"status": "ok"}


@blp.route("/health/ready")
class Readiness(MethodView):
    @blp.response(200, HealthSchema)
    @blp.declares(503)
    @blp.doc(operationId="getReadiness")
    def get(self):
        """Answer 200 while the database answers, 503 otherwise (send no traffic)"""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            db.session.rollback()
            current_app.logger.warning("Readiness: the database is unreachable: %s", error)
            retry_after = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            abort(503, message="The database is unreachable.", headers=retry_after)
        return {"status": "ok", "checks": {"database": "ok"}}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/plain",
        description="Prometheus' text exposition format: `http_requests_total` and "
        "`http_request_duration_seconds` by method, route and status, summed over every "
        "worker process.",
    )
    @blp.doc(operationId="getMetrics")
    def get(self):
        """Request counts and latencies, in Prometheus' text format"""
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)
