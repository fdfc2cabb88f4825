"""`docker ctxaudit`: the Docker CLI plugin, its metadata answer, and the real Docker CLI running it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ctxaudit import __version__, dockerplugin
from ctxaudit.cli import main

REPO = Path(__file__).resolve().parent.parent
DOCKER = shutil.which("docker")


def docker_env(home: Path) -> dict[str, str]:
    """A user of its own: HOME and DOCKER_CONFIG in a temporary directory, nothing else of ours."""
    return {**os.environ, "HOME": str(home), "DOCKER_CONFIG": str(home / ".docker")}


@pytest.fixture
def installed(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """`ctxaudit docker-plugin install` for a user whose HOME is tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    assert main(["docker-plugin", "install"]) == 0
    out = capsys.readouterr().out
    plugin = tmp_path / ".docker" / "cli-plugins" / "docker-ctxaudit"
    assert out.startswith(f"installed {plugin}")
    return plugin


def test_metadata_answers_dockers_protocol(installed: Path) -> None:
    """Docker runs `docker-ctxaudit docker-cli-plugin-metadata` and checks SchemaVersion and Vendor."""
    proc = subprocess.run([str(installed), "docker-cli-plugin-metadata"], capture_output=True, text=True, check=True)
    meta = json.loads(proc.stdout)
    assert meta["SchemaVersion"] == "0.1.0" and meta["Vendor"] == "ctxaudit" and meta["Version"] == __version__
    assert meta["ShortDescription"] and meta["URL"].startswith("https://")
    assert set(meta) == {"SchemaVersion", "Vendor", "Version", "ShortDescription", "URL"}


def test_the_plugin_is_an_executable_that_runs_this_ctxaudit(installed: Path) -> None:
    mode = installed.stat().st_mode
    assert stat.S_ISREG(mode) and mode & 0o111 == 0o111
    text = installed.read_text()
    assert text.startswith("#!/bin/sh\n") and dockerplugin.MARKER in text and sys.executable in text
    # Docker passes the plugin's own name first.
    proc = subprocess.run(
        [str(installed), "ctxaudit", "ls", "sample_contexts/clean-api"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.splitlines() == [
        "app/__init__.py",
        "app/main.py",
        "app/routes.py",
        "requirements.txt",
    ]


def test_install_twice_uninstall_and_leave_others_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = tmp_path / "config" / "cli-plugins"
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "config"))  # DOCKER_CONFIG wins over HOME, as for Docker
    assert main(["docker-plugin", "install"]) == 0 and main(["docker-plugin", "install"]) == 0  # idempotent
    assert (plugins / "docker-ctxaudit").is_file()
    assert main(["docker-plugin", "uninstall"]) == 0 and not (plugins / "docker-ctxaudit").exists()
    assert main(["docker-plugin", "uninstall"]) == 0
    assert "no docker-ctxaudit in" in capsys.readouterr().out
    (plugins / "docker-ctxaudit").write_text("#!/bin/sh\necho someone else's\n")
    assert main(["docker-plugin", "install"]) == 2
    assert "exists and is not ctxaudit's; --force replaces it" in capsys.readouterr().err
    assert main(["docker-plugin", "uninstall"]) == 2 and (plugins / "docker-ctxaudit").exists()
    assert main(["docker-plugin", "install", "--force"]) == 0
    assert dockerplugin.MARKER in (plugins / "docker-ctxaudit").read_text()
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert main(["docker-plugin", "install", "--dir", str(other)]) == 0 and (other / "docker-ctxaudit").is_file()


@pytest.mark.skipif(DOCKER is None, reason="no docker CLI on PATH")
def test_docker_runs_the_plugin(installed: Path, tmp_path: Path) -> None:
    """With the Docker CLI on this machine (client 28): the plugin is listed, and `docker ctxaudit ls` runs."""
    assert DOCKER is not None
    env = docker_env(tmp_path)
    listed = subprocess.run([DOCKER, "--help"], env=env, capture_output=True, text=True)
    assert any(line.split()[:1] == ["ctxaudit*"] for line in listed.stdout.splitlines()), listed.stdout
    via_docker = subprocess.run(
        [DOCKER, "ctxaudit", "ls", "sample_contexts/pandas-analysis", "--sizes"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    direct = subprocess.run(
        [sys.executable, "-m", "ctxaudit", "ls", "sample_contexts/pandas-analysis", "--sizes"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert via_docker.returncode == 0, via_docker.stderr
    assert via_docker.stdout == direct.stdout and len(via_docker.stdout.splitlines()) == 18
    helped = subprocess.run([DOCKER, "help", "ctxaudit"], env=env, capture_output=True, text=True)
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: docker ctxaudit [OPTIONS] COMMAND")
    # Exit codes come through: a failed gate is 1, a usage error 2.
    gate = subprocess.run(
        [DOCKER, "ctxaudit", "scan", "sample_contexts/node-monorepo", "--no-progress"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert gate.returncode == 1 and "gate failed" in gate.stderr
    typo = subprocess.run([DOCKER, "ctxaudit", "sacn", "."], cwd=REPO, env=env, capture_output=True, text=True)
    assert typo.returncode == 2 and "No such command 'sacn'. Did you mean 'scan'?" in typo.stderr
