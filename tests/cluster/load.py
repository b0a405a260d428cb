"""Steady load for the cluster tests: threads reading and creating resources through nginx,
each POST retried with its Idempotency-Key until it is acknowledged, as a careful client
does; every outcome counted."""

import http.client
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.http_client import Answer, Traffic, answer_of

# What a client retries a POST on (with the same key): no answer, nginx's "no instance
# answered", or the first attempt still in flight.
RETRY_STATUSES = {None, 409, 502, 503, 504}
RETRY_PAUSE = 0.05
MAX_ATTEMPTS = 40
# Between one thread's requests: steady load that leaves the two instances' restarts some CPU.
THINK_SECONDS = 0.02


def call(
    base_url: str,
    method: str,
    path: str,
    body=None,
    headers=None,
    source: str = "127.0.0.1",
    timeout: float = 10,
) -> Answer:
    """One request on a new connection from a chosen loopback address (each address is its
    own client for the rate limits). A failed connection is an Answer with status None; an
    answer cut off after its headers keeps its status and carries the error."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=timeout, source_address=(source, 0)
    )
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    started, response = time.monotonic(), None
    try:
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        # Cut short after the status line and headers came: the status, and the error.
        status = None if response is None else response.status
        return Answer(status, time.monotonic() - started, error=repr(error))
    finally:
        connection.close()
    return answer_of(response, raw, started)


@dataclass
class Write:
    name: str
    statuses: list = field(default_factory=list)  # every attempt's status (None: no answer)
    replayed: bool = False

    @property
    def acknowledged(self) -> bool:
        return bool(self.statuses) and self.statuses[-1] == 201


@dataclass
class Load(Traffic):
    """GET and POST threads against base_url while the `with` block runs."""

    base_url: str
    headers: dict
    resource_path: str
    readers: int = 3
    writers: int = 3
    prefix: str = "load"
    reads: list = field(default_factory=list)  # Answer per GET
    writes: list = field(default_factory=list)  # Write per resource a writer meant to create

    def _read(self) -> None:
        while not self.stopping.is_set():
            self.reads.append(call(self.base_url, "GET", self.resource_path, headers=self.headers))
            time.sleep(THINK_SECONDS)

    def _write(self) -> None:
        while not self.stopping.is_set():
            write = Write(f"{self.prefix}-{uuid.uuid4().hex[:12]}")
            self.writes.append(write)
            headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
            for _ in range(MAX_ATTEMPTS):
                answer = call(
                    self.base_url, "POST", "/api/v1/resources", {"name": write.name}, headers
                )
                # An answer cut off after its headers is no answer: retried.
                write.statuses.append(None if answer.error else answer.status)
                if write.statuses[-1] not in RETRY_STATUSES:
                    write.replayed = (answer.headers or {}).get("Idempotent-Replayed") == "true"
                    break
                time.sleep(RETRY_PAUSE)
            time.sleep(THINK_SECONDS)

    def loops(self):
        return [self._read] * self.readers + [self._write] * self.writers

    def figures(self) -> dict:
        """Counts for the report: requests, errors, retries, acknowledged writes."""
        attempts = [status for write in self.writes for status in write.statuses]
        return {
            "reads": len(self.reads),
            # Refused, or an error status: what nginx is there to prevent.
            "failed_reads": sum(a.status != 200 for a in self.reads),
            # The headers came, then the instance died: nginx had already passed them on.
            "cut_reads": sum(a.status is not None and bool(a.error) for a in self.reads),
            "posts": len(attempts),
            "post_errors": sum(status is None or status >= 300 for status in attempts),
            "post_statuses": dict(Counter(str(status) for status in attempts)),
            "writes_acknowledged": sum(write.acknowledged for write in self.writes),
            "writes_retried": sum(len(write.statuses) > 1 for write in self.writes),
            "stored_answers": sum(write.replayed for write in self.writes),
        }
