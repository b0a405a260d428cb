"""The README's curl examples answer what their comments say, on a server started as by
`make run`: changing an answer without changing the README fails here."""

import os
import subprocess
import uuid

import pytest

from deploy.ports import free_port
from tests.fuzz.live import BIN, ROOT, _run, _wait_until_up
from tests.readme.examples import README, Answer, examples, mismatches, require_curl, run

# `make run`'s settings, except what keeps a test server apart from others on the machine:
# cheap argon2 and no machine-wide hashing bound (as every test server), its own rate-limit
# counts, and two workers.
SERVER_ENV = {
    "SERVICE_ENV": "development",
    "SERVICE_CONTRACT_GUARD": "1",
    "SERVICE_ARGON2_TIME_COST": "2",
    "SERVICE_ARGON2_MEMORY_KIB": "19456",
    "SERVICE_ARGON2_PARALLELISM": "1",
    "SERVICE_HASHING_SLOTS": "0",
    "SERVICE_WORKERS": "2",
}


def _edit_first_status(text: str, example) -> str:
    """The README with the first example's stated status changed."""
    lines = text.splitlines(keepends=True)
    status = str(example.status)
    index = example.line - 1
    while status not in lines[index].partition("#")[2]:
        index += 1
    code, mark, comment = lines[index].partition("#")
    wrong = "200" if status != "200" else "204"
    lines[index] = code + mark + comment.replace(status, wrong, 1)
    return "".join(lines)


def test_examples_are_found_and_each_states_a_status():
    found = examples(README.read_text())
    shown = [example for example in found if example.shows_response]
    for block in ("/api/v1/users", "Idempotency-Key", "/userSignUp"):  # the three blocks
        assert any(block in example.command for example in shown), block
    assert all(example.status for example in shown), [e.line for e in shown if not e.status]


def test_an_edited_status_fails_the_check():
    """Against a server that answers exactly what the README says, the README passes and a
    copy with one status changed does not."""
    text = README.read_text()
    found = examples(text)
    answers = [
        Answer(0, example.status, {name.lower(): "x" for name in example.headers})
        for example in found
    ]
    for example, answer in zip(found, answers, strict=True):
        if example.problem:
            answer.headers["content-type"] = "application/problem+json"
    assert mismatches(found, answers) == []
    edited = examples(_edit_first_status(text, found[0]))
    assert edited[0].status != found[0].status
    problems = mismatches(edited, answers)
    assert len(problems) == 1
    assert f"README.md:{found[0].line}" in problems[0]
    assert f"the server answered {found[0].status}" in problems[0]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(examples, answers): the README's examples run in order on a fresh server."""
    require_curl()
    folder = tmp_path_factory.mktemp("readme")
    port = free_port()
    env = {
        **os.environ,
        **SERVER_ENV,
        "SERVICE_BIND": f"127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{folder}/service.sqlite3",
        "SERVICE_RATE_LIMIT_PREFIX": f"readme-{uuid.uuid4().hex}",
    }
    # `make run` on a fresh machine: limits in memory, gunicorn.conf.py's metrics folder.
    env.pop("REDIS_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    _run([str(BIN / "flask"), "--app", "service", "db", "upgrade"], env)
    command = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "service:create_app()"]
    with open(folder / "server.log", "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server)
        found = examples(README.read_text())
        yield found, run(found, base_url, folder)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_readme_examples_answer_what_their_comments_say(live):
    found, answers = live
    assert mismatches(found, answers) == []


@pytest.mark.slow
def test_a_status_edited_in_the_readme_fails_against_the_server(live):
    found, answers = live
    edited = examples(_edit_first_status(README.read_text(), found[0]))
    problems = mismatches(edited, answers)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"README.md:{found[0].line} "), problems
