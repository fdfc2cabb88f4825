"""RUN lines after public Dockerfiles, read as shell (tests/shell/real_runs.Dockerfile).

real_runs.golden.json holds the commands tree-sitter-bash reads in each of
the 218 fixtures, recorded by ``tests/shell/compare.py record``; the
comparison with bashlex (the parser before) on these lines and every RUN of
the test corpus is in tests/shell/comparison.txt, with the verdict on each
line they read differently.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SHELL = Path(__file__).parent / "shell"
_spec = importlib.util.spec_from_file_location("shell_compare", SHELL / "compare.py")
assert _spec is not None and _spec.loader is not None
compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare)

GOLDEN: dict[str, dict[str, object]] = json.loads((SHELL / "real_runs.golden.json").read_text(encoding="utf-8"))
RUNS = {str(line): run for line, _, run in compare.runs((SHELL / "real_runs.Dockerfile").read_text(encoding="utf-8"))}


def test_at_least_200_real_world_run_lines() -> None:
    assert len(RUNS) >= 200
    assert set(RUNS) == set(GOLDEN)


@pytest.mark.parametrize("line", sorted(GOLDEN, key=int))
def test_real_world_run_reads_as_recorded(line: str) -> None:
    want = GOLDEN[line]
    assert compare.read(RUNS[line]) == {"commands": want["commands"], "approximate": want["approximate"]}


def test_real_world_runs_read_without_syntax_errors() -> None:
    assert not [line for line, g in GOLDEN.items() if g["approximate"]]
