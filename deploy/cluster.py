"""A local cluster from real parts: nginx in front of several app instances (each its own
gunicorn master with gunicorn.conf.py) sharing one PostgreSQL database, directly or through
PgBouncer in transaction mode, and Redis. Everything listens on 127.0.0.1 and lives in one
runtime folder.

    python -m deploy.cluster [--port 8080] [--instances 2] [--pgbouncer] [--database-url URL]

`make cluster` runs it in the foreground (Ctrl-C stops everything); tests/cluster/ calls
`start()`.
"""

import argparse
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from deploy.ports import free_port
from service.config import normalize_database_url

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/contract_api_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# What every instance runs with unless the environment or `settings` say otherwise.
INSTANCE_DEFAULTS = {
    "SERVICE_WORKERS": "2",
    "SERVICE_LOG_LEVEL": "warning",
}
GRACEFUL_SECONDS = 35  # gunicorn's graceful_timeout (30 s) and a margin


def find_binary(name: str) -> str | None:
    """nginx and pgbouncer live in /usr/sbin, which a user's PATH may lack."""
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def _binary(name: str) -> str:
    found = find_binary(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed (apt-get install {name})")
    return found


def _wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout} s")


def _stop_process(process: subprocess.Popen | None, sig: int, timeout: float) -> None:
    """Signal the process, wait for it, then kill its whole group (it leads its own)."""
    if process is None:
        return
    if process.poll() is None:
        process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # workers left behind, if any
    process.wait()


def _children(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return children


@dataclass
class Instance:
    """One gunicorn master and its workers, with a runtime folder of its own."""

    index: int
    port: int
    folder: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def start(self) -> None:
        metrics = self.folder / "metrics"
        metrics.mkdir(parents=True, exist_ok=True)
        env = {
            **self.env,
            "SERVICE_BIND": f"127.0.0.1:{self.port}",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }
        command = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "service:create_app()"]
        with open(self.access_log, "a") as out, open(self.folder / "error.log", "a") as err:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        """Until GET /health/ready answers 200 (the instance reaches the database)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"instance {self.index} exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"instance {self.index} not ready within {timeout} s")

    def terminate(self) -> None:
        """SIGTERM: gunicorn stops accepting and lets its workers finish what they serve."""
        _stop_process(self.process, signal.SIGTERM, GRACEFUL_SECONDS)

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once, as when the machine loses it."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    @property
    def pids(self) -> set[int]:
        if self.process is None or self.process.poll() is not None:
            return set()
        return {self.process.pid, *_children(self.process.pid)}


@dataclass
class Cluster:
    """What start() built: the nginx port, the instances, the database URLs."""

    folder: Path
    port: int
    database_url: str  # direct to PostgreSQL (migrations)
    served_database_url: str  # what the instances use (PgBouncer's when it is on)
    instances: list[Instance]
    pgbouncer_port: int | None = None
    nginx: subprocess.Popen | None = None
    pgbouncer: subprocess.Popen | None = None
    drained: set[int] = field(default_factory=set)
    remove_folder: bool = False  # start() made it: stop() removes it

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_nginx_conf(self) -> None:
        servers = "\n".join(
            f"        server 127.0.0.1:{instance.port}"
            f"{' down' if instance.index in self.drained else ''};"
            for instance in self.instances
        )
        text = NGINX_TEMPLATE.read_text()
        text = text.replace("@LISTEN@", f"127.0.0.1:{self.port}")
        text = text.replace("@UPSTREAM_SERVERS@", servers)
        (self.folder / "nginx" / "nginx.conf").write_text(text)

    def start_nginx(self) -> None:
        prefix = self.folder / "nginx"
        for sub in ("logs", "tmp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        self.write_nginx_conf()
        command = [_binary("nginx"), "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-e"]
        command.append(str(prefix / "logs" / "error.log"))
        with open(prefix / "logs" / "stderr.log", "a") as err:
            self.nginx = subprocess.Popen(command, stdout=err, stderr=err, start_new_session=True)
        _wait_for_port(self.port, self.nginx, "nginx")

    def reload_nginx(self) -> None:
        """New configuration for new requests; waits until the old workers have finished
        the requests they were serving (and so exited)."""
        old = _children(self.nginx.pid)
        self.write_nginx_conf()
        self.nginx.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + GRACEFUL_SECONDS
        while _children(self.nginx.pid) & old or not _children(self.nginx.pid) - old:
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not reload in time")
            time.sleep(0.05)

    def drain(self, index: int) -> None:
        """Send no more requests to this instance (nginx marks it `down`)."""
        self.drained.add(index)
        self.reload_nginx()

    def undrain(self, index: int) -> None:
        self.drained.discard(index)
        self.reload_nginx()

    def restart(self, index: int, drain: bool = True) -> dict[str, float]:
        """Restart one instance: out of nginx first (drain), then SIGTERM (it finishes what
        it serves), start, wait for /health/ready, back into nginx. Seconds each step took."""
        instance = self.instances[index]
        steps = [
            ("drain", lambda: self.drain(index) if drain else None),
            ("stop", instance.terminate),
            ("start", instance.start),
            ("undrain", lambda: self.undrain(index) if drain else None),
        ]
        seconds = {}
        for name, step in steps:
            started = time.monotonic()
            step()
            seconds[name] = round(time.monotonic() - started, 2)
        return seconds

    def stop(self) -> None:
        """nginx first (it finishes its requests), then the instances, then PgBouncer."""
        _stop_process(self.nginx, signal.SIGQUIT, GRACEFUL_SECONDS)
        for instance in self.instances:
            if instance.process is not None:
                instance.terminate()
        _stop_process(self.pgbouncer, signal.SIGTERM, 10)
        if self.remove_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _as_postgres() -> str | None:
    """PgBouncer refuses to run as root: it switches to `postgres` then."""
    if os.geteuid() != 0:
        return None
    pwd.getpwnam("postgres")  # KeyError: no such user
    return "postgres"


def start_pgbouncer(cluster: Cluster, database_url: str) -> None:
    """PgBouncer in transaction mode on a free port, in front of database_url's server."""
    url = sa.engine.make_url(database_url)
    folder = cluster.folder / "pgbouncer"
    folder.mkdir()
    port = free_port()
    (folder / "userlist.txt").write_text(f'"{url.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={url.host or '127.0.0.1'} port={url.port or 5432}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir = {folder}\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        # SHOW POOLS, SHOW STATS... on the admin console (database `pgbouncer`).
        f"admin_users = {url.username}\n"
        "default_pool_size = 20\n"
        "max_client_conn = 500\n"
        # The instances' connect_timeout is 5 s: hand out a server connection sooner.
        "query_wait_timeout = 4\n"
        "log_connections = 0\n"
        "log_disconnections = 0\n"
    )
    command = [_binary("pgbouncer")]
    user = _as_postgres()
    if user:
        shutil.chown(folder, user)
        for path in folder.iterdir():
            shutil.chown(path, user)
        command += ["-u", user]
    command.append(str(folder / "pgbouncer.ini"))
    with open(folder / "pgbouncer.log", "a") as log:
        cluster.pgbouncer = subprocess.Popen(
            command, stdout=log, stderr=log, start_new_session=True
        )
    _wait_for_port(port, cluster.pgbouncer, "pgbouncer")
    cluster.pgbouncer_port = port
    cluster.served_database_url = url.set(port=port).render_as_string(hide_password=False)


