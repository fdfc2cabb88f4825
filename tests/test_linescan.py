"""MatchedLines (dead-line detection by lookup) answers as trying every line on every path."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ctxaudit.engine.pattern import DockerIgnorePattern, PatternError
from ctxaudit.rules.linescan import MatchedLines, literal_bounds

LINES = [
    "a",
    "a/b",
    "a/**",
    "a**",
    "**",
    "**/b",
    "**b",
    "**/*.log",
    "*.log",
    "a/*/c",
    "a/**/c",
    "a/**/*.py",
    "?.txt",
    "a/b?/c*",
    "*",
    "*/",
    "b*/**",
    "x[ab]y",
    "x\\*y",
    "a|b*",
    "a{2}*",
    "**/[!x]*",
    "!a/b",
    "!**/keep.txt",
    "c.d",
    "dir/sub/",
]
PATHS = [
    "a",
    "a/b",
    "a/b/c",
    "ab",
    "b",
    "x/b",
    "xb",
    "x.log",
    "d/x.log",
    "a/x/c",
    "a/x/y/c",
    "a/q.py",
    "a/r/s.py",
    "1.txt",
    "12.txt",
    "a/b1/cat",
    "bb/z",
    "xay",
    "x*y",
    "aab",
    "keep.txt",
    "q/keep.txt",
    "c.d",
    "cxd",
    "dir/sub",
    "!x",
]


def brute(lines: list[DockerIgnorePattern], paths: list[str]) -> set[int]:
    pending = {i for i, p in enumerate(lines) if p.deferred_error is None}
    for path in paths:
        pending -= {i for i in pending if lines[i].matches(path)}
    return pending


def scanned(lines: list[DockerIgnorePattern], paths: list[str]) -> set[int]:
    m = MatchedLines(lines, (i for i, p in enumerate(lines) if p.deferred_error is None))
    for path in paths:
        m.see(path)
    return m.pending


def test_every_shape_against_every_path() -> None:
    lines = [DockerIgnorePattern(t) for t in LINES]
    for path in PATHS:
        assert scanned(lines, [path]) == brute(lines, [path]), path
    rng = random.Random(7)
    for _ in range(200):
        paths = rng.sample(PATHS, rng.randint(0, len(PATHS)))
        assert scanned(lines, paths) == brute(lines, paths)


def test_many_lines_found_after_many_matches() -> None:
    # enough matches to trigger the periodic clean-up of the lookup tables
    lines = [DockerIgnorePattern(f"build/out{i}/**") for i in range(300)]
    lines += [DockerIgnorePattern(f"**/*.ext{i}") for i in range(300)]
    paths = [f"build/out{i}/x" for i in range(0, 300, 2)] + [f"d/f.ext{i}" for i in range(1, 300, 2)]
    assert scanned(lines, paths) == brute(lines, paths)


def test_screened_lines_against_every_path() -> None:
    # Lines with a literal head or tail only: see() screens every path with
    # startswith/endswith first, and rebuilds the screen as lines match.
    lines = [p for p in map(DockerIgnorePattern, LINES) if any(literal_bounds(p))]
    assert "" not in MatchedLines(lines, range(len(lines))).starts
    rng = random.Random(11)
    deeper = PATHS + ["q/" + x for x in PATHS] + [x + "/z" for x in PATHS]
    for _ in range(300):
        paths = rng.sample(deeper, rng.randint(0, len(deeper)))
        assert scanned(lines, paths) == brute(lines, paths)


_ALPHABET = st.sampled_from(["a", "b", "/", "*", "**", "?", ".", "[ab]", "\\*", "!", "x"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_ALPHABET, min_size=1, max_size=6).map("".join), min_size=1, max_size=6),
    st.lists(st.lists(st.sampled_from(["a", "b", "x", ".", "/", "ab", "*"]), max_size=6).map("".join), max_size=8),
)
def test_generated_lines_and_paths(texts: list[str], raw_paths: list[str]) -> None:
    lines = []
    for t in texts:
        try:
            lines.append(DockerIgnorePattern(t))
        except PatternError:
            continue
    paths = [p.strip("/") for p in raw_paths if p.strip("/")]
    assert scanned(lines, paths) == brute(lines, paths)


def test_literal_bounds_hold_for_every_matching_path() -> None:
    for text in LINES:
        p = DockerIgnorePattern(text)
        head, tail = literal_bounds(p)
        for path in PATHS + ["q/" + x for x in PATHS]:
            if p.matches(path):
                assert path.startswith(head) and path.endswith(tail), (text, path)
