"""What is unmistakable junk, and what the build reads (analysis/junk.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.analysis import junk
from ctxaudit.dockerfile.model import build_model


def reads(dockerfile: str, root: Path = Path("/nonexistent")) -> junk.BuildReads:
    return junk.build_reads(build_model(dockerfile), root)


@pytest.mark.parametrize(
    "run,installs",
    [
        ("npm ci", True),
        ("npm ci --omit=dev && npm cache clean --force", True),
        ("npm --no-audit install", True),
        ("yarn install --frozen-lockfile", True),
        ("yarn", True),
        ("yarn && yarn build", True),
        ("yarn build", False),
        ("pnpm i --frozen-lockfile", True),
        ("bun install", True),
        ("npm run build", False),
        ("go build ./...", False),
    ],
)
def test_node_modules_is_junk_only_when_a_run_installs_it_again(run: str, installs: bool) -> None:
    r = reads(f"FROM node\nCOPY . .\nRUN {run}\n")
    assert r.reinstalls_node is installs
    assert (junk.junk_dir("node_modules", r, False) is not None) is installs


@pytest.mark.parametrize(
    "run,uses",
    [
        ("git describe --tags > VERSION", True),
        ("VERSION=$(git rev-parse HEAD) make", True),
        ("cat .git/HEAD", True),
        ("rm -rf /opt/app/.git && pip install .", False),  # removing it is not reading it
        ("echo repo.git", False),
        ("go build ./...", False),
    ],
)
def test_vcs_metadata_is_junk_unless_the_build_reads_it(run: str, uses: bool) -> None:
    r = reads(f"FROM x\nCOPY . .\nRUN {run}\n")
    assert r.uses_vcs is uses
    assert (junk.junk_dir(".git", r, False) is None) is uses


def test_a_version_from_the_repository_counts_as_reading_it(tmp_path: Path) -> None:
    make_tree(tmp_path, {"pyproject.toml": '[tool.setuptools_scm]\nversion_file = "x/_v.py"\n'})
    assert reads("FROM x\nCOPY . .\nRUN pip install .\n", tmp_path).uses_vcs
    # the file only matters when a RUN starts the tool that reads it
    assert not reads("FROM x\nCOPY . .\nRUN go build\n", tmp_path).uses_vcs
    make_tree(tmp_path, {"package.json": '{"repository": {"type": "git"}, "scripts": {"build": "tsc"}}'})
    assert not reads("FROM x\nCOPY . .\nRUN npm run build\n", tmp_path).uses_vcs
    make_tree(tmp_path, {"package.json": '{"scripts": {"build": "git rev-parse HEAD > v && tsc"}}'})
    assert reads("FROM x\nCOPY . .\nRUN npm run build\n", tmp_path).uses_vcs


def test_without_a_dockerfile_nothing_is_assumed() -> None:
    r = junk.build_reads(None, Path("/nonexistent"))
    assert r.uses_vcs and not r.reinstalls_node


def test_directory_names_and_what_they_hold() -> None:
    r = junk.BuildReads()
    assert junk.junk_dir("__pycache__", r, False) == "cache"
    assert junk.junk_dir(".venv", r, False) is None  # a package may be called venv: only with pyvenv.cfg
    assert junk.junk_dir(".venv", r, True) == "venv"
    assert junk.junk_dir("myenv", r, True) == "venv"
    for generic in ("build", "dist", "data", "export", "resources", "logs", "target", "out", ".cache"):
        assert junk.junk_dir(generic, r, False) is None, generic
    assert junk.junk_file("x.pyc") and junk.junk_file("app.log") and junk.junk_file("a.tar.gz")
    assert junk.junk_file(".DS_Store") and junk.junk_file("notes~")
    assert not junk.junk_file("data.csv") and not junk.junk_file("words.txt.gz") and not junk.junk_file("~")
