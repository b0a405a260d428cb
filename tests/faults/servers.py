"""What the fault tests break: a throwaway PostgreSQL cluster, gunicorn's processes."""

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.ports import free_port
from tests.services import service_missing

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class Cluster:
    """A PostgreSQL cluster of our own in a temporary folder, on a free loopback port."""

    folder: Path
    port: int
    as_postgres: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        command = [*self.as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data")]
        subprocess.run([*command, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl("-l", str(self.folder / "server.log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        """Fast shutdown: open sessions are ended, as when a server goes away."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.folder / "data" / "postmaster.pid").exists()


def _as_postgres() -> list[str]:
    """initdb refuses to run as root: run the server binaries as `postgres` then."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        service_missing("running as root and there is no `postgres` user for initdb")
    if shutil.which("runuser") is None:
        service_missing("running as root and runuser is missing")
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def throwaway_cluster():
    """initdb + start; always stopped and deleted afterwards."""
    if not (PG_BIN / "initdb").exists():
        service_missing(f"no PostgreSQL server binaries in {PG_BIN} (set PG_BIN)")
    as_postgres = _as_postgres()
    folder = Path(tempfile.mkdtemp(prefix="contract-api-pg-"))
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, free_port(), as_postgres)
    try:
        initdb = [str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-U", "postgres"]
        subprocess.run(
            [*as_postgres, *initdb, "-A", "trust", "--no-sync", "-E", "UTF8"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def gunicorn_master(base_url: str) -> int:
    """The pid of our child gunicorn master serving base_url (found by its SERVICE_BIND)."""
    bind = "SERVICE_BIND=" + base_url.removeprefix("http://")
    for child in _children(os.getpid()):
        try:
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if bind.encode() in environ:
            return child
    raise LookupError(f"no child process serves {base_url}")


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def workers(master: int) -> set[int]:
    return set(_children(master))
