"""The README's shell examples: found, run in order against a live server, checked.

A block is an example when it is a ```sh block that calls curl on localhost:8000. A command's
comment (on its last line, or on comment lines right after it) states what it answers: the
first three-digit number is the status, `+ Name` a header that must be present, and
`problem+json` the media type. Other numbers, in brackets, say what other cases answer.
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.services import service_missing

README = Path(__file__).resolve().parents[2] / "README.md"
HOST = "localhost:8000"
END = "@@readme-example-end@@"
# The shell the examples run in finds this venv's commands first, as after `make run`.
SHELL_ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def require_curl() -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) without curl: every example calls it."""
    if shutil.which("curl") is None:
        service_missing("curl not found on PATH (apt-get install curl)")


@dataclass
class Example:
    line: int  # where the command starts in the README
    command: str
    comment: str = ""

    @property
    def status(self) -> int | None:
        found = re.search(r"\b([1-5]\d\d)\b", self.comment)
        return int(found.group(1)) if found else None

    @property
    def headers(self) -> list[str]:
        return re.findall(r"\+ ([A-Z][A-Za-z-]+)", self.comment)

    @property
    def problem(self) -> bool:
        return "problem+json" in self.comment

    @property
    def shows_response(self) -> bool:
        """curl -i: the command prints the status line and headers."""
        return bool(re.match(r"curl\s+-\w*i", self.command))


@dataclass
class Answer:
    exit_code: int
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    output: str = ""


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment): a `#` after a blank and outside quotes starts the comment."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip(), line[index + 1 :].strip()
    return line.rstrip(), ""


def shell_blocks(text: str) -> list[tuple[int, list[str]]]:
    """(line number of the first line, lines) of every ```sh block."""
    blocks, current, start = [], None, 0
    for number, line in enumerate(text.splitlines(), start=1):
        if current is None and line.strip() == "```sh":
            current, start = [], number + 1
        elif current is not None and line.strip() == "```":
            blocks.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _commands(start: int, lines: list[str]) -> list[Example]:
    commands: list[Example] = []
    continued = False
    for number, line in enumerate(lines, start=start):
        code, comment = _split_comment(line)
        if continued:
            commands[-1].command += "\n" + code
        elif code.strip():
            commands.append(Example(number, code))
        if comment and commands:
            commands[-1].comment = f"{commands[-1].comment} {comment}".strip()
        continued = code.endswith("\\")
    return commands


def examples(text: str) -> list[Example]:
    """Every command of the blocks that call curl on localhost:8000, in README order."""
    found = []
    for start, lines in shell_blocks(text):
        block = "\n".join(lines)
        if re.search(rf"\bcurl\b[^\n]*{HOST}", block):
            found += _commands(start, lines)
    return found


def _parse(chunk: str, exit_code: int, example: Example) -> Answer:
    answer = Answer(exit_code, output=chunk)
    if not example.shows_response:
        return answer
    head = chunk.replace("\r\n", "\n").lstrip().split("\n\n", 1)[0].splitlines()
    found = re.match(r"HTTP/[\d.]+ (\d{3})", head[0])
    if found:
        answer.status = int(found.group(1))
        answer.headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head[1:])
        }
    return answer


def run(found: list[Example], base_url: str, cwd: Path) -> list[Answer]:
    """Run the commands in order in one shell (so TOKEN=... carries over), against base_url."""
    host = base_url.removeprefix("http://")
    script = ["set -u"]
    for example in found:
        script += [example.command.replace(HOST, host), f"printf '\\n{END} %s\\n' $?"]
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=cwd,
        env=SHELL_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    chunks = re.split(rf"\n{END} (\d+)\n", done.stdout)
    answers = []
    for index, example in enumerate(found):
        if 2 * index + 1 >= len(chunks):
            answers.append(Answer(-1, output=f"never ran; stderr: {done.stderr[-2000:]}"))
            continue
        answers.append(_parse(chunks[2 * index], int(chunks[2 * index + 1]), example))
    return answers


def mismatches(found: list[Example], answers: list[Answer]) -> list[str]:
    """What differs between what the README says and what came back, one line each."""
    problems = []
    for example, answer in zip(found, answers, strict=True):
        where = f"README.md:{example.line} `{example.command.splitlines()[0][:70]}`"
        if answer.exit_code != 0:
            problems.append(f"{where}: exited with {answer.exit_code}: {answer.output[-500:]}")
            continue
        if not example.shows_response:
            continue
        if example.status is None:
            problems.append(f"{where}: its comment states no status")
            continue
        if answer.status != example.status:
            said = f"the README says {example.status}, the server answered {answer.status}"
            problems.append(f"{where}: {said}")
        for name in example.headers:
            if name.lower() not in answer.headers:
                problems.append(f"{where}: no {name} header, the README promises one")
        content_type = answer.headers.get("content-type", "")
        if example.problem and not content_type.startswith("application/problem+json"):
            problems.append(f"{where}: Content-Type {content_type!r}, not problem+json")
    return problems
