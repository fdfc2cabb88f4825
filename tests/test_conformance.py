"""ctxaudit's listing against goldens recorded from a real Docker engine.

Re-record or re-check live with ``tests/conformance/record.py [--check]``.
"""

from __future__ import annotations

import os

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
