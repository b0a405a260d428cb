"""Measurements: wrk runs, and CPU time and memory of a server's process group from /proc."""

import json
import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).parent / "wrk" / "report.lua"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcessStat:
    pid: int
    cpu_ticks: int  # utime + stime, plus those of its children it has reaped
    rss_bytes: int


def _stat(pid: int) -> tuple[int, ProcessStat] | None:
    """(process group, stat) of one process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name, which may itself hold spaces and parentheses.
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    # Reaped children count too: gunicorn recycles workers (max_requests) mid-run.
    stat = ProcessStat(pid, utime + stime + cutime + cstime, int(fields[21]) * PAGE_BYTES)
    return int(fields[2]), stat


def group(pgid: int) -> list[ProcessStat]:
    """Every live process of the group (a server started in its own session)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _stat(int(entry))) and found[0] == pgid:
            members.append(found[1])
    return members


def cpu_seconds(pgid: int) -> float:
    return sum(member.cpu_ticks for member in group(pgid)) / TICKS


def _helper(pid: int) -> bool:
    """multiprocessing's resource tracker (uvicorn's and granian's workers are spawned)."""
    try:
        return b"multiprocessing.resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def worker_rss_mb(pgid: int) -> float:
    """Resident memory of the workers: the group but its leader and helper processes."""
    workers = [m for m in group(pgid) if m.pid != pgid and not _helper(m.pid)]
    return sum(m.rss_bytes for m in workers) / 2**20


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wrk(
    url: str,
    seconds: float,
    connections: int,
    method: str,
    body: str,
    token: str,
    first_page: int = 1,
    pages: int = 0,
) -> dict:
    """One wrk run (one thread, `connections` connections); its report.lua JSON, with the
    load generator's own CPU use in cores. With `pages`, each request asks for the next page
    of first_page .. first_page + pages - 1 in turn (`&page=N`)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    command += ["--latency", "-s", str(LUA), url]
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_BODY": body, "BENCH_TOKEN": token}
    env |= {"BENCH_FIRST_PAGE": str(first_page), "BENCH_PAGES": str(pages)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if not lines:
        raise RuntimeError(f"wrk printed no report:\n{done.stdout}\n{done.stderr}")
    report = json.loads(lines[-1].removeprefix("BENCH_JSON "))
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    report["wrk_cores"] = used / elapsed
    return report


def measured_run(pgid: int, url: str, seconds: float, connections: int, **request) -> dict:
    """wrk against a server, with its group's CPU per request and worker RSS at the end."""
    load = loadavg()
    cpu_before = cpu_seconds(pgid)
    report = wrk(url, seconds, connections, **request)
    cpu = cpu_seconds(pgid) - cpu_before
    requests = report["requests"]
    duration = report["duration_us"] / 1e6
    return {
        "requests": requests,
        "rps": requests / duration,
        "p50_ms": report["latency_us"]["p50"] / 1000,
        "p99_ms": report["latency_us"]["p99"] / 1000,
        "cpu_us_per_request": cpu * 1e6 / requests if requests else None,
        "server_cores": cpu / duration,
        "rss_mb": worker_rss_mb(pgid),
        "non2xx": report["non2xx"],
        "errors": report["errors"],
        "wrk_cores": report["wrk_cores"],
        "loadavg": load,
    }
