"""One gunicorn server per session for both SDKs, on a throwaway SQLite database."""

import pytest

from tests.fuzz import live


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """The server's base URL; when the session ends, any contract violation it logged fails."""
    folder = tmp_path_factory.mktemp("sdk-server")
    log_path = folder / "gunicorn.log"
    with live.gunicorn(f"sqlite:///{folder}/sdk.sqlite3", log_path) as url:
        yield url
    violations = live.guard_violations(log_path)
    if violations:
        pytest.fail(
            f"The server's contract guard logged {len(violations)} violation(s) ({log_path}):\n  "
            + "\n  ".join(violations),
            pytrace=False,
        )
