"""Node.js for the tests that run npm packages (spec lint, the SDKs): on PATH, recent enough
for them (tools/doctor.py's range) and the packages installed; otherwise a skip (a failure
under REQUIRE_SERVICES=1) that says how to get them. An older Node would fail those tests
with a syntax error instead of saying so."""

import functools
import shutil
from pathlib import Path

from tests.services import service_missing
from tools import doctor


@functools.cache
def _node_problem() -> str | None:
    try:
        doctor.check_node()
    except doctor.Missing as missing:
        return f"{missing} (install Node.js 20.19+ or 22.12+; `make doctor`)"
    return None


def node_with(*packages: Path) -> str:
    """The path of `node`, once it and each of `packages` (paths under node_modules) exist."""
    problem = _node_problem()
    if problem:
        service_missing(problem)
    missing = [str(path) for path in packages if not path.exists()]
    if missing:
        service_missing(f"{', '.join(missing)} missing: run `npm ci --ignore-scripts`")
    return shutil.which("node")
