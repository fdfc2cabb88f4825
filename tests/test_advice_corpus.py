"""suggest --write and init never break the corpus's builds (tests/advice, recorded on the engine).

Each case is a small context where a careless line breaks the build or
takes source out of the image (issue 12's classes). The goldens hold what
the engine built before and after ``suggest --write`` and ``init``; here,
without Docker: the engine's record keeps the promises (every build still
works, the image loses only unmistakable junk, the case's expectations
hold), ctxaudit still writes exactly the lines the engine built with, and
its own view of the context and the image after the write is the engine's.
Re-record with ``python tests/advice/record.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "advice"))

import advharness

from ctxaudit.cli import main

NAMES = advharness.names()


def test_the_corpus_covers_the_classes() -> None:
    assert len(NAMES) >= 8
    for name in NAMES:
        assert (advharness.GOLDEN / f"{name}.json").exists(), f"{name}: record it with tests/advice/record.py"


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_record_keeps_the_promises(name: str) -> None:
    assert advharness.problems(name) == []


@pytest.mark.parametrize("stage", ["after_suggest", "after_init"])
@pytest.mark.parametrize("name", NAMES)
def test_ctxaudit_writes_what_the_engine_built_and_sees_what_it_saw(name: str, stage: str, tmp_path: Path) -> None:
    case, g = advharness.load(name), advharness.golden(name)
    ctx = advharness.materialize(case, tmp_path / "ctx")
    lines = advharness.apply_suggest(ctx) if stage == "after_suggest" else advharness.apply_init(ctx)
    assert lines == g[stage]["lines"], "the lines changed: re-record the case on the engine"
    # ctxaudit follows the current BuildKit walk; the engine's 0.8 differs only with wildcard '!' lines
    assert advharness.ctxaudit_context(ctx) == g[stage]["context_current_buildkit"]
    if not any(ln.startswith("!") and any(c in ln for c in "*?[") for ln in lines):
        assert g[stage]["context"] == g[stage]["context_current_buildkit"]
    engine_image = {p: s for p, s in g[stage]["buildkit"]["image"]}
    ours = {p: s for p, s in advharness.ctxaudit_image(ctx)}
    # ctxaudit predicts every file COPY brings; the engine's image also holds what a RUN made
    assert ours.items() <= engine_image.items()
    assert set(engine_image) - set(ours) <= set(case.get("run_outputs", []))


@pytest.mark.parametrize("name", NAMES)
def test_lint_has_nothing_to_say_about_a_fresh_starter(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = advharness.materialize(advharness.load(name), tmp_path / "ctx")
    advharness.apply_init(ctx)
    main(["lint", str(ctx), "-o", "json"])
    out = capsys.readouterr().out
    assert '"CA205"' not in out and '"CA206"' not in out


def test_what_suggest_holds_back_and_why(tmp_path: Path) -> None:
    plan = advharness.plan_of(advharness.materialize(advharness.load("user-exceptions"), tmp_path / "a"))
    held = {c.line: c for c in plan.held_back}
    assert held[".git"].status == "held" and "'!.git' re-includes it" in held[".git"].why
    assert held["**/.npmrc"].status == "held" and "'!frontend/.npmrc'" in held["**/.npmrc"].why
    plan = advharness.plan_of(advharness.materialize(advharness.load("bind-mount"), tmp_path / "b"))
    assert {c.line: c.why for c in plan.held_back}[".git"].startswith("RUN --mount=type=bind,source=.git (line 5)")
    plan = advharness.plan_of(advharness.materialize(advharness.load("generic-names"), tmp_path / "c"))
    review = {c.line: c for c in plan.held_back}
    assert review["**/export"].status == "review" and review["**/export"].files == 1
    assert "COPY . (line 4) takes the whole context" in review["**/export"].why
    # moby/term's '.*' matches only what its own '!' lines re-include: git ignores nothing, no line is shown
    plan = advharness.plan_of(advharness.materialize(advharness.load("gitignore-nested-negation"), tmp_path / "d"))
    assert [c.line for c in plan.held_back] == []
    assert {c.line: c.files for c in plan.candidates} == {"web/static/*": 1}


@pytest.mark.parametrize("name", [n for n in NAMES if "suggest_review" in advharness.load(n).get("expect", {})])
def test_the_lines_for_review_are_shown_not_written(name: str, tmp_path: Path) -> None:
    """What the case expects held back for review is in suggest's review list, with its size."""
    case = advharness.load(name)
    plan = advharness.plan_of(advharness.materialize(case, tmp_path / "ctx"))
    review = {c.line: c for c in plan.held_back if c.status == "review"}
    written = {c.line for c in plan.candidates}
    for line in case["expect"]["suggest_review"]:
        assert line in review, (line, sorted(review))
        assert line not in written
        assert review[line].files > 0 and review[line].bytes > 0
