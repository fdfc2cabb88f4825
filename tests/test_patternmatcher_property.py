"""Property-based comparison with the real Go moby/patternmatcher.

Runs when Go and Debian's golang-github-moby-patternmatcher-dev are present
(``tests/gohelper/build.sh`` builds the helper); skipped with that reason
otherwise. ``.ci/run`` installs both when it can.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctxaudit.engine.matcher import Matcher
from ctxaudit.engine.pattern import DockerIgnorePattern, PatternError

HELPER_SRC = Path(__file__).resolve().parent / "gohelper"


@pytest.fixture(scope="module")
def go() -> Iterator[subprocess.Popen[str]]:
    out = Path(tempfile.gettempdir()) / "ctxaudit-gohelper"
    built = subprocess.run([str(HELPER_SRC / "build.sh"), str(out)], capture_output=True)
    if built.returncode != 0:
        pytest.skip(
            "Go or moby/patternmatcher missing: apt-get install golang-go golang-github-moby-patternmatcher-dev"
        )
    proc = subprocess.Popen([str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    yield proc
    proc.kill()


def ask(proc: subprocess.Popen[str], lines: list[str], paths: list[str]) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"lines": lines, "paths": paths}) + "\n")
    proc.stdin.flush()
    answer: dict[str, Any] = json.loads(proc.stdout.readline())
    return answer


def ours(lines: list[str], paths: list[str]) -> dict[str, Any]:
    try:
        pats = [DockerIgnorePattern(line) for line in lines]
    except PatternError:
        return {"error": True}
    m = Matcher(pats)
    decisions = []
    for path in paths:
        d: dict[str, bool | None] = {}
        try:
            d["or_parent"] = m.or_parent_matches(path).matched
        except PatternError:
            d["or_parent"] = None
        try:
            *_, (_, dec) = m.along(path)  # the walks' path-by-path decisions
            d["parent_results"] = dec.matched
        except PatternError:
            d["parent_results"] = None
        decisions.append(d)
    return {"decisions": decisions}


def normalized(go_answer: dict[str, Any]) -> dict[str, Any]:
    if "error" in go_answer:
        return {"error": True}
    return {
        "decisions": [
            {"or_parent": d.get("or_parent"), "parent_results": d.get("parent_results")}
            for d in go_answer.get("decisions") or []
        ]
    }


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
def test_decisions_match_go(go: subprocess.Popen[str], lines: list[str], paths: list[str]) -> None:
    assert ours(lines, paths) == normalized(ask(go, lines, paths))


@pytest.mark.parametrize(
    "lines,paths",
    [
        (["a", "!a/c", "a"], ["a/c", "a/b"]),
        (["build", "!**/keep.txt"], ["build/keep.txt", "build/x"]),
        (["**foo"], ["barfoo", "a/xfoo", "foo"]),
        (["[!x]*"], ["!a", "xa", "ya"]),
        (["docs\\guide.md"], ["docs/guide.md"]),
        (["*.log", "!docs\\guide.md"], ["a.txt", "b.log"]),
    ],
)
def test_known_traps_match_go(go: subprocess.Popen[str], lines: list[str], paths: list[str]) -> None:
    assert ours(lines, paths) == normalized(ask(go, lines, paths))
