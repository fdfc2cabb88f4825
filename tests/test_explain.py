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
    data: list[dict[str, object]] = json.loads(capsys.readouterr().out)
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
        "node_modules/x/index.js: not sent, never visited: legacy skips node_modules/ (.dockerignore:5: node_modules)"
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
