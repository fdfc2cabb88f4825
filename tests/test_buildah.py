"""The buildah profile piece by piece: reading, matching, selection, podman-remote, CLI.

The end-to-end proof is tests/test_buildah_golden.py (real buildah and podman);
these pin down each rule from buildah's, imagebuilder's, storage's and
podman's source, one behaviour per test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import make_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from ctxaudit.cli import main
from ctxaudit.engine import containers
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.ignorefile import parse
from ctxaudit.engine.pattern import DockerIgnorePattern, PatternError
from ctxaudit.engine.podman import excludes, remote_transfer
from ctxaudit.engine.walk import walk


def bp(line: str) -> containers.BuildahPattern:
    return containers.BuildahPattern(line)


def sent(root: Path, builder: Builder = Builder.BUILDAH, **kw: object) -> list[str]:
    ctx = open_context(root, None, builder, **kw)  # type: ignore[arg-type]
    return [e.path for e in walk(ctx) if e.sent and e.is_file]


# -- reading (imagebuilder ParseIgnore + storage NewPatternMatcher) -----------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("#a.txt", None),  # comment: '#' is the first byte
        ("  #a.txt", ("#a.txt", False)),  # indented: a pattern
        ("/a.txt/", ("a.txt", False)),  # '/' trimmed from both ends
        ("  /a.txt", ("/a.txt", False)),  # trimmed before the spaces go: never matches
        ("sub/  ", ("sub", False)),
        ("!/a.txt", ("a.txt", True)),  # one leading '/' dropped after '!'
        ("! a.txt", (" a.txt", True)),  # the space stays: never re-includes a.txt
        ("a.txt\r", ("a.txt", False)),  # CRLF: the \r goes with the whitespace
        ("/", None),
        ("", None),
        ("\ufeff#b.txt", ("\ufeff#b.txt", False)),  # a BOM is not stripped: not a comment
    ],
)
def test_lines_are_read_as_buildah_reads_them(line: str, expected: tuple[str, bool] | None) -> None:
    assert containers.parse_line(line) == expected


def test_a_lone_bang_and_a_bad_glob_are_errors() -> None:
    with pytest.raises(PatternError, match="illegal exclusion"):
        containers.parse_line("!")
    with pytest.raises(PatternError, match="syntax error"):
        containers.parse_line("data/[abc")


def test_the_file_is_split_on_newlines_only_and_keeps_a_bom() -> None:
    pats = parse(b"\xef\xbb\xbf#b.txt\n\na.txt\r\n# c\n", "x", buildah=True)
    assert [(p.text, p.line) for p in pats] == [("\ufeff#b.txt", 1), ("a.txt", 3)]
    # Docker drops the BOM of line one, so the same line is a comment there.
    assert [p.text for p in parse(b"\xef\xbb\xbf#b.txt\n", "x") if p.include is not None] == []


# -- matching (storage's old Pattern.compile and Matches) ---------------------


@pytest.mark.parametrize(
    ("pattern", "regexp"),
    [
        ("*.csv", r"^[^/]*\.csv(/.*)?$"),
        ("**/x", r"^(.*/)?x(/.*)?$"),
        ("a/**", r"^a/.*(/.*)?$"),
        ("**foo", r"^(.*/)?foo(/.*)?$"),
        ("(a|b)+$", r"^(a|b)+\$(/.*)?$"),
        ("\\*x", r"^\*x(/.*)?$"),
        ("\ufeffa.txt", r"^a\.txt(/.*)?$"),
    ],
)
def test_glob_to_regexp_escapes_only_dot_and_dollar(pattern: str, regexp: str) -> None:
    assert containers.storage_regex(pattern) == regexp


def test_go_searches_so_an_alternation_matches_anywhere() -> None:
    p = bp("a|b.txt")
    assert p.matches("abc") and p.matches("b.txt") and p.matches("sub/xb.txt")
    assert not p.matches("c.txt")
    # Docker reads the same line literally.
    assert not DockerIgnorePattern("a|b.txt").matches("abc")


def test_doublestar_prefix_is_not_a_suffix_match() -> None:
    assert bp("**foo").matches("x/foo") and not bp("**foo").matches("barfoo")
    assert DockerIgnorePattern("**foo").matches("barfoo")


def test_a_pattern_matches_everything_below_what_it_matches() -> None:
    assert bp("*.csv").matches("data.csv/x") and not bp("*.csv").matches("d/x.csv")


def test_a_regexp_go_rejects_fails_on_first_use() -> None:
    p = bp("a(b")
    assert p.deferred_error is not None
    m = containers.BuildahMatcher([bp("x"), p])
    with pytest.raises(PatternError):
        m.decide("anything")


def test_the_last_matching_line_decides_without_parent_results() -> None:
    m = containers.BuildahMatcher([bp("build"), bp("!build/keep.txt"), bp("build")])
    assert m.decide("build/keep.txt").matched  # Docker's walks send it (parent results)
    m = containers.BuildahMatcher([bp("*.txt"), bp("!a.txt")])
    d = m.decide("a.txt")
    assert not d.matched and d.rule == 1


def test_an_excluded_directory_is_entered_on_a_string_prefix() -> None:
    m = containers.BuildahMatcher([bp("b"), bp("bu"), bp("!b*/keep.txt")])
    assert m.enters("b") and not m.enters("bu")
    assert not containers.BuildahMatcher([bp("b")]).enters("b")


def test_walk_prunes_like_the_copier(tmp_path: Path) -> None:
    make_tree(tmp_path, {"b/keep.txt": "1", "bu/keep.txt": "2", "build/keep.txt": "3", "x": "4"})
    (tmp_path / ".dockerignore").write_text("b\nbu\nbuild\n!b*/keep.txt\n")
    assert sent(tmp_path) == [".dockerignore", "b/keep.txt", "x"]
    # BuildKit walks every excluded directory for a wildcard exception.
    assert sent(tmp_path, Builder.BUILDKIT) == [".dockerignore", "b/keep.txt", "bu/keep.txt", "build/keep.txt", "x"]


def test_lines_read_for_another_builder_are_compiled_again() -> None:
    docker = [DockerIgnorePattern("! a.txt", line=2)]
    (again,) = containers.for_builder(docker, True)
    assert isinstance(again, containers.BuildahPattern) and again.text == " a.txt" and again.line == 2
    assert containers.for_builder([bp("c++")], False)[0].matches("c++")


def test_a_line_is_read_once_per_dialect() -> None:
    # lint walks the lines under every builder and checks each: one compilation each.
    docker = [DockerIgnorePattern("a*", line=1), DockerIgnorePattern("b(", line=2)]
    first = containers.for_builder(docker, True)
    assert [q.text for q in first] == ["a*", "b("]
    assert all(x is y for x, y in zip(first, containers.for_builder(docker, True), strict=True))
    assert containers.reread(docker[1])[0] is first[1] and first[1].deferred_error is not None
    back = containers.for_builder(first, False)  # and back: read from the same characters
    assert [q.text for q in back] == ["a*", "b("] and back[0] is containers.reread(first[0])[0]


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("a/b.txt", ("a/b.txt", "a/b.txt", False)),
        ("*.log", ("", ".log", True)),
        ("**/x", ("", "x", True)),  # the "/" of "**/" is the wildcard's: x itself matches
        ("a**b", ("a", "b", True)),
        ("build/**", ("build/", "", True)),
        ("d/?x*y.z", ("d/", "y.z", True)),
        ("\ufeffab*", ("ab", "", True)),  # the BOM is skipped, as text/scanner does
        ("a$.b", ("a$.b", "a$.b", False)),  # $ and . are escaped: literals
        ("(a|b)", None),
        ("a+", None),
        ("\\x", None),
        ("[ab]*", None),
        ("x^", None),
        ("a\udcff", None),  # an invalid byte is U+FFFD for Go
        ("a\ufffd", None),
    ],
)
def test_literal_bounds_of_buildah_lines(text: str, bounds: tuple[str, str, bool] | None) -> None:
    assert containers.literal_bounds(text) == bounds


def test_a_long_ignore_file_decides_through_the_line_index() -> None:
    lines = [bp(f"src/gen{i}.py") for i in range(100)] + [bp("build"), bp("!build/keep*"), bp("**/*.tmp")]
    m = containers.BuildahMatcher(lines)
    assert m._lines is not None and m.shortcut(0)[0] is None
    assert m.decide("src/gen7.py") == (True, 0, 7)
    assert m.decide("src/gen7.py/below") == (True, 0, 7)  # "(/.*)?": what it names and below
    assert m.decide("src/gen7.pyx") == (False, 0, None)
    assert m.decide("build/keep.txt") == (False, 0, 101)
    assert m.decide("build/keep.tmp") == (True, 0, 102)
    assert m.decide("build/other") == (True, 0, 100)
    assert m.enters("build") and m.enters("buil") and not m.enters("build/x")


BUILDAH_GLOB = st.lists(
    st.sampled_from(["a", "b", ".", "/", "*", "**", "?", "**/", "é", "\n", "\udcff", "\ufffd", "$", "+", "(", "|"]),
    min_size=1,
    max_size=7,
).map("".join)
BUILDAH_PATH = st.lists(
    st.sampled_from(["a", "b", "ab", ".", "/", "é", "\n", "\udcff", "\ufffd", "$", "+", "|", "x"]),
    max_size=9,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.booleans(),
            BUILDAH_GLOB | st.sampled_from(["a", "a/b", "**a", "a**", "(a|b)*", "a|*", "\\.x", "[ab]*", "\ufeffa*"]),
        ),
        min_size=1,
        max_size=8,
    ),
    path=BUILDAH_PATH,
)
def test_the_line_index_of_long_ignore_files_decides_as_every_line_for_buildah(
    lines: list[tuple[bool, str]], path: str
) -> None:
    # Past _REGEX_LINES lines a path tries only the lines whose literal bounds one of
    # its parts has (containers._LineIndex): every decision is the one of trying every
    # line, last first, and so is every decision along the path.
    pats = []
    for exclusion, line in lines:
        try:
            pats.append(containers.BuildahPattern(("!" if exclusion else "") + line))
        except PatternError:
            continue
    every = containers.BuildahMatcher(pats)
    if every._error is not None or not every.patterns:
        return
    assert every._lines is None
    indexed = containers.BuildahMatcher(pats)
    indexed._lines = containers._LineIndex(indexed.patterns)
    assert indexed.decide(path) == every.decide(path), (lines, path)
    assert list(indexed.along(path)) == list(every.along(path))
    for n in range(len(path) + 1):
        assert indexed.enters(path[:n]) == any(s.startswith(path[:n]) for s in every._specs)


@pytest.mark.parametrize("path", ["c++/x.h", "a (copy).txt", "{x}|y", "q?[1]^", "#n", "!b"])
def test_escaped_lines_match_the_path_for_every_builder(path: str) -> None:
    line = containers.escape(path)
    assert DockerIgnorePattern(line).matches(path) and bp(line).matches(path)
    assert not bp(line).matches(path + "x")


# -- which file -----------------------------------------------------------------


def test_context_containerignore_beats_dockerignore_even_empty(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.txt": "a", "b.txt": "b", ".dockerignore": "a.txt\n", ".containerignore": ""})
    assert "a.txt" in sent(tmp_path)
    assert "a.txt" not in sent(tmp_path, Builder.BUILDKIT)  # Docker never reads .containerignore


def test_beside_the_containerfile_dockerignore_beats_containerignore(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "a.txt": "a",
            "b.txt": "b",
            ".containerignore": "x\n",
            "df/Dockerfile": "FROM scratch\n",
            "df/Dockerfile.containerignore": "a.txt\n",
            "df/Dockerfile.dockerignore": "b.txt\n",
        },
    )
    ctx = open_context(tmp_path, tmp_path / "df" / "Dockerfile", Builder.BUILDAH)
    assert ctx.ignore.display == "df/Dockerfile.dockerignore"


def test_a_relative_dockerfile_is_looked_up_in_the_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx_dir = make_tree(tmp_path / "ctx", {"a.txt": "a", "df/Dockerfile.dockerignore": "a.txt\n"})
    make_tree(tmp_path, {"df/Dockerfile": "FROM scratch\n"})
    monkeypatch.chdir(tmp_path)
    ctx = open_context(Path("ctx"), Path("df/Dockerfile"), Builder.BUILDAH)
    # buildah opened ./df/Dockerfile but looks for ctx/df/Dockerfile.dockerignore.
    assert ctx.dockerfile == tmp_path / "df" / "Dockerfile"
    assert ctx.ignore.path == ctx_dir / "df" / "Dockerfile.dockerignore"


def test_containerfile_is_discovered_first(tmp_path: Path) -> None:
    make_tree(tmp_path, {"Containerfile": "FROM scratch\n", "Dockerfile": "FROM x\n", "Dockerfile.dockerignore": "a\n"})
    ctx = open_context(tmp_path, None, Builder.BUILDAH)
    assert ctx.dockerfile is not None and ctx.dockerfile.name == "Containerfile"
    assert ctx.ignore.path is None


def test_an_ignore_file_symlink_cannot_leave_the_context(tmp_path: Path) -> None:
    make_tree(tmp_path, {"outside.ignore": "a.txt\n", "ctx/a.txt": "a"})
    os.symlink("../outside.ignore", tmp_path / "ctx" / ".dockerignore")
    # buildah >= 1.29 resolves it inside the context: nothing there, nothing excluded.
    assert "a.txt" in sent(tmp_path / "ctx")
    assert containers.secure_join(str(tmp_path / "ctx"), ".dockerignore") == str(tmp_path / "ctx" / "outside.ignore")


def test_ignorefile_replaces_the_lookup_and_is_buildah_only(tmp_path: Path) -> None:
    make_tree(tmp_path, {"ctx/a.txt": "a", "ctx/b.txt": "b", "ctx/.dockerignore": "a.txt\n", "x.ignore": "b.txt\n"})
    assert sent(tmp_path / "ctx", ignorefile=tmp_path / "x.ignore") == [".dockerignore", "a.txt"]
    with pytest.raises(Exception, match="--ignorefile is a buildah/podman option"):
        open_context(tmp_path / "ctx", None, Builder.BUILDKIT, ignorefile=tmp_path / "x.ignore")


# -- podman --remote ------------------------------------------------------------


def test_remote_client_reads_the_context_file_first_and_always_sends_build_files(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /x/\n",
            "Dockerfile.dockerignore": "b.txt\n",
            ".dockerignore": "*\n",
            "a.txt": "a",
            "b.txt": "b",
        },
    )
    ctx = open_context(tmp_path, tmp_path / "Dockerfile", Builder.BUILDAH)
    assert ctx.ignore.display == "Dockerfile.dockerignore"  # local buildah
    lines, path = excludes(ctx)
    assert path == tmp_path / ".dockerignore" and lines[0] == "*"  # the remote client
    r = remote_transfer(ctx, keep=True)
    names = sorted(m[0] for m in r.members)
    assert names == [".dockerignore", "Dockerfile", "Dockerfile.dockerignore"]
    assert r.tar_bytes == 3 * 512 + 512 + 512 + 512 + 1024  # three headers, three data blocks, end


def test_remote_tar_never_skips_a_directory_and_drops_special_files(tmp_path: Path) -> None:
    make_tree(tmp_path, {"build/keep.txt": "k", "build/x": "x", ".dockerignore": "build\n!**/keep.txt\n"})
    os.mkfifo(tmp_path / "fifo")
    r = remote_transfer(open_context(tmp_path, None, Builder.BUILDAH), keep=True)
    assert [m[0] for m in r.members] == [".dockerignore", "build/keep.txt"]
    assert "build/keep.txt" not in sent(tmp_path)  # while COPY . prunes build/


def test_remote_falls_back_when_ignorefile_has_no_line(tmp_path: Path) -> None:
    make_tree(tmp_path, {"ctx/a.txt": "a", "ctx/.dockerignore": "a.txt\n", "empty.ignore": "# nothing\n"})
    ctx = open_context(tmp_path / "ctx", None, Builder.BUILDAH, ignorefile=tmp_path / "empty.ignore")
    assert "a.txt" in sent(tmp_path / "ctx", ignorefile=tmp_path / "empty.ignore")
    assert "a.txt" not in [m[0] for m in remote_transfer(ctx, keep=True).members]


# -- the command line --------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_podman_is_an_alias_and_a_typo_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"a.txt": "a", "Containerfile": "FROM scratch\nCOPY a.txt /\n"})
    code, out, _ = run(capsys, "scan", str(tmp_path), "-b", "podman", "-o", "json", "--no-suggest")
    doc = json.loads(out)
    assert code == 0 and doc["builder"] == "buildah" and doc["dockerfile"].endswith("Containerfile")
    transfer = doc["transfer"]
    assert transfer["local"] is True and transfer["files"] == 1
    assert transfer["remote"]["tar_bytes"] == 2 * 1024 + 1024 and transfer["remote"]["error"] is None
    code, _, err = run(capsys, "ls", str(tmp_path), "-b", "bildah")
    assert code == 2 and "buildkit, legacy, buildah, podman" in err


def test_ignorefile_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"ctx/a.txt": "a", "ctx/b.txt": "b", "x.ignore": "b.txt\n"})
    code, out, _ = run(capsys, "ls", str(tmp_path / "ctx"), "-b", "buildah", "--ignorefile", str(tmp_path / "x.ignore"))
    assert code == 0 and out.split() == ["a.txt"]
    code, _, err = run(capsys, "ls", str(tmp_path / "ctx"), "--ignorefile", str(tmp_path / "x.ignore"))
    assert code == 2 and "--ignorefile is a buildah/podman option" in err
    code, _, err = run(capsys, "ls", str(tmp_path / "ctx"), "-b", "podman", "--ignorefile", str(tmp_path / "nope"))
    assert code == 2 and "nope" in err and "cannot read" in err


def test_settings_accept_podman(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"a.txt": "a", ".containerignore": "a.txt\n", ".ctxaudit.toml": 'builder = "podman"\n'})
    code, out, _ = run(capsys, "ls", str(tmp_path))
    assert code == 0 and "a.txt" not in out.split()


def test_max_transfer_gates_the_remote_tar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"big.bin": 4000, "Dockerfile": "FROM scratch\nCOPY Dockerfile /\n"})
    code, _, err = run(capsys, "scan", str(tmp_path), "-b", "buildah", "--max-transfer", "4KB", "--no-suggest")
    assert code == 1 and "tar podman --remote uploads (before gzip) 6.5 KiB (6,656 bytes)" in err


def test_explain_says_a_named_copy_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"build/keep.txt": "k", ".dockerignore": "build\n!**/keep.txt\n"})
    code, out, _ = run(capsys, "explain", "-C", str(tmp_path), "-b", "podman", "build/keep.txt")
    assert code == 0 and "buildah skips build/" in out and "a COPY that names it copies it" in out


def test_copy_source_under_a_skipped_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "build/keep.txt": "k",
            "build/sub/x": "x",
            ".dockerignore": "build\n!**/keep.txt\n",
            "Dockerfile": "FROM scratch\nCOPY build/keep.txt /a/\nCOPY build/sub /b/\n",
        },
    )
    code, out, _ = run(capsys, "scan", str(tmp_path), "-b", "buildah", "-o", "json", "--no-suggest")
    assert code == 1  # CA300 is an error: scan fails on it by default
    doc = json.loads(out)
    rows = {i["line"]: i for i in doc["dockerfiles"][0]["instructions"]}
    assert rows[2]["files"] == 1  # copied although COPY . never enters build/
    errors = [f for f in doc["findings"] if f["rule"] == "CA300"]
    assert [f["line"] for f in errors] == [3] and "filtered out" in errors[0]["message"]


def test_a_secret_podman_remote_uploads_is_transferred(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            ".env": "AWS_SECRET_ACCESS_KEY=abcd1234abcd1234abcd1234abcd1234abcd1234\n",
            "sub/a": "",
            "Dockerfile": "FROM scratch\nCOPY sub /s\n",
        },
    )
    _, out, _ = run(capsys, "scan", str(tmp_path), "-b", "podman", "-o", "json", "--no-suggest")
    (f,) = [f for f in json.loads(out)["findings"] if f["path"] == ".env"]
    assert f["rule"] == "CA400" and "podman --remote uploads" in f["message"]
    (tmp_path / ".containerignore").write_text(".env\n")  # read by buildah and by podman --remote
    _, out, _ = run(capsys, "scan", str(tmp_path), "-b", "podman", "-o", "json", "--no-suggest")
    assert [f for f in json.loads(out)["findings"] if f["path"] == ".env"] == []


def test_a_compose_build_under_buildah_gates_the_remote_tar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  app:\n    build: ./app\n",
            "app/Dockerfile": "FROM scratch\nCOPY a.txt /\n",
            "app/a.txt": "a",
            "app/big.bin": 5000,
        },
    )
    code, out, err = run(capsys, "scan", str(tmp_path), "-b", "podman", "--max-transfer", "5KB", "--no-suggest")
    assert "tar podman --remote uploads (before gzip)" in out and "buildah's choice" not in out
    assert code == 1 and "transfer 8.5 KiB (8,704 bytes) exceeds --max-transfer" in err
