"""gunicorn settings used by `make run`; GUNICORN_CMD_ARGS overrides any of them."""

import multiprocessing
import os

bind = os.environ.get("SERVICE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SERVICE_WORKERS", multiprocessing.cpu_count()))
timeout = 30
graceful_timeout = 30
accesslog = "-"
# gunicorn answers over-long request lines with an HTML 414 of its own; 0 lets the app see
# them (gunicorn still caps a line at 1 MiB) so the client gets a JSON problem document.
limit_request_line = 0
