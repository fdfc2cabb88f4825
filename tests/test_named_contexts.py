"""Named build contexts, against expectations derived from BuildKit's source.

The engine here (Docker 20.10, BuildKit 0.8) predates named contexts, so
each case in tests/project/named_cases.json states what BuildKit does and
where its source says so; the listing of a named directory with its own
.dockerignore is engine-checked in test_project_golden.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import make_tree

from ctxaudit.dockerfile.model import build_model
from ctxaudit.dockerfile.usage import DockerfileUsage
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.walk import walk

CASES: dict[str, Any] = json.loads((Path(__file__).parent / "project" / "named_cases.json").read_text())
NAMES = sorted(k for k in CASES if not k.startswith("_"))


def _usage(root: Path, text: str, named: list[str], source: str) -> DockerfileUsage:
    df = build_model(text, {}, None, named)
    ctx = open_context(root, None, Builder.BUILDKIT)
    usage = DockerfileUsage(df, Builder.BUILDKIT, str(ctx.root), record_image=True, source=source)
    for e in walk(ctx):
        usage.add(e)
    return usage.finish()


@pytest.mark.parametrize("name", NAMES)
def test_named_context_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    main_dir = make_tree(tmp_path / "ctx", case["ctx"])
    names = list(case["named"])
    for i, files in enumerate(case["named"].values()):
        make_tree(tmp_path / f"named{i}", files)
    for i, n in enumerate(names):
        u = _usage(tmp_path / f"named{i}", case["dockerfile"], names, n)
        want = case["expect"][n]
        got = {
            "whole": u.whole_context,
            "transfer": [u.transfer.files, u.transfer.bytes],
            "image": u.image_files,
            "errors": sorted(p.kind for p in u.problems if p.kind in ("ignored", "missing", "invalid")),
        }
        assert got == want, f"{name}: named context {n}"
    main = _usage(main_dir, case["dockerfile"], names, "")
    assert [main.transfer.files, main.transfer.bytes] == case["main"]["transfer"]
    assert main.image_files == case["main"]["image"]


def test_the_ignored_source_names_the_named_context(tmp_path: Path) -> None:
    case = CASES["source-excluded-by-the-named-contexts-own-ignore-file"]
    make_tree(tmp_path / "conf", case["named"]["conf"])
    u = _usage(tmp_path / "conf", case["dockerfile"], ["conf"], "conf")
    (problem,) = [p for p in u.problems if p.kind == "ignored"]
    assert "excluded by the ignore file of named context conf" in problem.message and problem.line == 2
