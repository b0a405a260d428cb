"""schemathesis over HTTP: gunicorn + PostgreSQL, fuzzed by the schemathesis CLI (CI).

The same settings as the in-process run (schemathesis.toml), but through a real server and
database, with the CLI's identity escalation and value capture; every warning
fails the run (schemathesis.toml). The server runs with the
contract guard on; a violation it logs fails the test.
"""

import pytest

from tests.conftest import throwaway_postgres_database
from tests.fuzz import live

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

# Short enough for every CI run (about 30 s); `make fuzz` runs the long version with fresh
# seeds. A fixed seed here makes a red CI run reproducible.
MAX_EXAMPLES = 50
SEED = 2


@pytest.fixture
def postgresql_database():
    with throwaway_postgres_database() as url:
        yield url


@pytest.mark.postgresql
def test_schemathesis_finds_nothing_over_http(postgresql_database):
    results = live.fuzz(postgresql_database, MAX_EXAMPLES, SEED)
    for result in results:
        assert result.exit_code == 0, f"schemathesis {result.name}:\n{result.output}"
        assert result.test_cases > 0, result.output
    violations = [line for result in results for line in result.guard_violations]
    assert violations == [], "\n".join(violations)
