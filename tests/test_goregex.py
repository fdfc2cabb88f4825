"""Go's regexp on RE2 (ctxaudit.engine.goregex) and the pattern compiler's fast paths."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctxaudit.engine import goregex
from ctxaudit.engine.matcher import Matcher, _LineIndex, _LiteralBounds, may_match
from ctxaudit.engine.pattern import DockerIgnorePattern, MatchType, PatternError, compile_pattern


def test_search_is_go_matchstring() -> None:
    # The low-level Match of the binding (pinned google-re2 <2) still works.
    r = goregex.Regexp("^[^/]*\\.log|[^/]*\\.tmp$")
    assert r.search("a.logx") and r.search("d/e.tmp") and not r.search("d/f.log")


@pytest.mark.parametrize(
    "expr,error",
    [
        ("^a{1001}$", "repetition size"),
        ("^\\C$", "escape sequence"),
        ("^[[:foo:]]$", "class"),
        ("^[^/]*{2}$", "repetition"),
    ],
)
def test_compile_errors_are_go_errors(expr: str, error: str) -> None:
    with pytest.raises(goregex.GoRegexError, match=error):
        goregex.Regexp(expr)


def test_c_escape_inside_quotes_is_literal() -> None:
    assert goregex.go_only_error("^\\Q\\C\\E$") is None
    assert goregex.Regexp("^\\Q\\C\\E$").search("\\C")


def test_invalid_bytes_are_one_rune_each() -> None:
    # Go decodes \xe2\x82 (a truncated sequence) as two runes, Python's
    # errors="replace" as one.
    assert goregex.runes(b"\xe2\x82a") == "\ufffd\ufffda"
    assert goregex.Regexp("^[^/][^/]a$").search("\udce2\udc82a")
    assert goregex.Regexp("^\\x{fffd}[^/]*\\.log$").search("\udcffx.log")
    assert goregex.scan("\ufeff*\udcff") == "*\ufffd"
    assert goregex.scan("a\ufeff") == "a\ufeff"  # a BOM is skipped at the start only


def test_missing_binding_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(goregex, "_re2", None)
    monkeypatch.setitem(__import__("sys").modules, "re2", None)
    with pytest.raises(goregex.MissingEngine, match="pip install google-re2"):
        DockerIgnorePattern("\\d*")
    # Lines Docker never turns into a regexp, and linear globs, need no RE2.
    assert DockerIgnorePattern("**/node_modules").matches("a/node_modules")
    assert DockerIgnorePattern("*.log").matches("x.log")


@pytest.mark.parametrize(
    "line,python",
    [
        ("*.log", True),
        ("**/*.pyc", True),
        ("src/**/test_*.py", True),
        ("*/*/*.log", True),
        ("a***b", True),
        ("*_*.csv", False),  # two stars in one name: quadratic backtracking
        ("*?**b", False),
        ("a*b**", False),
        ("**/x/**", False),  # two unbounded runs across directories
        ("[ab]*", True),  # a class of ASCII letters reads the same in Python
        ("**/f[0-9]*.js", True),
        ("[!x]*", True),
        ("[[:alpha:]]*", False),  # POSIX and Perl classes, escapes, | { } go to RE2
        ("[\\d]*", False),
        ("\\d*", False),
        ("*.log|*.tmp", False),
        ("a{2}*", False),
        ("^*", False),
    ],
)
def test_only_linear_globs_use_python_re(line: str, python: bool) -> None:
    assert (compile_pattern(line).python is not None) is python
    assert DockerIgnorePattern(line).uses_re2 is not python


def test_a_reversed_range_is_gos_deferred_error_not_pythons() -> None:
    assert compile_pattern("[z-a]*").python is None
    p = DockerIgnorePattern("[z-a]*")
    assert p.deferred_error is not None
    with pytest.raises(PatternError):
        p.matches("x")


@pytest.mark.parametrize(
    "line,prefix,suffix",
    [
        ("*.log", "", ".log"),
        ("data/*.bin", "data/", ".bin"),
        ("a**/b", "a", "b"),  # the / after ** is eaten: ab matches
        ("[Dd]ocker*", "", ""),
        ("x^*.y", "x", ".y"),
        ("*.log|*.tmp", "", ""),
        ("a{2}*.c", "", ""),
        ("*\\x41", "", ""),
        ("\ufeffab*c", "ab", "c"),
    ],
)
def test_literal_bounds(line: str, prefix: str, suffix: str) -> None:
    c = compile_pattern(line)
    assert (c.prefix, c.suffix) == (prefix, suffix)


@pytest.mark.parametrize("line", ["*a*a*a*a*a*a*a*b", "*_*_*_*.csv", "**/**/**/**/**/x", "?*?*?*?*b"])
def test_pathological_lines_finish_on_long_names(line: str) -> None:
    """Backtracking took seconds to forever here; RE2 is linear (figures:
    benchmarks/bench_patterns.py)."""
    p = DockerIgnorePattern(line)
    assert p.uses_re2
    name = "a" * 255
    deep = "/".join(["d"] * 100)
    for path in (name + "/b", name + "/x.csv", deep + "/ax", "_" * 255 + ".csv"):
        p.matches(path)
    assert DockerIgnorePattern("*a*a*a*a*a*a*a*b").matches("a" * 254 + "b")
    assert not DockerIgnorePattern("*a*a*a*a*a*a*a*b").matches("a" * 254 + "/b")
    assert DockerIgnorePattern("**/**/**/**/**/x").matches(deep + "/x")


CLASSES = ["[ab]", "[!a]", "[^a]", "[a-c]", "[a-]", "[-a]", "[a-b-c]", "[z-a]", "[0-9]", "[^/]", "[/]", "[]a]", "[a^]"]
GLOB = st.lists(
    st.sampled_from(["a", "b", ".", "/", "*", "**", "?", "**/", "é", "\n", "\udcff", "$", "+", *CLASSES]),
    min_size=1,
    max_size=7,
).map("".join)
PATH = st.lists(
    st.sampled_from(["a", "b", "c", "-", "!", "^", "]", "0", ".", "/", "ab", "é", "\n", "\udcff", "\ufffd", "$", "+"]),
    max_size=8,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(line=GLOB, path=PATH)
def test_python_form_and_literal_bounds_agree_with_re2(line: str, path: str) -> None:
    """Where a line has a Python re form it answers as RE2 does, and a path
    RE2 matches always has the line's literal bounds (the walk's pre-check)."""
    c = compile_pattern(line)
    if c.match_type is not MatchType.REGEXP:
        return
    try:
        go = goregex.Regexp(c.regexp).search(path)
    except goregex.GoRegexError:
        assert c.python is None  # Go rejects it: no Python form may accept it
        return
    if c.python is not None:
        assert (re.match(c.python, path) is not None) is go
    if go:
        assert path.startswith(c.prefix) and path.endswith(c.suffix)


@settings(max_examples=2000, deadline=None)
@given(lines=st.lists(GLOB | st.sampled_from(["x[ab]*", "\\d*", "*.{a,b}", "a|*"]), min_size=1, max_size=4), path=PATH)
def test_the_walk_shortcut_never_misses_a_match(lines: list[str], path: str) -> None:
    pats = []
    for line in lines:
        try:
            pats.append(DockerIgnorePattern(line))
        except PatternError:  # filepath.Match rejects it when the file is read
            continue
    pats = [p for p in pats if p.include is not None and p.deferred_error is None]
    quick = may_match(pats)
    if quick is not None and any(p.matches(path) for p in pats):
        assert quick(path)


@settings(max_examples=1000, deadline=None)
@given(lines=st.lists(GLOB | st.sampled_from(["x[ab]*", "\\d*", "*.{a,b}", "a|*"]), min_size=1, max_size=8), path=PATH)
def test_the_shortcut_for_many_lines_answers_as_the_regex(lines: list[str], path: str) -> None:
    # Past _REGEX_LINES lines may_match uses lookups by length: the same literal comparisons.
    pats = []
    for line in lines:
        try:
            pats.append(DockerIgnorePattern(line))
        except PatternError:
            continue
    pats = [p for p in pats if p.include is not None and p.deferred_error is None]
    regex = may_match(pats)
    lookups = _LiteralBounds.of(pats)
    assert (regex is None) == (lookups is None)
    if regex is not None and lookups is not None:
        assert bool(regex(path)) == bool(lookups(path)), (lines, path)


@settings(max_examples=1500, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.booleans(), GLOB | st.sampled_from(["x[ab]*", "\\d*", "*.{a,b}", "a|*", "a", "a/**"])),
        min_size=1,
        max_size=8,
    ),
    path=PATH,
)
def test_the_line_index_of_long_ignore_files_decides_as_every_line(lines: list[tuple[bool, str]], path: str) -> None:
    # Past _REGEX_LINES lines a path tries only the lines whose literal bounds it has
    # (_LineIndex): every decision along the path is the one trying every line gives.
    pats = []
    for exclusion, line in lines:
        try:
            pats.append(DockerIgnorePattern(("!" if exclusion else "") + line))
        except PatternError:
            continue
    every = Matcher(pats)
    if every._lazy_errors:
        return
    indexed = Matcher(pats)
    indexed._index = _LineIndex(indexed.patterns)
    for parent in (None, 0):
        assert indexed.using_parent_results(path, parent) == every.using_parent_results(path, parent)
    assert list(indexed.along(path)) == list(every.along(path))
    assert indexed.matches_one_parent(path) == every.matches_one_parent(path)
