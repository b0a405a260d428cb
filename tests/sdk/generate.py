"""Generate the Python and TypeScript SDKs from openapi/openapi.json (tests/sdk/, make sdk)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi" / "openapi.json"
BIN = Path(sys.executable).parent
NODE_BIN = ROOT / "node_modules" / ".bin"
TS_EXAMPLE = Path(__file__).with_name("ts")
TS_EXAMPLE_FILES = ["client.ts", "tsconfig.json", "package.json"]
PACKAGE = "contract_api_client"
OPENAPI_GENERATOR_PACKAGE = "contract_client"
# OpenAPI Generator logs "[main] WARN  o.o.codegen.<logger> - <message>", one record a line.
GENERATOR_LOG_RECORD = re.compile(r"^\[[^\]]*\] (?:WARN|ERROR) +(.*)$", re.MULTILINE)

# openapi-python-client 0.28 and 0.29 type a required body that has several media types (our
# JSON-or-form sign-up and log-in) as `... | Unset` but do not import Unset, so those modules
# raise NameError on import: openapi-generators/openapi-python-client#1451 (fix proposed in
# PR #1478).
UNSET_FREE_IMPORT = "from ...types import UNSET, Response\n"
UNSET_IMPORT = "from ...types import UNSET, Response, Unset\n"


def run(command: list, **options) -> str:
    """Run a tool from the repository root; what it printed, if it succeeded."""
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, **options)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {completed.returncode}:\n{output}")
    return output


def import_missing_unset(client: Path) -> list[str]:
    """Add the import of Unset where the generator forgot it (#1451); returns the operations
    it added it to."""
    patched = []
    for module in (client / PACKAGE / "api").glob("*/*.py"):
        source = module.read_text()
        if re.search(r"\bUnset\b", source) and UNSET_FREE_IMPORT in source:
            module.write_text(source.replace(UNSET_FREE_IMPORT, UNSET_IMPORT))
            patched.append(module.stem)
    return sorted(patched)


def python_client(output: Path) -> tuple[str, list[str]]:
    """Generate the Python client package into `output` (replacing it); returns what the
    generator printed and the operations import_missing_unset repaired."""
    # The venv's bin first, so the generator finds ruff and formats what it writes.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [BIN / "openapi-python-client", "generate", "--path", SPEC_PATH]
    options = ["--output-path", output, "--overwrite", "--fail-on-warning"]
    printed = run([*command, *options], env=env)
    return printed, import_missing_unset(output)


def openapi_generator_client(output: Path) -> str:
    """Generate OpenAPI Generator's python client into `output` (replacing it); returns what
    the generator printed. The spec is validated first, as the generator does unless told
    --skip-validate-spec: an invalid spec fails the run."""
    shutil.rmtree(output, ignore_errors=True)
    command = [BIN / "openapi-generator-cli", "generate", "-i", SPEC_PATH, "-g", "python"]
    return run([*command, "-o", output, "--package-name", OPENAPI_GENERATOR_PACKAGE])


def generator_warnings(printed: str) -> list[str]:
    """The warnings and errors OpenAPI Generator logged, without their thread and level."""
    return GENERATOR_LOG_RECORD.findall(printed)


def typescript_types(output: Path) -> str:
    """Generate schema.d.ts into `output`; returns what the generator printed."""
    output.mkdir(parents=True, exist_ok=True)
    # By default a property with a `default` becomes required, in request bodies too, so a
    # client could not leave out `visibility` when creating a resource; the server fills it in.
    options = ["--default-non-nullable", "false", "-o", output / "schema.d.ts"]
    return run([NODE_BIN / "openapi-typescript", SPEC_PATH, *options])


def main() -> int:
    """`python -m tests.sdk.generate build/sdk` writes build/sdk/python/ (an installable
    package), build/sdk/typescript/ (schema.d.ts, with the example client of ts/) and, when
    Java is installed, build/sdk/openapi-generator-python/ (OpenAPI Generator's client)."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "sdk"
    printed, patched = python_client(folder / "python")
    print(printed.strip())
    print(f"Added the missing Unset import (#1451) to: {', '.join(patched) or 'none'}")
    print(typescript_types(folder / "typescript").strip())
    for name in TS_EXAMPLE_FILES:
        shutil.copy(TS_EXAMPLE / name, folder / "typescript" / name)
    print(f"Python client: {folder / 'python'}; TypeScript types: {folder / 'typescript'}")
    if shutil.which("java") is None:
        print("OpenAPI Generator's python client skipped: java not found on PATH")
        return 0
    printed = openapi_generator_client(folder / "openapi-generator-python")
    for warning in generator_warnings(printed):
        print(f"OpenAPI Generator: {warning}")
    print(f"OpenAPI Generator's python client: {folder / 'openapi-generator-python'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
