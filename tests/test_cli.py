"""The command line, driven for real: exit codes, messages, bad input."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main

REPO = Path(__file__).resolve().parent.parent
PANDAS = REPO / "sample_contexts" / "pandas-analysis"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_ctxaudit_context_is_scan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(PANDAS), "--no-progress")
    assert code == 0
    assert "sent to the builder" not in out  # with BuildKit, the eligible context is not what is sent
    head = out.split("\n\n")[1].splitlines()
    assert head[2].split() == [
        "eligible",
        "context",
        "(what",
        "the",
        "ignore",
        "file",
        "lets",
        "through)",
        "18",
        "files",
        "20.4",
        "KiB",
    ]
    assert head[3].startswith("transferred by BuildKit, cold cache (referenced paths only)") and "7 files" in head[3]
    assert head[4].startswith("reaching the image through COPY/ADD") and "7 files" in head[4]
    assert "old/backup_2023-12.tar" in out
    code, out, _ = run(capsys, str(PANDAS), "--no-progress", "-b", "legacy")
    assert "tar sent by the legacy builder (the whole eligible context)  18 files  40.5 KiB" in out


def test_scan_json_schema_and_leaks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", str(PANDAS), "--format", "json", "--full")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["schema"] == 2
    assert "sent" not in doc  # schema 2: the eligible context is named for what it is
    for key in (
        "context",
        "builder",
        "ignore_file",
        "eligible",
        "ignored",
        "largest_files",
        "largest_dirs",
        "by_kind",
        "findings",
        "suggestions",
    ):
        assert key in doc
    paths = {f["path"] for f in doc["largest_files"]}
    # The guide's ignore file leaks nested csv, the old backup and bytecode.
    assert {"old/backup_2023-12.tar", "data/raw/sales_2023.csv", "scripts/__pycache__/analyze.cpython-311.pyc"} <= paths
    assert doc["by_kind"]["archive"]["files"] == 1
    assert doc["ignored"]["files"] == 5


def test_json_without_full_has_null_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(PANDAS), "-o", "json")
    assert json.loads(out)["ignored"] is None


def test_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(PANDAS), "-o", "markdown")
    assert code == 0
    assert out.startswith("## ctxaudit")
    assert "| `old/backup_2023-12.tar` " in out


def test_bytes_flag_prints_exact_counts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.bin": 3000})
    _, out, _ = run(capsys, str(tmp_path), "--bytes")
    assert "3,000" in out and "KiB" not in out  # exact, in the one number style (thousands separators)
    _, out, _ = run(capsys, str(tmp_path))
    assert "2.9 KiB" in out


def test_no_color_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(PANDAS))
    assert "\033[" not in out


def test_ls_sorted_bytewise_and_sizes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/b": "1", "a-c": "22", "a.txt": "333", "B": ""})
    code, out, _ = run(capsys, "ls", str(tmp_path), "--sizes")
    assert code == 0
    assert out.splitlines() == ["B\t0", "a-c\t2", "a.txt\t3", "a/b\t1"]


def test_ls_ignored(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {".dockerignore": "*.csv\nbuild\n", "a.csv": "1", "d/b.csv": "2", "build/x": "3"})
    _, out, _ = run(capsys, "ls", str(tmp_path), "--ignored")
    assert out.splitlines() == ["a.csv", "build/x"]


def test_ls_legacy_sends_ignored_dockerfile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {".dockerignore": "Dockerfile\n.dockerignore\n", "Dockerfile": "FROM scratch\n", "a": ""})
    _, bk, _ = run(capsys, "ls", str(tmp_path))
    _, legacy, _ = run(capsys, "ls", str(tmp_path), "--builder", "legacy")
    assert bk.splitlines() == ["a"]
    assert legacy.splitlines() == [".dockerignore", "Dockerfile", "a"]


def test_missing_context(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope"))
    assert code == 2 and out == ""
    assert "context not found" in err and "Traceback" not in err


def test_context_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = run(capsys, "ls", str(f))
    assert code == 2 and "not a directory" in err


def test_missing_dockerfile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path), "-f", str(tmp_path / "nope.Dockerfile"))
    assert code == 2 and "Dockerfile not found" in err


def test_invalid_ignore_file_exits_2_with_location(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {".dockerignore": "*.tar\ndata/[abc\n", "a": ""})
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert ".dockerignore:2: pattern 'data/[abc': syntax error in pattern" in err


def test_deferred_pattern_error_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {".dockerignore": "docs\\guide.md\n", "a": ""})
    code, _, err = run(capsys, "ls", str(tmp_path))
    assert code == 2
    assert ".dockerignore:1" in err and "docs\\guide.md" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scan", "--top", "-1")
    assert code == 2
    assert "--top" in err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "scan" in out and "ls" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("ctxaudit ")


def test_non_utf8_names_are_escaped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {"ok": ""})
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.csv"), "wb") as f:
        f.write(b"12345")
    code, out, _ = run(capsys, "ls", str(tmp_path), "--sizes")
    assert code == 0
    assert "caf\\xe9.csv\t5" in out.splitlines()
    code, out, _ = run(capsys, str(tmp_path), "-o", "json")
    assert code == 0
    assert any(f["path"] == "caf\\xe9.csv" for f in json.loads(out)["largest_files"])


def test_control_characters_in_names_are_escaped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {"line\nbreak": "x"})
    _, out, _ = run(capsys, "ls", str(tmp_path))
    assert out == "line\\x0abreak\n"


def test_files_over_4_gib_and_broken_symlinks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with open(tmp_path / "huge.bin", "wb") as f:
        f.truncate(5 * 1024**3)  # sparse
    os.symlink("nowhere", tmp_path / "broken")
    code, out, _ = run(capsys, "ls", str(tmp_path), "--sizes")
    assert code == 0
    assert out.splitlines() == ["broken\t7", f"huge.bin\t{5 * 1024**3}"]
    code, out, _ = run(capsys, str(tmp_path), "-o", "json")
    assert json.loads(out)["eligible"] == {"files": 2, "bytes": 5 * 1024**3 + 7}


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a": "1"})
    proc = subprocess.run([sys.executable, "-m", "ctxaudit", "ls", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == "a\n"


def test_scan_reports_transfer_and_image(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(PANDAS), "-o", "json")
    assert code == 0
    doc = json.loads(out)
    # requirements.txt and scripts/ (with its bytecode) are all BuildKit sends.
    assert doc["transfer"]["files"] == 7 and doc["transfer"]["whole_context"] is False
    assert doc["transfer"]["bytes"] < doc["eligible"]["bytes"]
    assert doc["image"] == {"files": 7, "bytes": doc["transfer"]["bytes"]}
    (df,) = doc["dockerfiles"]
    assert [i["line"] for i in df["instructions"]] == [6, 11, 13]
    assert df["instructions"][2]["in_image"] and not df["instructions"][0]["in_image"]
    assert any(f["rule"] == "CA304" and f["line"] == 13 for f in doc["findings"])


def test_scan_legacy_transfer_is_the_tar(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(PANDAS), "-o", "json", "-b", "legacy")
    doc = json.loads(out)
    # Measured: the Docker 28 CLI sent 41,472 bytes for this context (fake daemon).
    assert doc["transfer"]["tar_bytes"] == 41472


def test_scan_several_dockerfiles_each_with_its_ignore_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            ".dockerignore": "*.csv\n",
            "a.Dockerfile": "FROM scratch\nCOPY . /a/\n",
            "b.Dockerfile": "FROM scratch\nCOPY data.csv /\n",
            "b.Dockerfile.dockerignore": "",
            "data.csv": "1,2\n",
            "app.py": "print()\n",
        },
    )
    code, out, _ = run(
        capsys, str(tmp_path), "-f", str(tmp_path / "a.Dockerfile"), "-f", str(tmp_path / "b.Dockerfile"), "-o", "json"
    )
    assert code == 0
    doc = json.loads(out)
    a, b = doc["dockerfiles"]
    assert a["ignore_file"].endswith(".dockerignore") and b["ignore_file"].endswith("b.Dockerfile.dockerignore")
    assert a["transfer"]["whole_context"] and b["transfer"]["files"] == 1
    assert not any(f["rule"] == "CA300" for f in doc["findings"])


def test_scan_copy_of_ignored_file_is_an_error_finding(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {".dockerignore": "*.csv\n", "Dockerfile": "FROM scratch\nCOPY data.csv /\n", "data.csv": ""})
    code, out, err = run(capsys, str(tmp_path), "-o", "json")
    assert code == 1 and "1 finding at or above error" in err  # --fail-on error is the default
    (f,) = [f for f in json.loads(out)["findings"] if f["rule"] == "CA300"]
    assert f["severity"] == "error" and f["path"] == "Dockerfile" and f["line"] == 2


def test_scan_build_arg_and_target(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {"Dockerfile": "FROM scratch AS a\nARG D\nCOPY $D /d/\nFROM scratch\nCOPY nope /\n", "x/f": "12345"},
    )
    _, out, _ = run(capsys, str(tmp_path), "-o", "json", "--build-arg", "D=x", "--target", "a")
    doc = json.loads(out)
    assert doc["image"] == {"files": 1, "bytes": 5}
    assert doc["findings"] == []
    _, out, _ = run(capsys, str(tmp_path), "-o", "json", "--target", "a")
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert "CA302" in rules  # $D is unset without --build-arg


def test_bad_dockerfile_and_build_arg_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_tree(tmp_path, {"Dockerfile": "FROM x\nRUN <<EOF\necho\n"})
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "Dockerfile:2: unterminated heredoc" in err
    make_tree(tmp_path, {"Dockerfile": "FROM x\n"})
    # `--build-arg NAME` is Docker's "from the environment" (tests/test_dockerflags.py); a value without a name is not.
    code, _, err = run(capsys, str(tmp_path), "--build-arg", "=novalue")
    assert code == 2 and "NAME=VALUE" in err


def test_buildkit_transfer_is_printed_as_buildkit_prints_it() -> None:
    from ctxaudit.common.display import buildkit_size

    # figures printed by the engine for the tests/dockerfile goldens
    assert [buildkit_size(n) for n in (122, 8777, 70457)] == ["122B", "8.78kB", "70.46kB"]


def test_ls_into_a_closed_pipe_exits_0(tmp_path: Path) -> None:
    make_tree(tmp_path, {f"d{i}/f{j}.txt": "x" for i in range(60) for j in range(100)})
    proc = subprocess.run(
        f"{shlex.quote(sys.executable)} -m ctxaudit ls {shlex.quote(str(tmp_path))} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        executable="/bin/bash",
    )
    assert proc.stdout == "d0/f0.txt\n"
    assert proc.stderr == ""
    status = subprocess.run(
        f"{shlex.quote(sys.executable)} -m ctxaudit ls {shlex.quote(str(tmp_path))} | head -1 >/dev/null; "
        "echo ${PIPESTATUS[0]}",
        shell=True,
        capture_output=True,
        text=True,
        executable="/bin/bash",
    )
    assert status.stdout.strip() == "0"
