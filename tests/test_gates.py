"""CI gates on scan: exit 1 with one line per breach, settings from files, flags win."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main
from ctxaudit.common.errors import InputError
from ctxaudit.config import parse_size


@pytest.fixture
def ctx(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path / "ctx",
        {
            "Dockerfile": "FROM scratch\nCOPY app.py /\n",
            "app.py": "x" * 1000,
            "data.bin": 50_000,
            ".env": "API_TOKEN=abc123\n",
        },
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args, "--no-progress"])
    return code, capsys.readouterr().err


def gate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """A run for the size gates alone (findings never fail it)."""
    return run(capsys, *args, "--fail-on", "never")


@pytest.mark.parametrize(
    "text,expected",
    [("1024", 1024), ("50MB", 50_000_000), ("1.5GiB", 1610612736), ("200k", 200_000), ("10 KiB", 10240), (7, 7)],
)
def test_parse_size(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "ten", "5XB", "-3"])
def test_parse_size_rejects(bad: str) -> None:
    with pytest.raises(InputError):
        parse_size(bad)


def test_error_findings_fail_by_default(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY . /app/\n")  # .env is sent and copied: errors
    code, err = run(capsys, str(ctx))
    assert code == 1 and err.startswith("ctxaudit: gate failed:") and "at or above error (worst: error)" in err
    for off in ("never", "none", "NEVER"):  # none: the older spelling, still accepted
        assert run(capsys, str(ctx), "--fail-on", off) == (0, "")
    (ctx / ".ctxaudit.toml").write_text('fail-on = "never"\n')
    assert run(capsys, str(ctx)) == (0, "")  # the settings file sets the floor when the flag is not given
    assert run(capsys, str(ctx), "--fail-on", "error")[0] == 1  # the flag wins
    (ctx / ".ctxaudit.toml").write_text('fail-on = "always"\n')
    code, err = run(capsys, str(ctx))
    assert code == 2 and "fail-on must be error, warning, info or never" in err


def test_image_fail_on_default_is_error(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY app.py /\nRUN chmod 755 /app.py\n")  # a warning only
    assert main(["image", str(ctx)]) == 0
    assert main(["image", str(ctx), "--fail-on", "warning"]) == 1


def test_max_size(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = gate(capsys, str(ctx), "--max-size", "40KB")
    assert code == 1
    assert (
        err.strip()
        == "ctxaudit: gate failed: eligible context 49.8 KiB (51,044 bytes) exceeds --max-size 39.1 KiB (40,000 bytes)"
    )
    assert gate(capsys, str(ctx), "--max-size", "1MB")[0] == 0


def test_max_files(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = gate(capsys, str(ctx), "--max-files", "3")
    assert code == 1 and "eligible context has 4 files, more than --max-files 3" in err
    assert gate(capsys, str(ctx), "--max-files", "4")[0] == 0


def test_max_transfer_is_dockerfile_aware(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The context is 51 kB but the Dockerfile copies 1 kB.
    assert gate(capsys, str(ctx), "--max-transfer", "2KB")[0] == 0
    code, err = gate(capsys, str(ctx), "--max-transfer", "500")
    assert code == 1 and "Dockerfile: BuildKit transfer (cold cache) 1,000 bytes exceeds --max-transfer 500" in err
    code, err = gate(capsys, str(ctx), "-b", "legacy", "--max-transfer", "50KB")
    assert (
        code == 1 and "Dockerfile: tar sent by the legacy builder 54.0 KiB (55,296 bytes)" in err
    )  # the whole context


def test_fail_on(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # COPY app.py: BuildKit leaves .env on the machine (CA402, a warning); the legacy tar holds it (CA400).
    assert run(capsys, str(ctx), "--fail-on", "error") == (0, "")
    code, err = run(capsys, str(ctx), "--fail-on", "warning")
    assert code == 1 and "1 finding at or above warning (worst: warning)" in err
    code, err = run(capsys, str(ctx), "-b", "legacy")
    assert code == 1 and "1 finding at or above error" in err
    assert run(capsys, str(ctx), "-b", "legacy", "--ignore-rule", "CA400")[0] == 0


def test_several_breaches_one_line_each(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, str(ctx), "--max-size", "1KB", "--max-files", "1", "--fail-on", "warning")
    assert code == 1 and len(err.strip().splitlines()) == 3


def test_settings_from_pyproject_and_flags_win(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / "pyproject.toml").write_text('[tool.ctxaudit]\nmax-size = "10KB"\nignore-rules = ["CA400"]\n')
    code, err = run(capsys, str(ctx))
    assert code == 1 and "--max-size 9.8 KiB" in err
    assert run(capsys, str(ctx), "--max-size", "1MB")[0] == 0


def test_settings_from_dot_ctxaudit_toml(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / ".ctxaudit.toml").write_text('max-files = 2\nfail-on = "none"\n')
    code, err = run(capsys, str(ctx))
    assert code == 1 and "--max-files 2" in err


def test_bad_settings_exit_2(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / ".ctxaudit.toml").write_text("max-sise = 3\n")
    code, err = run(capsys, str(ctx))
    assert code == 2 and "unknown setting(s) max-sise" in err
    (ctx / ".ctxaudit.toml").write_text('max-size = "big"\n')
    assert run(capsys, str(ctx))[0] == 2
    (ctx / ".ctxaudit.toml").write_text('builder = "bildkit"\n')
    code, err = run(capsys, str(ctx))
    assert code == 2 and "builder must be one of buildkit, legacy, buildah, podman" in err and "Traceback" not in err


def test_every_command_takes_the_builder_from_the_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "build\n!**/keep.txt\n", "build/keep.txt": "k", "a": "1"})
    (tmp_path / ".ctxaudit.toml").write_text('builder = "legacy"\n')
    assert main(["ls", str(tmp_path)]) == 0
    assert "build/keep.txt" not in capsys.readouterr().out  # the legacy builder skips build/
    assert main(["ls", str(tmp_path), "--builder", "buildkit"]) == 0
    assert "build/keep.txt" in capsys.readouterr().out  # the flag wins
    assert main(["explain", "-C", str(tmp_path), "build/keep.txt"]) == 0
    assert "never visited: the legacy builder skips build/" in capsys.readouterr().out


def test_hard_links_count_their_data_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Both builders send a hard-linked file's data once, then links (tests/dockerfile goldens: the legacy
    # tar to the byte, BuildKit's wire size).
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\nCOPY . /app/\n", "big.bin": 1_000_000})
    os.link(tmp_path / "big.bin", tmp_path / "copy1.bin")
    os.link(tmp_path / "big.bin", tmp_path / "copy2.bin")
    assert gate(capsys, str(tmp_path), "--max-size", "1.1MB")[0] == 0
    code, err = gate(capsys, str(tmp_path), "--max-size", "900KB")
    assert code == 1 and "eligible context 976.6 KiB (1,000,026 bytes)" in err
    assert main([str(tmp_path), "-o", "json", "--no-progress"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["eligible"] == {"files": 4, "bytes": 1_000_026}
    assert doc["transfer"]["files"] == 4 and doc["transfer"]["bytes"] == 1_000_026
    assert doc["dockerfiles"][0]["eligible"] == doc["eligible"]
    assert [f["path"] for f in doc["largest_files"]] == ["big.bin", "Dockerfile"]  # a link is not a second file
    assert doc["by_kind"]["source"]["bytes"] == 1_000_026
