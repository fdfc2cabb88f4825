"""Each ignore-file lint rule: one context that triggers it, one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main


def lint_ids(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict[str, list[int | None]]:
    import json

    main(["lint", str(root), "-o", "json", "--fail-on", "none", *extra])
    out, _ = capsys.readouterr()
    found: dict[str, list[int | None]] = {}
    for f in json.loads(out)["findings"]:
        found.setdefault(f["rule"], []).append(f["line"])
    return found


CASES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    # rule: (triggering tree, clean tree)
    "CA200": ({".dockerignore": "ok\ndata/[abc\n"}, {".dockerignore": "data/[abc]\n"}),
    "CA201": (
        {".dockerignore": "*.csv\n", "a.csv": "1", "d/b.csv": "2"},
        {".dockerignore": "**/*.csv\n", "a.csv": "1", "d/b.csv": "2"},
    ),
    "CA202": ({".dockerignore": "logs/\n", "logs/x": "1"}, {".dockerignore": "logs\n", "logs/x": "1"}),
    "CA203": (
        {".dockerignore": "*.log # logs\n  # indented\n", "a.log": "1"},
        {".dockerignore": "# logs\n*.log\n", "a.log": "1"},
    ),
    "CA204": ({".dockerignore": "/build\n", "build/x": "1"}, {".dockerignore": "build\n", "build/x": "1"}),
    "CA205": ({".dockerignore": "nothing-here\n", "a": "1"}, {".dockerignore": "a\n", "a": "1", "b": "2"}),
    "CA206": (
        {".dockerignore": "build/x\nbuild\n", "build/x": "1"},
        {".dockerignore": "build\n!build/x\n", "build/x": "1", "build/y": "2"},
    ),
    "CA207": (
        {".dockerignore": "build\n!**/keep.txt\n", "build/keep.txt": "k", "build/out": "o"},
        {".dockerignore": "build\n!build/keep.txt\n", "build/keep.txt": "k", "build/out": "o"},
    ),
    "CA208": ({".dockerignore": "[!x]*\n", "xa": "1"}, {".dockerignore": "[^x]*\n", "xa": "1"}),
    "CA209": (
        {".dockerignore": "Dockerfile\n", "Dockerfile": "FROM scratch\n"},
        {".dockerignore": "*.tmp\n", "Dockerfile": "FROM scratch\n", "a.tmp": ""},
    ),
    "CA211": (
        {".dockerignore": "*.txt\n! a.txt\n", "a.txt": "1", "b.txt": "2"},
        {".dockerignore": "*.txt\n!a.txt\n", "a.txt": "1", "b.txt": "2"},
    ),
    "CA212": (
        {".dockerignore": "*.tmp\n", ".containerignore": "*.tmp\n", "a.tmp": ""},
        {".dockerignore": "*.tmp\n", "a.tmp": ""},
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_triggers(rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad, good = CASES[rule]
    assert rule in lint_ids(capsys, make_tree(tmp_path / "bad", bad))
    assert rule not in lint_ids(capsys, make_tree(tmp_path / "good", good))


def test_ca210_per_dockerfile_file_hides_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            ".dockerignore": "*.tar\n",
            "app.Dockerfile": "FROM scratch\n",
            "app.Dockerfile.dockerignore": "*.csv\n",
            "a.tar": "",
            "a.csv": "",
        },
    )
    assert "CA210" in lint_ids(capsys, tmp_path, "-f", str(tmp_path / "app.Dockerfile"))
    assert "CA210" not in lint_ids(capsys, tmp_path, "-f", str(tmp_path / "app.Dockerfile"), "-b", "legacy")


def test_lines_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "# c\n\n*.csv\n", "d/b.csv": "2"})
    assert lint_ids(capsys, tmp_path)["CA201"] == [3]


def test_lint_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "ok\ndata/[abc\n", "ok": ""})
    assert main(["lint", str(tmp_path)]) == 1  # CA200 is an error, the default --fail-on
    capsys.readouterr()
    make_tree(tmp_path, {".dockerignore": "ok\n"})
    assert main(["lint", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    assert "nothing to report" in out


def test_ca207_not_raised_for_build_files_both_builders_send(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Both builders send .dockerignore through the exception (the legacy
    # daemon removes only build files the ignore file excludes), so the
    # exception does not depend on the builder, whichever one is audited.
    root = make_tree(tmp_path, {".dockerignore": "*\n!.dockerignore\n!app.py\n", "app.py": "x"})
    for builder in ("buildkit", "legacy"):
        assert "CA207" not in lint_ids(capsys, root, "--builder", builder)


def test_every_invalid_line_is_ca200_and_lint_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "docs\\guide.md\n[z-a]\n*.log\ndata/[abc\n", "a.log": "", "sub/b.log": ""})
    assert lint_ids(capsys, tmp_path) == {"CA200": [1, 2, 4], "CA201": [3]}
    assert main(["lint", str(tmp_path)]) == 1  # findings, not an input error
    out, err = capsys.readouterr()
    assert err == "" and "invalid escape sequence" in out and "invalid character class range" in out


def test_ca201_not_for_lines_anchored_on_purpose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = {
        "node_modules/x": "",
        "sub/node_modules/y": "",
        "dist/a": "",
        "sub/dist/b": "",
        "tmp/c": "",
        "sub/tmp/d": "",
    }
    make_tree(tmp_path, {**tree, ".dockerignore": "/node_modules\n./dist\ntmp\n"})
    assert lint_ids(capsys, tmp_path)["CA201"] == [3]  # only the bare 'tmp'


def test_ca201_not_for_an_alternation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Go reads '*.log|*.tmp' as ^[^/]*\.log|[^/]*\.tmp$: d/e.tmp is excluded, d/f.log is not.
    make_tree(tmp_path, {".dockerignore": "*.log|*.tmp\n*.csv\n", "d/f.log": "", "d/e.tmp": "", "d/x.csv": ""})
    assert lint_ids(capsys, tmp_path)["CA201"] == [2]


def test_a_slashed_comment_is_ca203_not_ca204(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "// Ignore everything\n/build\n", "build/x": ""})
    found = lint_ids(capsys, tmp_path)
    assert found["CA203"] == [1] and found["CA204"] == [2]
    main(["lint", str(tmp_path), "-o", "json", "--fail-on", "never"])
    import json

    (f,) = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "CA203"]
    assert f["fix"] == "# Ignore everything" and "is the pattern 'Ignore everything'" in f["message"]


@pytest.mark.parametrize(
    ("builder", "lines", "files", "message"),
    [
        (
            "buildah",
            "build\n!**/keep.txt\n",
            {"build/keep.txt": "k"},
            "BuildKit takes 1 file that the legacy builder",
        ),
        (
            "buildah",
            "b\n!b*/keep.txt\n",
            {"b/keep.txt": "k"},
            "BuildKit and buildah/podman take 1 file that the legacy",
        ),
        ("buildkit", "*.txt\n! a.txt\n", {"a.txt": "a"}, "BuildKit and the legacy builder take 1 file that buildah"),
        ("buildkit", "(a|b).txt\n", {"x": ""}, "regexp syntax for buildah/podman"),
        ("buildkit", "  /a.txt\n", {"x": ""}, "is 'a.txt' for Docker and '/a.txt' for buildah/podman"),
        ("buildkit", "c++\n", {"x": ""}, "'c++' is not a pattern buildah/podman can use"),
    ],
)
def test_ca211_names_the_three_builders(
    builder: str, lines: str, files: dict[str, str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    root = make_tree(tmp_path, {".dockerignore": lines, **files})
    main(["lint", str(root), "-o", "json", "--fail-on", "none", "-b", builder])
    found = [f["message"] for f in json.loads(capsys.readouterr()[0])["findings"] if f["rule"] == "CA211"]
    assert any(message in m for m in found), found


def test_ca207_gives_way_to_ca211_under_buildah(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_tree(tmp_path, {".dockerignore": "build\n!**/keep.txt\n", "build/keep.txt": "k", "build/o": "o"})
    assert "CA207" in lint_ids(capsys, root) and "CA211" not in lint_ids(capsys, root)
    under = lint_ids(capsys, root, "-b", "podman")
    assert "CA211" in under and "CA207" not in under
