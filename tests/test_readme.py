"""The README keeps its promises: the two opening commands, every rule documented."""

from __future__ import annotations

import re
from pathlib import Path

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
