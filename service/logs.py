"""JSON logs: one access line per request from gunicorn, app records with their request id."""

import logging
from datetime import timedelta
from typing import Any

from flask import g, has_request_context
from gunicorn.glogging import Logger

# Where the app leaves the caller's user id for the access line (set by service/auth.py).
USER_ID_ENVIRON = "service.user_id"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"
RENAMED_FIELDS = {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"}


class RequestContextFilter(logging.Filter):
    """Adds the request id to records logged while the app handles a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


class JsonAccessLogger(Logger):
    """gunicorn's logger, writing each access line as a JSON object of named fields."""

    def access(self, resp, req, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        # The response gunicorn makes for an error the app let escape has only `status`.
        status = getattr(resp, "status_code", None)
        if status is None and resp.status:
            status = int(str(resp.status).split()[0])
        self.access_log.info(
            "request",
            extra={
                "method": environ["REQUEST_METHOD"],
                "path": environ.get("PATH_INFO"),
                "query": environ.get("QUERY_STRING") or None,
                "status": status,
                "duration_ms": round(request_time.total_seconds() * 1000, 3),
                "bytes": getattr(resp, "sent", None),
                "request_id": headers.get("x-request-id"),
                "user_id": environ.get(USER_ID_ENVIRON),
                "remote_addr": environ.get("REMOTE_ADDR"),
                "user_agent": environ.get("HTTP_USER_AGENT"),
            },
        )


def gunicorn_logging_config(level: str) -> dict[str, Any]:
    """logging.config.dictConfig settings: every record, gunicorn's and the app's, as one
    JSON line on stdout (the access lines) or stderr (everything else)."""
    handler = {"formatter": "json", "filters": ["request_context"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": RequestContextFilter}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.orjson.OrjsonFormatter",
                "fmt": JSON_FORMAT,
                "rename_fields": RENAMED_FIELDS,
            }
        },
        "handlers": {
            "stdout": {**handler, "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
            "stderr": {**handler, "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
