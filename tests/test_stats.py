"""The largest directories: only those that hold eligible bytes, none that repeats a listed parent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main


def largest_dirs(capsys: pytest.CaptureFixture[str], ctx: Path, top: int = 10) -> list[tuple[str, int, int]]:
    assert main([str(ctx), "-o", "json", "--no-progress", "--fail-on", "never", "--top", str(top)]) == 0
    return [(d["path"], d["bytes"], d["files"]) for d in json.loads(capsys.readouterr().out)["largest_dirs"]]


def test_empty_and_repeated_directories_are_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            ".next/cache/": "",  # nothing in it: never among the largest
            "empty/zero.txt": "",  # only an empty file: 0 bytes
            ".venv/pyvenv.cfg": 30,
            ".venv/lib/python3.12/site-packages/sqlalchemy/__init__.py": 5000,
            "data/raw/a.csv": 2000,
            "data/b.csv": 100,
        },
    )
    dirs = largest_dirs(capsys, tmp_path)
    paths = [p for p, _, _ in dirs]
    # .venv/lib/ holds 1 file; python3.12/, site-packages/ and sqlalchemy/ hold the very same one.
    assert paths == [".venv", ".venv/lib", "data", "data/raw"]
    assert all(b > 0 and f > 0 for _, b, f in dirs)


def test_top_counts_what_is_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Leaving repeated directories out does not shorten the list below --top."""
    make_tree(tmp_path, {f"d{i}/x/y/z/file.bin": 1000 + i for i in range(6)})
    dirs = largest_dirs(capsys, tmp_path, top=4)
    assert [p for p, _, _ in dirs] == ["d5", "d4", "d3", "d2"]
