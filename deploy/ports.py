"""A free TCP port on 127.0.0.1 for a server about to start (the cluster, the tests' and the
benchmark's servers)."""

import random
import socket
from pathlib import Path

# Linux's default range for the local ports of outgoing connections, if /proc cannot say.
DEFAULT_EPHEMERAL = (32768, 60999)
LOWEST = 10_000


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL


def free_port() -> int:
    """A port nothing listens on, outside the kernel's ephemeral range. A port from that
    range (what binding port 0 gives) can be taken by any outgoing connection between this
    check and the server's own bind, and a busy test run makes thousands of them."""
    low, high = _ephemeral_range()
    candidates = range(LOWEST, low) if low - LOWEST >= 1_000 else range(high + 1, 65_536)
    for _ in range(100):
        port = random.choice(candidates)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port on 127.0.0.1 in {candidates}")
