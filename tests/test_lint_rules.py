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
