"""The line index answers exactly what each line's own matcher answers."""

from __future__ import annotations

import itertools
import random

import pytest

from ctxaudit.analysis.lineindex import LineIndex, shape
from ctxaudit.analysis.suggest import literal
from ctxaudit.engine.pattern import DockerIgnorePattern

LINES = [
    "**/node_modules",
    "**/*.log",
    "**/*.tar.gz",
    "**/*",
    "**/*~",
    "web/**/dist",
    "web/**/*.map",
    "build",
    "a/b/c.txt",
    "**/.env.*",
    "*.csv",
    "docs/*.md",
    "**/foo/bar",
    "x/**",
    "**foo",
    "[abc]*.txt",
    "**/te?t",
    "caf\udce9.csv",
    "**/sp ace",
    "a.b/**/c.d",
    r"**/\#hash",
    "**/.git",
]
NAMES = ["node_modules", "x.log", "a.tar.gz", "b.gz", "x~", "~", "dist", "m.map", "build", "c.txt", ".env.prod", ".env"]
NAMES += ["d.csv", "r.md", "foo", "bar", "barfoo", "test", "tent", "caf\udce9.csv", "sp ace", "c.d", "#hash", ".git"]
DIRS = ["", "web", "web/src", "a", "a/b", "docs", "x", "src/foo", "a.b", "deep/er/still"]


def test_every_line_agrees_with_its_pattern_on_every_path() -> None:
    index = LineIndex()
    patterns = {}
    for i, line in enumerate(LINES):
        p = DockerIgnorePattern(line)
        patterns[i] = p
        index.add(i, p)
    for d, name in itertools.product(DIRS, NAMES):
        path = f"{d}/{name}" if d else name
        expected = sorted(i for i, p in patterns.items() if p.matches(path))
        assert sorted(index.matching(path, name)) == expected, path


def test_the_common_shapes_are_looked_up() -> None:
    assert shape(DockerIgnorePattern("**/node_modules")) == ("name", "", "node_modules")
    assert shape(DockerIgnorePattern("web/**/dist")) == ("name", "web", "dist")
    assert shape(DockerIgnorePattern("**/*.log")) == ("suffix", "", ".log")
    assert shape(DockerIgnorePattern("build")) == ("exact", "", "build")
    assert shape(DockerIgnorePattern("**/*.py[cod]")) is None
    assert shape(DockerIgnorePattern("!build")) is None


@pytest.mark.parametrize("seed", range(5))
def test_random_lines_agree(seed: int) -> None:
    rng = random.Random(seed)
    parts = ["a", "b", "*", "?", "**", "x.log", "*.log", "[ab]", "c.txt", "node_modules", ".env"]
    index = LineIndex()
    patterns: dict[int, DockerIgnorePattern] = {}
    for i in range(40):
        line = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
        p = DockerIgnorePattern(line)
        if p.include is None or p.exclusion:
            continue
        patterns[i] = p
        index.add(i, p)
    names = ["a", "b", "x.log", "y.log", "c.txt", "node_modules", ".env", "ab", "q"]
    for _ in range(300):
        path = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        name = path.rpartition("/")[2]
        expected = sorted(i for i, p in patterns.items() if p.matches(path))
        assert sorted(index.matching(path, name)) == expected, (path, [str(patterns[i]) for i in expected])


@pytest.mark.parametrize(
    "path",
    [
        "junk\nsrc",
        "tab\tend\t",
        " lead",
        "trail ",
        "#hash",
        "!bang",
        "star*[x]?",
        "back\\slash",
        "caret^",
        "caf\udce9.csv",
        "caf\udce9 *.csv",
        "nbsp\xa0",
        "line\u2028",
        "del\x7f",
    ],
)
def test_a_literal_line_matches_exactly_its_path(path: str) -> None:
    p = DockerIgnorePattern(literal(path))
    assert p.deferred_error is None
    assert p.matches(path)
    assert "\n" not in literal(path)
    for other in ("junkxsrc", "junk src", "lead", "trail", "hash", "starx", path + "x", "x" + path):
        if other != path:
            assert not p.matches(other), other


@pytest.mark.parametrize(
    "line",
    [*LINES, "web/**/a^b", "**/a^b", "**/*x^y", "a^b", "web/**/*.o", "x\\y", "**/a.b+c", "d/(x)/**/y", "**/*"],
)
def test_the_shape_from_the_text_alone_is_the_shape_of_the_pattern(line: str) -> None:
    from ctxaudit.analysis.lineindex import shape_of_text
    from ctxaudit.engine.pattern import normalize_line

    p = DockerIgnorePattern(line)
    norm = normalize_line(line)
    assert norm is not None
    found = shape_of_text(norm[0])
    assert found == shape(p)
    if found is not None:  # and the lookup answers what the pattern answers
        index = LineIndex()
        index.add_shape(1, found)
        for path in ("web/x/a^b", "a^b", "q/zx^y", "web/m.o", "x\\", "d/(x)/k/y", "a.b+c", "any/thing"):
            assert (index.matching(path, path.rpartition("/")[2]) == [1]) == p.matches(path), path
