"""At most a few argon2 computations at once on this machine.

One argon2id hash takes a core for about a tenth of a second: a flood of sign-ups and log-ins
(each client within its rate limit, but many clients) would otherwise keep every core and
every worker busy, and the reads behind them would wait. A computation first takes one of
`SERVICE_HASHING_SLOTS` slots: lock files that every worker and every instance of this user
on the machine share (flock: a slot held by a process that dies is freed with it). A request
that finds no slot free within `SERVICE_HASHING_WAIT_MS` answers 503 with Retry-After,
leaving its worker to the requests that do not hash.
"""

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

RETRY_AFTER_SECONDS = 1
POLL_SECONDS = 0.01
DETAIL = "The server is busy checking passwords; try again in a moment."


def _slot_files(count: int) -> list[str]:
    folder = os.path.join(tempfile.gettempdir(), f"contract-api-hashing-{os.getuid()}")
    os.makedirs(folder, exist_ok=True)
    return [os.path.join(folder, f"slot-{index}") for index in range(count)]


def _try_lock(path: str) -> int | None:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


@contextlib.contextmanager
def hashing_slot() -> Iterator[None]:
    """Hold a slot while hashing, or answer 503 if none frees up in time."""
    count = current_app.config["HASHING_SLOTS"]
    if count <= 0:
        yield
        return
    paths = _slot_files(count)
    deadline = time.monotonic() + current_app.config["HASHING_WAIT_MS"] / 1000
    while True:
        for path in paths:
            descriptor = _try_lock(path)
            if descriptor is not None:
                try:
                    yield
                finally:
                    os.close(descriptor)  # closing the file releases its lock
                return
        if time.monotonic() >= deadline:
            raise ServiceUnavailable(DETAIL, retry_after=RETRY_AFTER_SECONDS)
        time.sleep(POLL_SECONDS)
