"""schemas/ is the contract and nothing else: it imports marshmallow, the standard library
and itself, never the service, SQLAlchemy or Flask."""

import ast
import sys
from pathlib import Path

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
ALLOWED = {"marshmallow", "schemas"}


def imported_packages(source: str) -> set[str]:
    packages = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            packages |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            packages.add(node.module.partition(".")[0])
    return packages


def test_schemas_import_only_marshmallow_and_the_standard_library():
    foreign = {
        f"{path.name}: {package}"
        for path in SCHEMAS.glob("*.py")
        for package in imported_packages(path.read_text())
        if package not in ALLOWED and package not in sys.stdlib_module_names
    }
    assert foreign == set()


def test_a_foreign_import_is_noticed():
    assert imported_packages("import sqlalchemy\nfrom service.auth import x\n") == {
        "sqlalchemy",
        "service",
    }
