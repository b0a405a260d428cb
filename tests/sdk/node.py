"""Node.js and the npm packages an SDK test runs, or a skip (a failure under
REQUIRE_SERVICES=1) that says how to get them."""

import shutil
from pathlib import Path

from tests.services import service_missing


def node_with(*packages: Path) -> str:
    """The path of `node`, once it and each of `packages` (paths under node_modules) exist."""
    node = shutil.which("node")
    if node is None:
        service_missing("node not found on PATH (install Node.js 20.19+ or 22.12+; `make doctor`)")
    missing = [str(path) for path in packages if not path.exists()]
    if missing:
        service_missing(f"{', '.join(missing)} missing: run `npm ci --ignore-scripts`")
    return node
