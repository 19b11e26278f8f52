"""A reader of the documentation at a terminal: runs a page's console blocks in order, in a
folder of its own, after writing the files the page shows (a fenced block with a ``title``, or a
``--8<--`` snippet of a file of the checkout).

A console block's output lines, when the page shows some, must appear in what the command
prints (``…`` stands for anything, blanks are loose); an `improve status` is asked again until
they do, as the pages tell their reader.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests import processes
from tests.helpers import Cli

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r'^```(\w+)(?: title="([^"]+)")?\n(.*?)^```', re.MULTILINE | re.DOTALL)
WAIT = 120  # seconds: a busy 2-core machine runs a gate's flow step in far less


@dataclass
class Block:
    kind: str
    title: str | None
    text: str


def blocks(markdown: str) -> list[Block]:
    return [Block(k, t, text) for k, t, text in FENCE.findall(markdown)]


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` of a console block with the output lines shown under it."""
    found: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif line.strip():
            found[-1][1].append(line)
    return found


def shows(output: str, expected: list[str]) -> bool:
    said = " ".join(output.split())
    for line in expected:
        pattern = ".*".join(re.escape(" ".join(part.split())) for part in line.split("…"))
        if not re.search(pattern, said):
            return False
    return True


class Reader:
    """A terminal in its own folder, with its IMPROVE_HOME (and Prefect settings). With ``cli``
    its `improve` commands run in this process (whose settings and working folder the caller
    set to the same): no start-up per command."""

    def __init__(self, env: dict[str, str], folder: Path, cli: Cli | None = None) -> None:
        self.env = {**env, "PATH": f"{processes.BIN}:{env.get('PATH', '')}", "COLUMNS": "200"}
        self.folder = folder
        self.cli = cli

    def run(self, command: str, expected: list[str]) -> None:
        seen: list[str] = []

        def ran() -> bool:
            if self.cli is not None and command.startswith("improve "):
                result = self.cli.run(*shlex.split(command)[1:])
                assert result.exit_code == 0, f"$ {command}\n{result.output}"
                seen[:] = [result.output]
                return shows(result.output, expected)
            done = subprocess.run(
                ["bash", "-c", command],
                env=self.env,
                cwd=self.folder,
                capture_output=True,
                text=True,
                timeout=WAIT,
            )
            assert done.returncode == 0, f"$ {command}\n{done.stdout}{done.stderr}"
            seen[:] = [done.stdout]
            return shows(done.stdout, expected)

        if command.startswith("improve status"):  # asked again until it says what is shown
            processes.wait_until(ran, timeout=WAIT, what=f"{command!r} to show {expected}")
        else:
            assert ran(), f"$ {command}\nexpected {expected}, got:\n{seen[0]}"

    def follow(self, markdown: str) -> None:
        for block in blocks(markdown):
            if block.title:
                (self.folder / block.title).parent.mkdir(parents=True, exist_ok=True)
                (self.folder / block.title).write_text(included(block.text))
            elif block.kind == "console":
                for command, expected in commands(block):
                    self.run(command, expected)


def included(text: str) -> str:
    """A block's text, a snippet line replaced by the file it names."""
    found = re.fullmatch(r'--8<-- "([^"]+)"\n?', text)
    return (ROOT / found.group(1)).read_text() if found else text
