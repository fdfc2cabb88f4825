"""Kinds for test data, coverage output and compiled binaries (by name and by magic number)."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.classify import kinds
from ctxaudit.cli import main

ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 300
MACHO_64 = b"\xcf\xfa\xed\xfe" + b"\0" * 300
MACHO_FAT = b"\xca\xfe\xba\xbe" + b"\0" * 300


def pe(offset: int = 0x80) -> bytes:
    """A DOS stub whose e_lfanew points at a PE signature."""
    head = bytearray(b"MZ" + b"\0" * 510)
    head[0x3C:0x40] = struct.pack("<I", offset)
    head[offset : offset + 4] = b"PE\0\0"
    return bytes(head)


@pytest.mark.parametrize(
    "data,expected",
    [
        (ELF, True),
        (MACHO_64, True),
        (b"\xfe\xed\xfa\xce" + b"\0" * 100, True),
        (MACHO_FAT, True),
        (pe(), True),
        (pe(0x40), True),
        (b"MZ is a text file that starts like a DOS program" + b" " * 100, False),
        (b"MZ" + b"\0" * 0x3A + struct.pack("<I", 4000), False),  # header offset beyond what was read
        (b"#!/bin/sh\necho hi\n", False),
        (b"", False),
    ],
)
def test_binary_magic(data: bytes, expected: bool) -> None:
    assert kinds.binary_magic(data) is expected


def scan_kinds(capsys: pytest.CaptureFixture[str], ctx: Path) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """(path -> kind of each file, the JSON's by_kind) of a scan."""
    assert main([str(ctx), "-o", "json", "--no-progress", "--fail-on", "never", "--top", "50"]) == 0
    doc = json.loads(capsys.readouterr().out)
    return {f["path"]: f["kind"] for f in doc["largest_files"]}, doc["by_kind"]


def test_test_data_coverage_and_binaries_are_told_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "testdata/big.json": 5000,
            "pkg/testdata/input.go": "package input\n" * 20,  # Go never builds testdata/, even with .go files
            "src/__snapshots__/app.test.js.snap": 900,
            "coverage/lcov.info": 3000,
            "coverage/lcov-report/index.html": 700,
            "htmlcov/index.html": 600,
            ".coverage": 400,
            ".coverage.host.1234": 300,
            "coverage.xml": 200,
            "bin/server": ELF,
            "bin/server-mac": MACHO_64,
            "bin/tool.exe": 1000,
            "bin/plain": pe(),
            "lib/libfoo.so.1.2": 800,
            "lib/libbar.so": 700,
            "lib/libbaz.dylib": 600,
            "scripts/deploy": "#!/bin/sh\n" + "echo deploying\n" * 20,  # no suffix, not a binary
            "bin/tiny": b"\x7fELF" + b"\0" * 60,  # below the sniffing floor: no real executable is that small
            "main.go": "package main\n" * 20,
        },
    )
    files, by_kind = scan_kinds(capsys, tmp_path)
    assert files["testdata/big.json"] == "test-data"
    assert files["pkg/testdata/input.go"] == "test-data"
    assert files["src/__snapshots__/app.test.js.snap"] == "test-data"
    for path in ("coverage/lcov.info", "coverage/lcov-report/index.html", "htmlcov/index.html", ".coverage"):
        assert files[path] == "coverage", path
    assert files[".coverage.host.1234"] == files["coverage.xml"] == "coverage"
    for path in ("bin/server", "bin/server-mac", "bin/tool.exe", "bin/plain", "lib/libfoo.so.1.2", "lib/libbar.so"):
        assert files[path] == "binary", path
    assert files["lib/libbaz.dylib"] == "binary"
    assert files["scripts/deploy"] == files["bin/tiny"] == files["main.go"] == "source"
    assert by_kind["binary"]["files"] == 7
    assert by_kind["coverage"]["files"] == 6
    assert by_kind["test-data"]["files"] == 3


def test_a_real_executable_is_a_binary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = shutil.which("true") or shutil.which("sh")
    assert real is not None
    (tmp_path / "bin").mkdir()
    shutil.copyfile(real, tmp_path / "bin" / "app")
    files, _ = scan_kinds(capsys, tmp_path)
    assert files["bin/app"] == "binary"


def test_coverage_is_swept_junk_and_test_data_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CA304 counts coverage reports a broad COPY takes; suggest proposes both, test data with a note.

    Under ``COPY . /app`` the build may read them (the tests run in the image), and neither is
    unmistakable junk: both are held back for review. When the Dockerfile copies only app.py,
    nothing reads them and both lines are written."""
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /app\n",
            "coverage/lcov.info": 3000,
            "testdata/big.json": 5000,
            "app.py": "print()\n",
        },
    )
    assert main([str(tmp_path), "-o", "json", "--no-progress", "--fail-on", "never"]) == 0
    doc = json.loads(capsys.readouterr().out)
    swept = [f["message"] for f in doc["findings"] if f["rule"] == "CA304"]
    assert len(swept) == 1 and "coverage 2.9 KiB (1 file)" in swept[0] and "test-data" not in swept[0]
    assert doc["suggestions"] == []
    review = {s["pattern"]: s for s in doc["review"]}
    assert review["coverage"]["status"] == review["testdata"]["status"] == "review"
    assert review["coverage"]["reason"] == "coverage: coverage/ directories"
    assert review["testdata"]["reason"] == "test-data: testdata/ directories"
    assert review["testdata"]["note"] == "keep them if the build runs the tests"
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY app.py /app/\n")
    assert main([str(tmp_path), "-o", "json", "--no-progress", "--fail-on", "never"]) == 0
    lines = {s["pattern"]: s for s in json.loads(capsys.readouterr().out)["suggestions"]}
    assert lines["coverage"]["reason"] == "coverage: coverage/ directories"
    assert lines["testdata"]["reason"] == "test-data: testdata/ directories"
    assert lines["testdata"]["note"] == "keep them if the build runs the tests"


def test_a_python_package_named_coverage_is_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"coverage/__init__.py": "x = 1\n" * 50, "coverage/report.py": "y = 2\n" * 50})
    files, _ = scan_kinds(capsys, tmp_path)
    assert files["coverage/report.py"] == "source"
