"""gunicorn settings used by `make run`; SERVICE_* variables (and .env) or GUNICORN_CMD_ARGS
override them."""

import logging
import multiprocessing
import os
import shutil
import tempfile

from dotenv import load_dotenv

# .env first, so that it can set what follows (the real environment wins over it).
load_dotenv()

# Prometheus metrics from every worker (service/metrics.py): each writes its samples under
# this folder, and /metrics adds them up. Emptied at start, so counts begin at zero. Set
# before anything imports prometheus_client (service/ does), which picks its mode on import.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_own_metrics_dir = not _metrics_dir
if _own_metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="contract-api-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


bind = os.environ.get("SERVICE_BIND", "127.0.0.1:8000")
# Sync workers wait on the database: gunicorn's rule of thumb, two per core plus one.
workers = int(os.environ.get("SERVICE_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# A worker silent this long is killed and replaced (a request stuck that long is lost anyway).
timeout = int(os.environ.get("SERVICE_WORKER_TIMEOUT", "30"))
# On SIGTERM or SIGHUP (graceful reload), workers get this long to finish what they serve.
graceful_timeout = 30
# Behind a proxy that reuses connections.
keepalive = 5
# Recycle workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = 10_000
max_requests_jitter = 1_000
# The heartbeat file on tmpfs: a slow disk must not make healthy workers look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn answers over-long request lines with an HTML 414 of its own; 0 lets the app see
# them (gunicorn still caps a line at 1 MiB) so the client gets a JSON problem document.
limit_request_line = 0
# gunicorn 25+ opens a control socket (for gunicornc) at one path per user, outside the
# instance: a second master on the machine takes it over and the first to stop deletes it.
# Nothing here uses gunicornc (reload with `kill -HUP <master pid>`), so there is none.
control_socket_disable = True

# One JSON line per request on stdout (service/logs.py); every other record JSON on stderr.
logger_class = "service.logs.JsonAccessLogger"
accesslog = None  # the handler comes from logconfig_dict, not gunicorn's plain one
loglevel = os.environ.get("SERVICE_LOG_LEVEL", "info")
# No line prints a record's thread, process name or source line (service/logs.py): Python's
# logging then need not look them up for each record (logging HOWTO, "Optimization").
logging.logThreads = False
logging.logMultiprocessing = False
logging._srcfile = None


def _logging_config() -> dict:
    from service.logs import gunicorn_logging_config

    return gunicorn_logging_config(loglevel)


logconfig_dict = _logging_config()


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    # Keeps the dead worker's counters but drops its live gauges.
    multiprocess.mark_process_dead(worker.pid)
