"""A small HTTP client for tests against a live server: each answer's status, time, media
type, headers and parsed JSON; a dropped connection is reported instead of raised."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message


@dataclass
class Answer:
    status: int | None  # None: the connection failed (reset, refused, closed early)
    seconds: float
    media_type: str = ""
    # Names case-insensitive, as in HTTP: gunicorn sends `ETag`, granian `etag`.
    headers: Message | None = None
    body: dict | None = None
    error: str = ""


def call(base_url: str, method: str, path: str, body=None, headers=None, timeout=30) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base_url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _answer(response, started)
    except urllib.error.HTTPError as error:
        return _answer(error, started)
    except OSError as error:  # URLError, ConnectionResetError, RemoteDisconnected
        return Answer(None, time.monotonic() - started, error=repr(error))


def _answer(response, started: float) -> Answer:
    return answer_of(response, response.read(), started)


def answer_of(response, raw: bytes, started: float) -> Answer:
    """The Answer of a response (urllib's or http.client's) whose body was read as `raw`."""
    media_type = response.headers.get_content_type()
    parsed = json.loads(raw) if raw and media_type.endswith("json") else None
    return Answer(response.status, time.monotonic() - started, media_type, response.headers, parsed)


def bearer(base_url: str, username: str, password: str) -> dict:
    account = {"username": username, "password": password}
    assert call(base_url, "POST", "/api/v1/users", account).status == 201
    answer = call(base_url, "POST", "/api/v1/tokens", account)
    assert answer.status == 201, answer
    return {"Authorization": f"Bearer {answer.body['access_token']}"}


class Traffic:
    """Threads, each running one of `loops()` until the `with` block ends: steady traffic
    while a test breaks something. A loop runs until `self.stopping` is set."""

    def loops(self) -> list[Callable[[], None]]:
        raise NotImplementedError

    def __enter__(self):
        self.stopping = threading.Event()
        self._threads = [threading.Thread(target=loop) for loop in self.loops()]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=60)


class RepeatedGet(Traffic):
    """`threads` clients each sending one GET in a loop, `pause` seconds apart, each on a new
    connection; every answer kept with when it was sent."""

    def __init__(
        self,
        base_url: str,
        path: str,
        headers: dict,
        threads: int,
        pause: float,
        timeout: float = 30,
    ):
        self.sent_answers: list[tuple[float, Answer]] = []
        self._request = (base_url, path, headers, threads, pause, timeout)

    @property
    def answers(self) -> list[Answer]:
        return [answer for _, answer in list(self.sent_answers)]

    def loops(self):
        return [self._run] * self._request[3]

    def _run(self):
        base_url, path, headers, _, pause, timeout = self._request
        while not self.stopping.is_set():
            sent = time.monotonic()
            answer = call(base_url, "GET", path, headers=headers, timeout=timeout)
            self.sent_answers.append((sent, answer))
            time.sleep(pause)
