"""explain: included, excluded, re-included and skipped paths under both builders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main


@pytest.fixture
def ctx(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path,
        {
            ".dockerignore": "# build output\nbuild\n!**/keep.txt\n*.csv\nnode_modules\n",
            "app.py": "1",
            "a.csv": "2",
            "build/keep.txt": "3",
            "build/out.bin": "4",
            "node_modules/x/index.js": "5",
            "Dockerfile": "FROM scratch\n",
        },
    )


def explain(capsys: pytest.CaptureFixture[str], ctx: Path, builder: str, *paths: str) -> list[dict[str, object]]:
    assert main(["explain", "-C", str(ctx), "-b", builder, "-o", "json", *paths]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == 1 and doc["builder"] == builder
    data: list[dict[str, object]] = doc["paths"]
    return data


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
def test_included_and_excluded(ctx: Path, builder: str, capsys: pytest.CaptureFixture[str]) -> None:
    app, csv = explain(capsys, ctx, builder, "app.py", "a.csv")
    assert app["sent"] is True and app["rule"] is None
    assert csv["sent"] is False and csv["rule"] == {"file": ".dockerignore", "line": 4, "pattern": "*.csv"}


def test_reincluded_with_buildkit_skipped_with_legacy(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bk,) = explain(capsys, ctx, "buildkit", "build/keep.txt")
    assert bk["sent"] is True and bk["rule"] == {"file": ".dockerignore", "line": 3, "pattern": "!**/keep.txt"}
    (legacy,) = explain(capsys, ctx, "legacy", "build/keep.txt")
    assert legacy["sent"] is False and legacy["skipped_dir"] == "build"
    assert legacy["rule"] == {"file": ".dockerignore", "line": 2, "pattern": "build"}


def test_skipped_directory(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["explain", "-C", str(ctx), "node_modules/x/index.js", "build/out.bin"])
    out = capsys.readouterr().out.splitlines()
    # With a wildcard exception BuildKit enters every excluded directory.
    assert out[0] == "node_modules/x/index.js: not sent (.dockerignore:5: node_modules)"
    assert out[1] == "build/out.bin: not sent (.dockerignore:2: build)"
    main(["explain", "-C", str(ctx), "-b", "legacy", "node_modules/x/index.js"])
    assert capsys.readouterr().out.strip() == (
        "node_modules/x/index.js: not sent, never visited: the legacy builder skips node_modules/ "
        "(.dockerignore:5: node_modules)"
    )


def test_legacy_keeps_an_ignored_dockerfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "Dockerfile\n", "Dockerfile": "FROM scratch\n"})
    (d,) = explain(capsys, tmp_path, "legacy", "Dockerfile")
    assert d["sent"] is True and "daemon removes it" in str(d["note"])
    (d,) = explain(capsys, tmp_path, "buildkit", "Dockerfile")
    assert d["sent"] is False


def test_missing_and_outside_paths(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["explain", "-C", str(ctx), "nope.csv"])
    assert (
        capsys.readouterr().out.strip()
        == "nope.csv: would not be sent (.dockerignore:4: *.csv); no such path in the context"
    )
    assert main(["explain", "-C", str(ctx), "../elsewhere"]) == 2
    assert "not inside the context" in capsys.readouterr().err


def test_absolute_paths(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (d,) = explain(capsys, ctx, "buildkit", str(ctx / "app.py"))
    assert d["path"] == "app.py"


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
def test_the_last_matching_line_decides(tmp_path: Path, builder: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Docker never evaluates line 2 for app.log (line 1 already excludes it),
    # but like git check-ignore -v the deciding line is the last that matches.
    make_tree(tmp_path, {".dockerignore": "*.log\napp.log\n", "app.log": "1", "b.log": "2"})
    app, other = explain(capsys, tmp_path, builder, "app.log", "b.log")
    assert app["sent"] is False and app["rule"] == {"file": ".dockerignore", "line": 2, "pattern": "app.log"}
    assert other["sent"] is False and other["rule"] == {"file": ".dockerignore", "line": 1, "pattern": "*.log"}


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
def test_an_exception_that_matches_decides_though_nothing_was_excluded(
    tmp_path: Path, builder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {".dockerignore": "dir\n!dir*/file1\n", "dirx/file1": "1", "dir/file1": "2"})
    dirx, d = explain(capsys, tmp_path, builder, "dirx/file1", "dir/file1")
    assert dirx["sent"] is True and dirx["rule"] == {"file": ".dockerignore", "line": 2, "pattern": "!dir*/file1"}
    main(["explain", "-C", str(tmp_path), "-b", builder, "dirx/file1"])
    assert capsys.readouterr().out.strip() == "dirx/file1: sent (.dockerignore:2: !dir*/file1)"
    if builder == "buildkit":
        assert d["sent"] is True and d["rule"] == dirx["rule"]
    else:  # an exception with a wildcard: the legacy tar still skips dir/
        assert d["sent"] is False and d["skipped_dir"] == "dir"


def test_the_skipped_directory_names_its_last_matching_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "node_modules\n**/node_modules\n", "node_modules/x/i.js": "1"})
    (d,) = explain(capsys, tmp_path, "buildkit", "node_modules/x/i.js")
    assert d["skipped_dir"] == "node_modules"
    assert d["rule"] == {"file": ".dockerignore", "line": 2, "pattern": "**/node_modules"}
