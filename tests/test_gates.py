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
        == "ctxaudit: gate failed: eligible context 49.8 KiB (51,044 bytes) exceeds --max-size 40KB (40,000 bytes)"
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
    # the limit as the file wrote it, and the file that set it
    assert code == 1 and f"exceeds max-size 10KB (10,000 bytes) in {ctx / 'pyproject.toml'} [tool.ctxaudit]" in err
    assert run(capsys, str(ctx), "--max-size", "1MB")[0] == 0
    code, err = run(capsys, str(ctx), "--max-size", "2KB")
    assert code == 1 and "exceeds --max-size 2KB (2,000 bytes)\n" in err  # the flag wins, and is named


def test_settings_from_dot_ctxaudit_toml(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / ".ctxaudit.toml").write_text('max-files = 2\nfail-on = "none"\n')
    code, err = run(capsys, str(ctx))
    assert code == 1 and f"more than max-files 2 in {ctx / '.ctxaudit.toml'}" in err


def test_bad_settings_exit_2(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / ".ctxaudit.toml").write_text("max-sise = 3\n")
    code, err = run(capsys, str(ctx))
    assert code == 2 and "unknown setting max-sise" in err
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


README_BLOCK = """[tool.ctxaudit]
max-size = "1MB"
max-files = 20000
fail-on = "warning"
ignore-rules = ["CA205"]

[tool.ctxaudit.per-path-ignores]
"data.bin" = ["CA400"]
"""


@pytest.mark.parametrize("where", [".ctxaudit.toml", "pyproject.toml"])
def test_the_readme_block_works_in_either_file(where: str, ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """[tool.ctxaudit] pasted into .ctxaudit.toml reads as in pyproject.toml; a size shows as written."""
    (ctx / "data.bin").write_bytes(b"x" * 1_200_000)
    (ctx / where).write_text(README_BLOCK)
    code, err = run(capsys, str(ctx))
    assert code == 1
    lines = err.strip().splitlines()
    eligible = sum(p.stat().st_size for p in ctx.rglob("*") if p.is_file())  # no ignore file: all of it
    assert lines[0] == (
        f"ctxaudit: gate failed: eligible context 1.1 MiB ({eligible:,} bytes) exceeds max-size 1MB "
        f"(1,000,000 bytes) in {ctx / where} [tool.ctxaudit]"
    )
    assert lines[1].startswith("ctxaudit: gate failed: ") and "at or above warning (fail-on in " in lines[1]


def test_top_level_keys_in_dot_ctxaudit_toml(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / ".ctxaudit.toml").write_text(
        'max-size = "20KB"\nfail-on = "never"\n\n[per-path-ignores]\n".env" = ["CA4"]\n'
    )
    code, err = run(capsys, str(ctx))
    assert code == 1 and err.strip().endswith(f"exceeds max-size 20KB (20,000 bytes) in {ctx / '.ctxaudit.toml'}")


@pytest.mark.parametrize(
    "text,message",
    [
        (
            'max-files = 3\n[tool.ctxaudit]\nmax-size = "1MB"\n',
            "settings go at the top level (max-size = ...) or all under [tool.ctxaudit], not both: move max-files",
        ),
        ("[tool.other]\nx = 1\n", "unknown setting tool (known: "),
    ],
)
def test_mixed_shapes_say_what_goes_where(
    text: str, message: str, ctx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ctx / ".ctxaudit.toml").write_text(text)
    code, err = run(capsys, str(ctx))
    assert code == 2 and message in err


def test_ctxaudit_table_outside_tool_in_pyproject(ctx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ctx / "pyproject.toml").write_text('[ctxaudit]\nmax-size = "1MB"\n')
    code, err = run(capsys, str(ctx))
    assert code == 2 and "ctxaudit's settings go under [tool.ctxaudit] in pyproject.toml" in err
