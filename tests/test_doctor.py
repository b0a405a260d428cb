"""The preflight (tools/doctor.py, `make doctor`): one line per item, found or missing, and a
failing exit only for what `make run` needs."""

import socket
import time

import pytest

from deploy.ports import free_port
from tools import doctor


def _lines(capsys) -> dict[str, str]:
    out = capsys.readouterr().out.splitlines()
    return {line.split("  ")[1].strip(): line for line in out if line.startswith("  ")}


def test_every_item_has_one_line_found_or_missing(capsys):
    doctor.main()
    lines = _lines(capsys)
    assert sorted(lines) == sorted(item.name for item in doctor.items())
    for line in lines.values():
        state = line.split("  ", 2)[2].strip()
        assert state.startswith(("found (", "missing (")), line


def test_redis_unreachable_is_missing_with_what_skips(monkeypatch, capsys):
    url = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("REDIS_URL", url)
    started = time.monotonic()
    assert doctor.main() == 0  # `make run` keeps limits in memory without Redis
    assert time.monotonic() - started < 15
    line = _lines(capsys)["Redis"]
    assert f"missing (unreachable at {url}" in line
    assert "tests/test_limits.py" in line and "REQUIRE_SERVICES=1" in line
    assert "apt-get install redis-server" in line and "brew install redis" in line


def test_postgresql_for_make_run_unreachable_fails(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/x")
    assert doctor.main() == 1
    out = capsys.readouterr().out
    assert "`make run` cannot work without: DATABASE_URL (make run)" in out


def test_only_what_make_run_needs_fails_the_preflight(monkeypatch, capsys):
    def absent():
        raise doctor.Missing("not here")

    missing = [doctor.Item(item.name, absent, "", "", item.needed_by_run) for item in doctor.ITEMS]
    monkeypatch.setattr(doctor, "ITEMS", [item for item in missing if not item.needed_by_run])
    assert doctor.main() == 0
    monkeypatch.setattr(doctor, "ITEMS", missing)
    assert doctor.main() == 1
    assert "cannot work without: Python >= 3.11" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("version", "ok"),
    [
        ((18, 19, 1), False),
        ((20, 18, 3), False),
        ((20, 19, 0), True),
        ((21, 7, 3), False),
        ((22, 11, 0), False),
        ((22, 12, 0), True),
        ((24, 1, 0), True),
    ],
)
def test_node_versions_redocly_accepts(version, ok):
    assert doctor.node_version_ok(version) is ok


@pytest.mark.parametrize(
    ("name", "variable", "scheme"),
    [("Redis", "REDIS_URL", "redis"), ("PostgreSQL server", "TEST_POSTGRES_URL", "postgresql")],
)
def test_a_server_that_never_answers_is_missing_within_a_second(
    monkeypatch, name, variable, scheme
):
    check = {item.name: item.check for item in doctor.ITEMS}[name]
    with socket.create_server(("127.0.0.1", 0)) as silent:
        monkeypatch.setenv(variable, f"{scheme}://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        with pytest.raises(doctor.Missing, match=r"no usable answer from .*timed out"):
            check()
    assert time.monotonic() - started < 3
