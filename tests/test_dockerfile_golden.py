"""Dockerfile analysis against builds on a real engine (tests/dockerfile/golden).

For every case: the build fails on the engine exactly when ctxaudit reports
an error; for builds that succeed, the files in the exported image equal the
files ctxaudit says the COPY/ADD instructions bring; BuildKit's printed
'transferring context' figure matches ctxaudit's wire model, and the legacy
CLI's context tar has exactly ctxaudit's size. Re-record with
tests/dockerfile/record.py.
"""

from __future__ import annotations

import dfharness
import pytest


def test_every_recordable_case_has_a_golden() -> None:
    missing = [
        n
        for n in dfharness.names()
        if dfharness.load(n).get("engine") is not False and not (dfharness.GOLDEN / f"{n}.json").exists()
    ]
    assert missing == []
    assert len(dfharness.names()) >= 20


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
@pytest.mark.parametrize("name", dfharness.names())
def test_dockerfile_case(name: str, builder: str) -> None:
    assert dfharness.compare(name, builder) == []


def test_goldens_hold_the_failures_and_transfers_the_issue_names() -> None:
    g = dfharness.golden("copy-ignored-file")
    assert not g["buildkit"]["ok"] and "failed to compute cache key" in g["buildkit"]["error"]
    # The Dockerfile-aware transfer: two referenced paths cost a few hundred
    # bytes where COPY . costs the whole eligible context.
    two = dfharness.golden("two-paths")["buildkit"]["transfer"]
    whole = dfharness.golden("whole-context")["buildkit"]["transfer"]
    assert two.endswith("B") and not two.endswith("kB") and int(two[:-1]) < 1000
    assert whole.endswith("kB") and float(whole[:-2]) > 5
    unused = dfharness.golden("unused-stage")
    assert unused["buildkit"]["ok"] and not unused["legacy"]["ok"]


SUGGESTED = [
    n for n in dfharness.names() if (dfharness.GOLDEN / f"{n}.json").exists() and "after_suggest" in dfharness.golden(n)
]


def test_suggest_was_checked_on_the_sample_contexts() -> None:
    assert {"sample-pandas", "sample-node", "sample-clean-api"} <= set(SUGGESTED)
    assert len(SUGGESTED) >= 20


@pytest.mark.parametrize("name", SUGGESTED)
def test_after_suggest_the_engine_still_builds_and_sends_less(name: str) -> None:
    """The lines ctxaudit proposes now are the lines the engine built with:
    BuildKit still succeeds and the legacy context tar shrinks (exactly as
    ctxaudit computes it)."""
    assert dfharness.compare_suggest(name) == []
