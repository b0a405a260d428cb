"""openapi-typescript types: the example client compiles strictly, runs, and wrong calls fail."""

import json
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.node import node_with
from tests.sdk import generate

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

NODE_TOOLS = [generate.NODE_BIN / "openapi-typescript", generate.NODE_BIN / "tsc"]
OPENAPI_FETCH = generate.ROOT / "node_modules" / "openapi-fetch"
NODE_PACKAGES = [*NODE_TOOLS, OPENAPI_FETCH]
# A resource named by a number: the kind of call the generated types exist to refuse.
RIGHT_CALL, WRONG_CALL = 'name: "Notes"', "name: 42"


@dataclass
class GeneratedTypes:
    schema: Path
    generator_output: str


# Session-scoped and named before base_url, so a machine without Node skips before the
# server starts.
@pytest.fixture(scope="session")
def types(tmp_path_factory) -> GeneratedTypes:
    node_with(*NODE_PACKAGES)
    folder = tmp_path_factory.mktemp("typescript-sdk")
    output = generate.typescript_types(folder)
    return GeneratedTypes(folder / "schema.d.ts", output)


def _project(folder: Path, types: GeneratedTypes, client_source: str) -> Path:
    """The example client with the generated schema.d.ts, in a folder where both tsc and node
    find the repository's node_modules."""
    folder.mkdir()
    for name in generate.TS_EXAMPLE_FILES:
        shutil.copy(generate.TS_EXAMPLE / name, folder / name)
    (folder / "client.ts").write_text(client_source)
    shutil.copy(types.schema, folder / "schema.d.ts")
    (folder / "node_modules").symlink_to(generate.ROOT / "node_modules")
    return folder


def _tsc(project: Path) -> subprocess.CompletedProcess:
    command = [generate.NODE_BIN / "tsc", "-p", project]
    return subprocess.run(command, capture_output=True, text=True)


def test_generation_has_no_warnings(types):
    # openapi-typescript prints its warnings as "⚠  <message>".
    output = types.generator_output
    assert "⚠" not in output and "warn" not in output.lower(), output


def test_example_client_compiles_strict_and_runs_against_server(types, base_url, tmp_path):
    source = (generate.TS_EXAMPLE / "client.ts").read_text()
    project = _project(tmp_path / "client", types, source)
    compiled = _tsc(project)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    username = f"ts-{uuid.uuid4().hex[:8]}"
    command = [node_with(*NODE_PACKAGES), project / "out" / "client.js", base_url, username]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    summary = json.loads(ran.stdout)
    assert summary["mismatches"] == []
    assert (summary["created"]["status"], summary["created"]["version"]) == (201, 1)
    assert summary["read"] == {"status": 200, "name": "Notes"}
    assert summary["missing"]["status"] == 404
    assert summary["missing"]["problem"]["status"] == 404
    assert summary["missing"]["problem"]["title"] == "Not Found"


def test_resource_named_by_a_number_fails_to_compile(types, tmp_path):
    source = (generate.TS_EXAMPLE / "client.ts").read_text()
    assert source.count(RIGHT_CALL) == 1
    project = _project(tmp_path / "client", types, source.replace(RIGHT_CALL, WRONG_CALL))
    compiled = _tsc(project)
    assert compiled.returncode != 0
    assert "error TS2322: Type 'number' is not assignable to type 'string'." in compiled.stdout
