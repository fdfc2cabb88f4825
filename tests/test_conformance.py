"""ctxaudit's listing against goldens recorded from a real Docker engine.

Re-record or re-check live with ``tests/conformance/record.py [--check]``.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import harness
import pytest

NAMES = harness.case_names()


def test_enough_cases_and_every_case_has_a_golden() -> None:
    assert len(NAMES) >= 60
    missing = [n for n in NAMES if not (harness.GOLDEN / f"{n}.json").exists()]
    assert missing == []


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
@pytest.mark.parametrize("name", NAMES)
def test_listing_matches_engine(name: str, builder: str) -> None:
    case = harness.load_case(name)
    if harness.needs_root(case) and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    golden = harness.load_golden(name)
    assert harness.compare(case, golden, builder) == []


def test_oracles_disagree_where_the_readme_says() -> None:
    """The 20.10 engine's BuildKit predates the current walk; the goldens keep both.

    modernwalk must differ from it on the wildcard-exception case (the reason
    the buildkit profile follows modernwalk), and agree on plain cases.
    """
    wild = harness.load_golden("wildcard-exception-in-excluded-dir")
    assert ["build/keep.txt", 5] in wild["modernwalk"]["files"]
    assert ["build/keep.txt", 5] not in wild["engine_buildkit"]["files"]
    assert ["build/keep.txt", 5] not in wild["engine_legacy"]["files"]
    plain = harness.load_golden("guide-ignore")
    assert plain["modernwalk"] == plain["engine_buildkit"]


def _files(ctx: Path) -> list[str]:
    """Regular files and symlinks of a materialized case, '/'-separated (surrogate-escaped)."""
    out = []
    for top, dirs, names in os.walk(ctx):
        for n in names + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            full = os.path.join(top, n)
            if os.path.islink(full) or stat.S_ISREG(os.lstat(full).st_mode):
                out.append(os.path.relpath(full, ctx).replace(os.sep, "/"))
    return sorted(out)


BUILDS = [
    (n, b)
    for n in NAMES
    for b in ("buildkit", "legacy")
    if harness.load_golden(n)[harness.truth_key(harness.load_case(n), b)]["ok"]
]


@pytest.mark.parametrize("name,builder", BUILDS)
def test_explain_agrees_with_engine(name: str, builder: str) -> None:
    """explain's verdict for every file of a case is what the engine sent."""
    from ctxaudit.analysis.explain import explain
    from ctxaudit.common import display
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context

    case = harness.load_case(name)
    truth = harness.load_golden(name)[harness.truth_key(case, builder)]
    if harness.needs_root(case) and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    sent = {path for path, _ in truth["files"]}
    with tempfile.TemporaryDirectory() as tmp:
        ctx, dockerfile = harness.materialize(case, Path(tmp))
        c = open_context(ctx, dockerfile, Builder(builder))
        wrong = []
        for path in _files(ctx):
            e = explain(c, path)
            says = e.sent and not e.removed  # what COPY . sees: the legacy daemon removes some build files
            if says != (display.path(path) in sent):
                wrong.append(f"{path}: explain says {'sent' if says else 'not sent'} ({e.where('.dockerignore')})")
    assert wrong == []
