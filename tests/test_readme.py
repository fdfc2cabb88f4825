"""The README keeps its promises: the two opening commands, every rule documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctxaudit.rules import all_rules

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_opens_with_the_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert "pip install . && ctxaudit sample_contexts/pandas-analysis" in blocks[0]
    assert "pip install -e '.[test]' && pytest" in blocks[1]
    assert README.index(blocks[1]) < README.index("## ")


def test_every_rule_is_in_the_rules_table() -> None:
    for r in all_rules():
        assert f"| {r.id} | `{r.name}` | {r.severity.value} |" in README, r.id


def test_the_compose_sample_output_is_real(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Every line of the README's Compose sample block (between '...' elisions) is what ctxaudit prints."""
    from ctxaudit.cli import main

    block = README.split("## Compose, Bake and named contexts", 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    command, *shown = block.splitlines()
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    monkeypatch.setenv("COLUMNS", "80")  # the README's examples are an 80-column terminal
    assert main([*command.removeprefix("$ ctxaudit ").split(), "--no-progress"]) == 1  # the sample fails a gate
    printed = capsys.readouterr()
    lines = printed.out.splitlines() + printed.err.splitlines()
    at = 0
    for line in shown:
        if line == "...":
            continue
        assert line in lines[at:], line
        at = lines.index(line, at) + 1 if line else at