def prepare_database(database_url: str, env: dict[str, str], pooler: bool) -> None:
    """Create the database if it is missing and migrate it, directly on PostgreSQL."""
    url = sa.engine.make_url(database_url)
    admin = sa.create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    with admin.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        if pooler:
            # PgBouncer refuses the `options` startup parameter the app sets it with.
            timeout_ms = int(env.get("SERVICE_DB_STATEMENT_TIMEOUT_MS", "10000"))
            connection.execute(
                sa.text(f'ALTER DATABASE "{url.database}" SET statement_timeout = {timeout_ms}')
            )
    admin.dispose()
    migrate_env = {**env, "DATABASE_URL": database_url}
    subprocess.run(
        [str(BIN / "flask"), "--app", "service", "db", "upgrade"],
        cwd=ROOT,
        env=migrate_env,
        check=True,
        capture_output=True,
    )


def start(
    instances: int = 2,
    pgbouncer: bool = False,
    database_url: str = DEFAULT_DATABASE_URL,
    port: int | None = None,
    folder: Path | None = None,
    settings: dict[str, str] | None = None,
) -> Cluster:
    """Migrate the database, start PgBouncer (optional), the instances and nginx. The
    caller stops the cluster (stop()); on a failure to start, what started is stopped."""
    database_url = normalize_database_url(database_url)
    remove_folder = folder is None
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="contract-api-cluster-"))
    folder.mkdir(parents=True, exist_ok=True)
    # nginx's workers (nobody, when the master runs as root) reach their temp folders in it.
    folder.chmod(0o755)
    env = {
        **INSTANCE_DEFAULTS,
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        **os.environ,
        **(settings or {}),
        # nginx is exactly one hop, whatever the environment says.
        "SERVICE_PROXY_HOPS": "1",
    }
    cluster = Cluster(folder, port or free_port(), database_url, database_url, [])
    cluster.remove_folder = remove_folder
    try:
        prepare_database(database_url, env, pgbouncer)
        if pgbouncer:
            start_pgbouncer(cluster, database_url)
            env["SERVICE_DB_TRANSACTION_POOLER"] = "1"
        env["DATABASE_URL"] = cluster.served_database_url
        for index in range(instances):
            instance_folder = folder / f"instance-{index}"
            instance_folder.mkdir()
            cluster.instances.append(Instance(index, free_port(), instance_folder, env))
        for instance in cluster.instances:
            instance.start()
        cluster.start_nginx()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--pgbouncer", action="store_true", help="through PgBouncer")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL (created if missing, migrated)",
    )
    parser.add_argument("--folder", type=Path, default=ROOT / "build" / "cluster")
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    # Ctrl-C even when started in the background (where SIGINT comes ignored), the terminal
    # closing, or a plain kill: all stop the cluster.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)
    cluster = start(args.instances, args.pgbouncer, args.database_url, args.port, args.folder)
    try:
        print(f"nginx on {cluster.url} (docs: {cluster.url}/docs)")
        for instance in cluster.instances:
            print(f"  instance {instance.index}: {instance.url}, logs in {instance.folder}")
        if cluster.pgbouncer_port:
            print(f"  PgBouncer (transaction mode) on 127.0.0.1:{cluster.pgbouncer_port}")
        print(f"  database {args.database_url}; runtime folder {args.folder}")
        print("Ctrl-C stops everything.", flush=True)
        while cluster.nginx.poll() is None:
            time.sleep(1)
        print(f"nginx exited with {cluster.nginx.returncode}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut stop()
        cluster.stop()
        print("stopped.")


if __name__ == "__main__":
    main()
