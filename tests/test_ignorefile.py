from __future__ import annotations

from pathlib import Path

import pathspec
import pytest

from ctxaudit.engine import ignorefile
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.ignorefile import IgnoreFileError, parse, select
from ctxaudit.engine.pattern import DockerIgnorePattern, MatchType, PatternError, escape, go_regex, normalize_line


def texts(data: bytes) -> list[str]:
    return [str(p) for p in parse(data, ".dockerignore") if p.include is not None]


def test_bom_dropped_on_line_one_only() -> None:
    assert texts(b"\xef\xbb\xbf*.tar\n\xef\xbb\xbf.venv\n") == ["*.tar", "\ufeff.venv"]


def test_crlf_and_missing_final_newline() -> None:
    assert texts(b"*.tar\r\n.venv\r\nbuild") == ["*.tar", ".venv", "build"]


def test_comments_only_in_column_one() -> None:
    assert texts(b"# comment\n  # pattern\nfoo # note\n") == ["# pattern", "foo # note"]


def test_cleaning_and_slashes() -> None:
    assert texts(b"./foo\nfoo/\na//b\n/build\n/\n!/x/\n../up\n") == ["foo", "foo", "a/b", "build", "/", "!x", "../up"]


def test_exclusion_is_trimmed_again() -> None:
    assert texts(b"!  spaced  \n") == ["!spaced"]


def test_line_numbers_count_comments_and_blanks() -> None:
    pats = [p for p in parse(b"# c\n\n*.tar\n", "f") if p.include is not None]
    assert pats[0].line == 3


@pytest.mark.parametrize("line", ["!", "! ", "!/"])
def test_lone_bang_is_an_error(line: str) -> None:
    with pytest.raises(IgnoreFileError) as err:
        parse(f"*.tar\n{line}\n".encode(), ".dockerignore")
    assert err.value.line == 2
    assert "illegal exclusion" in str(err.value)


def test_syntax_error_names_file_line_and_pattern() -> None:
    with pytest.raises(IgnoreFileError) as err:
        parse(b"ok\ndata/[abc\n", "app.Dockerfile.dockerignore")
    assert str(err.value) == "app.Dockerfile.dockerignore:2: pattern 'data/[abc': syntax error in pattern"


def test_line_longer_than_go_scanner_buffer_is_an_error() -> None:
    with pytest.raises(IgnoreFileError, match="too long"):
        parse(b"a" * 70000 + b"\n", ".dockerignore")
    assert texts(b"a" * 65535 + b"\n") == ["a" * 65535]


def test_bad_regexp_escape_is_deferred_like_go() -> None:
    (pat,) = parse(b"docs\\guide.md\n", ".dockerignore")
    assert pat.deferred_error is not None
    with pytest.raises(PatternError):
        pat.matches("docs/guide.md")


def test_unicode_classes_are_go_regexp() -> None:
    (pat,) = parse(b"\\pL*\n", ".dockerignore")
    assert pat.matches("\u00e9t\u00e9.txt") and pat.matches("x")
    assert not pat.matches("1.txt") and not pat.matches("d/x")
    assert DockerIgnorePattern("\\p{Greek}*").matches("\u03bb.md")


def test_regexp_too_large_for_re2_is_reported_at_read_time() -> None:
    # Go compiles it (a class is one instruction there); RE2 expands \pL
    # into UTF-8 byte ranges and exceeds its memory budget.
    with pytest.raises(IgnoreFileError, match="not supported by ctxaudit"):
        parse(b"\\pL{1000}" * 5 + b"\n", ".dockerignore")


def test_match_types_follow_patternmatcher() -> None:
    assert go_regex("foo")[0] is MatchType.EXACT
    assert go_regex("foo/**")[0] is MatchType.PREFIX
    assert go_regex("**/foo")[0] is MatchType.SUFFIX
    assert go_regex("**foo")[0] is MatchType.SUFFIX
    assert go_regex("*.csv") == (MatchType.REGEXP, "^[^/]*\\.csv$")
    assert go_regex("a/**/b") == (MatchType.REGEXP, "^a/(.*/)?b$")


def test_suffix_match_is_not_the_regexp() -> None:
    p = DockerIgnorePattern("**foo")
    assert p.matches("barfoo") and p.matches("a/xfoo") and p.matches("foo")
    assert DockerIgnorePattern("**/foo").matches("foo")
    assert not DockerIgnorePattern("**/foo").matches("xfoo")


def test_class_semantics_are_go_regexp() -> None:
    assert DockerIgnorePattern("[!x]*").matches("!a")
    assert not DockerIgnorePattern("[!x]*").matches("ya")
    assert DockerIgnorePattern("[^x]*").matches("ya")
    assert DockerIgnorePattern("[[:digit:]]*").matches("2024.log")
    assert DockerIgnorePattern("\\d.txt").matches("5.txt")
    assert not DockerIgnorePattern("\\d.txt").matches("d.txt")
    assert DockerIgnorePattern("data[/]raw").matches("data/raw")


def test_registered_with_pathspec() -> None:
    spec = pathspec.PathSpec.from_lines("dockerignore", ["*.csv", "!keep.csv", "# c"])
    assert spec.match_file("a.csv")
    assert not spec.match_file("keep.csv")
    assert not spec.match_file("d/a.csv")


@pytest.mark.parametrize(
    "path", ["plain.txt", "a*b", "[x].txt", "#notes", "!bang", "a^b", "back\\slash", " lead", "q?"]
)
def test_escape_round_trips(path: str) -> None:
    line = escape(path)
    norm = normalize_line(line)
    assert norm is not None
    pat = DockerIgnorePattern(line)
    assert pat.matches(path)
    assert not pat.matches(path + "x")


def test_select_per_dockerfile_file_replaces_root(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("*.tar\n")
    (tmp_path / "app.Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("")
    bk = select(tmp_path, tmp_path / "app.Dockerfile", Builder.BUILDKIT)
    assert bk.display == "app.Dockerfile.dockerignore"
    assert bk.lines == []
    assert bk.shadowed_root == tmp_path / ".dockerignore"
    legacy = select(tmp_path, tmp_path / "app.Dockerfile", Builder.LEGACY)
    assert legacy.display == ".dockerignore"
    assert [str(p) for p in legacy.lines] == ["*.tar"]


def test_select_without_any_ignore_file(tmp_path: Path) -> None:
    ign = select(tmp_path, None, Builder.BUILDKIT)
    assert ign.path is None and ign.lines == []
    assert ignorefile.ROOT_IGNORE == ".dockerignore"
