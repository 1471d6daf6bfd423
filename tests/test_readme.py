"""The README's command-line examples are what the commands print: each ``$ groundwork``
line in a console block is run, and every line shown below it (``...`` stands for lines
left out, or for the rest of a long line) must appear in the output, in order."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FILES = (".yaml", ".yml", ".csv", ".xlsx", ".json")


def examples() -> list[tuple[str, list[str]]]:
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        command, shown = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    found.append((command, shown))
                command, shown = line[2:], []
            elif command is not None:
                shown.append(line)
        if command:
            found.append((command, shown))
    # only what runs here, on the shipped files, and prints something to compare
    return [
        (c, s)
        for c, s in found
        if c.startswith("groundwork ")
        and "\\" not in c
        and ">" not in c
        and any(s)
        and all((ROOT / a).exists() for a in shlex.split(c) if a.endswith(FILES))
    ]


def test_the_readme_has_examples_to_check():
    assert len(examples()) >= 4


@pytest.mark.parametrize("command, shown", examples(), ids=lambda x: str(x)[:60])
def test_each_readme_example_prints_what_the_readme_shows(run_cli, monkeypatch, command, shown):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    code, out, err = run_cli(*args)
    assert code == 0, err
    lines = out.splitlines()
    at = 0
    for expected in shown:
        parts = [p.strip() for p in expected.split("...") if p.strip()]
        if not parts:
            continue
        for i in range(at, len(lines)):
            if all(p in lines[i] for p in parts):
                at = i + 1
                break
        else:
            pytest.fail(f"{command!r} does not print {expected!r}; it prints:\n{out}")
