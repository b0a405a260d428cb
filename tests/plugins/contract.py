"""The suite's side of the contract guard.

Every app the tests build runs with CONTRACT_GUARD on, so each response is checked against
the spec as it leaves the app. Here a violation fails the test that caused it, and every
conforming (operation, status) pair is counted; when the whole suite has run, a declared pair
that no test produced fails the run (the status-coverage gate).

Every response body is also scanned for secrets: a password hash, a `password_hash` or
`token_hash` key, or the SHA-256 of any token the suite was issued fails the test that got it.

Under pytest-xdist each worker counts what its tests produced and hands the counts to the
controller when it finishes; the controller adds them up and applies the gate.
"""

import gzip
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import brotli
import pytest
from flask import request, request_finished

from service.contract_guard import CheckedResponse, response_checked

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi" / "openapi.json"
REPORT_PATH = ROOT / "build" / "status-coverage.json"

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

produced: Counter[tuple[str, str]] = Counter()
pending_violations: list[CheckedResponse] = []
pending_leaks: list[str] = []
PASSWORD_HASH_MARKER = "$argon2"
SECRET_KEYS = frozenset({"password_hash", "token_hash"})
# A resource's free-form document is the caller's own: any key may be in it.
USER_DOCUMENT_KEY = "data"
ISSUED_TOKEN = re.compile(r'"access_token"\s*:\s*"([^"]+)"')
HEX_64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
issued_token_hashes: set[str] = set()
_deselected = False
_gate_failure: list[str] = []


def count_conforming(counts: dict, checked: CheckedResponse) -> None:
    """Count the response's (operation, status) pair if the guard found nothing wrong."""
    if checked.operation_id is not None and not checked.violations:
        pair = (checked.operation_id, str(checked.status))
        counts[pair] = counts.get(pair, 0) + 1


@response_checked.connect
def _record(sender, checked: CheckedResponse) -> None:
    if checked.violations:
        pending_violations.append(checked)
    count_conforming(produced, checked)


def _client_body(response) -> str | None:
    """The body as the client reads it (compression undone); None for streamed files."""
    if response.is_streamed or response.direct_passthrough:
        return None
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "br":
        data = brotli.decompress(data)
    return data.decode("utf-8", errors="replace")


def _secret_keys(value) -> set[str]:
    """Secret-looking keys anywhere in a JSON document, outside users' own documents."""
    if isinstance(value, list):
        return set().union(*map(_secret_keys, value))
    if not isinstance(value, dict):
        return set()
    found = SECRET_KEYS & value.keys()
    inner = (item for key, item in value.items() if key != USER_DOCUMENT_KEY)
    return found.union(*map(_secret_keys, inner))


def secrets_in(body: str) -> list[str]:
    """What in a response body must never leave the server: a password hash, a key named
    like a stored hash (a value that merely says "token_hash" is a user's text), the
    SHA-256 of an issued token."""
    found = [PASSWORD_HASH_MARKER] if PASSWORD_HASH_MARKER in body else []
    try:
        found += [f'"{key}"' for key in sorted(_secret_keys(json.loads(body)))]
    except ValueError:
        found += [f'"{key}"' for key in sorted(SECRET_KEYS) if f'"{key}"' in body]
    hashes = issued_token_hashes.intersection(HEX_64.findall(body))
    return found + [f"the SHA-256 of an issued token ({digest[:12]}...)" for digest in hashes]


@request_finished.connect
def _scan_for_secrets(sender, response, **extra) -> None:
    body = _client_body(response)
    if body is None:
        return
    for secret in ISSUED_TOKEN.findall(body):
        issued_token_hashes.add(hashlib.sha256(secret.encode()).hexdigest())
    leaked = secrets_in(body)
    if leaked:
        pending_leaks.append(
            f"{request.method} {request.full_path.rstrip('?')} answered {response.status_code} "
            f"with {', '.join(leaked)}: {body[:300]}"
        )


def declared_pairs(spec: dict) -> set[tuple[str, str]]:
    """Every (operationId, status) the spec says some request can produce."""
    return {
        (operation["operationId"], status)
        for path_item in spec["paths"].values()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
        for status in operation["responses"]
    }


def coverage_report(spec: dict, counts: dict) -> dict:
    """What was declared, what was produced how often, and what was never produced."""
    declared = declared_pairs(spec)
    return {
        "declared": len(declared),
        "produced": len(declared & set(counts)),
        "missing": [f"{op} {status}" for op, status in sorted(declared - set(counts))],
        "counts": {
            f"{op} {status}": counts.get((op, status), 0) for op, status in sorted(declared)
        },
    }


@pytest.fixture
def contract_violations() -> list[CheckedResponse]:
    """For tests that break the contract on purpose: they inspect and clear this list."""
    return pending_violations


def _fail_on_leaks(when: str) -> None:
    if not pending_leaks:
        return
    found = list(pending_leaks)
    pending_leaks.clear()
    pytest.fail(
        f"{len(found)} response body(ies) during {when} carried a secret:\n  " + "\n  ".join(found),
        pytrace=False,
    )


def _fail_on_violations(when: str) -> None:
    _fail_on_leaks(when)
    if not pending_violations:
        return
    found = [checked.describe() for checked in pending_violations]
    pending_violations.clear()
    pytest.fail(
        f"The contract guard rejected {len(found)} response(s) during {when}:\n  "
        + "\n  ".join(found),
        pytrace=False,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    pending_violations.clear()
    pending_leaks.clear()
    result = yield
    _fail_on_violations("setup")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    _fail_on_violations("the test")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    result = yield
    _fail_on_violations("teardown")
    return result


def pytest_deselected(items):
    global _deselected
    _deselected = _deselected or bool(items)


def _ran_whole_suite(session: pytest.Session) -> bool:
    config = session.config
    tests_dir = ROOT / "tests"
    whole_paths = all(Path(arg).resolve() == tests_dir for arg in config.args)
    # Under xdist the workers deselect; the controller sees what was asked for.
    narrowed = _deselected or config.option.keyword or config.option.markexpr
    return whole_paths and not narrowed and not config.option.collectonly


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """(xdist controller) A worker finished: add what its tests produced to the counts."""
    for operation, status, count in node.workeroutput.get("produced", []):
        produced[(operation, status)] += count


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _is_xdist_worker(session.config):
        session.config.workeroutput["produced"] = [(*pair, n) for pair, n in produced.items()]
        return
    if not produced:
        return
    report = coverage_report(json.loads(SPEC_PATH.read_text()), produced)
    REPORT_PATH.parent.mkdir(exist_ok=True)
    REPORT_PATH.write_text(json.dumps(report, indent=2) + "\n")
    if report["missing"] and _ran_whole_suite(session):
        _gate_failure.extend(report["missing"])
        if exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if not produced:
        return
    report = json.loads(REPORT_PATH.read_text())
    terminalreporter.write_sep("-", "status coverage")
    terminalreporter.write_line(
        f"{report['produced']} of {report['declared']} declared (operation, status) pairs "
        f"produced; report in {REPORT_PATH.relative_to(ROOT)}"
    )
    if _gate_failure:
        terminalreporter.write_line(
            "FAILED: declared but never produced by any test (test them, or stop declaring them):",
            red=True,
        )
        for pair in _gate_failure:
            terminalreporter.write_line(f"  {pair}", red=True)
