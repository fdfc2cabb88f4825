"""Docker's own flags behave as in Docker: ``-f -`` and ``--build-arg NAME``, against the engine's goldens.

tests/dockerflags/record.py recorded each build on the engine (see its
docstring); here ctxaudit must say what the engine did: what a ``COPY .``
took, which file a ``--build-arg`` chose, and the legacy tar to the byte.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from ctxaudit import cli
from ctxaudit.cli import main

GOLDEN = json.loads((Path(__file__).resolve().parent / "dockerflags" / "golden.json").read_text())


def run(case: str, label: str) -> dict[str, Any]:
    (found,) = [r for r in GOLDEN["runs"] if r["case"] == case and r["label"] == label]
    return dict(found)


def materialize(case: str, where: Path) -> Path:
    ctx = where / "ctx"
    for rel, text in GOLDEN["cases"][case].items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_text(text)
    return ctx


def image(result: dict[str, Any]) -> dict[str, int]:
    """The files a recorded build put under /out/, as context paths."""
    return {path.removeprefix("/out/"): size for path, size in result["image"]}


def with_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    monkeypatch.setattr(cli, "_STDIN", [])


def ls(capsys: pytest.CaptureFixture[str], *args: str) -> set[str]:
    assert main(["ls", *args]) == 0
    return set(capsys.readouterr().out.splitlines())


def test_the_golden_shows_what_the_flags_do() -> None:
    """The recorded facts the tests below rely on."""
    assert "a.txt" in image(run("stdin", "file")["buildkit"]) and "b.txt" not in image(run("stdin", "file")["buildkit"])
    assert "b.txt" in image(run("stdin", "stdin")["buildkit"]) and "a.txt" not in image(
        run("stdin", "stdin")["buildkit"]
    )
    assert set(image(run("build-arg", "env")["buildkit"])) == {"fromenv.txt"}
    assert set(image(run("build-arg", "unset")["buildkit"])) == {"default.txt"}


def test_dockerfile_from_stdin_has_no_per_dockerfile_ignore_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = materialize("stdin", tmp_path)
    # -f CTX/Dockerfile: BuildKit reads Dockerfile.dockerignore instead of .dockerignore.
    assert ls(capsys, "-f", str(ctx / "Dockerfile"), str(ctx)) == set(image(run("stdin", "file")["buildkit"]))
    # -f -: the context's .dockerignore applies, as the engine showed.
    with_stdin(monkeypatch, (ctx / "Dockerfile").read_bytes())
    assert ls(capsys, "-f", "-", str(ctx)) == set(image(run("stdin", "stdin")["buildkit"]))


def test_dockerfile_from_stdin_is_audited_and_named_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = materialize("stdin", tmp_path)
    with_stdin(monkeypatch, (ctx / "Dockerfile").read_bytes())
    assert main(["scan", str(ctx), "-f", "-", "-o", "json", "--no-progress"]) == 0
    doc = json.loads(capsys.readouterr().out)
    expected = image(run("stdin", "stdin")["buildkit"])
    assert doc["image"] == {"files": len(expected), "bytes": sum(expected.values())}
    assert doc["dockerfiles"][0]["dockerfile"] == "-" and doc["ignore_file"].endswith("/.dockerignore")
    with_stdin(monkeypatch, (ctx / "Dockerfile").read_bytes())
    assert main(["scan", str(ctx), "-f", "-", "--no-progress"]) == 0
    assert "Dockerfile from stdin" in capsys.readouterr().out


def test_legacy_tar_with_a_dockerfile_from_stdin_to_the_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The legacy CLI appends the stdin Dockerfile to the tar under a random name, and that name to .dockerignore."""
    ctx = materialize("stdin", tmp_path)
    with_stdin(monkeypatch, (ctx / "Dockerfile").read_bytes())
    assert main(["scan", str(ctx), "-f", "-", "-b", "legacy", "-o", "json", "--no-progress"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["transfer"]["tar_bytes"] == run("stdin", "stdin")["legacy"]["tar_bytes"]
    assert main(["scan", str(ctx), "-f", str(ctx / "Dockerfile"), "-b", "legacy", "-o", "json", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["transfer"]["tar_bytes"] == run("stdin", "file")["legacy"]["tar_bytes"]


def test_stdin_dockerfile_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = materialize("stdin", tmp_path)
    with_stdin(monkeypatch, b"FROM scratch\n")
    assert main(["scan", str(ctx), "-f", "-", "-f", "-", "--no-progress"]) == 2
    assert "-f - reads one Dockerfile from stdin" in capsys.readouterr().err


@pytest.mark.parametrize("label", ["env", "unset", "value"])
@pytest.mark.parametrize("command", ["scan", "image"])
def test_build_arg_from_the_environment(
    label: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = run("build-arg", label)
    ctx = materialize("build-arg", tmp_path)
    monkeypatch.delenv("SRC", raising=False)
    for k, v in recorded["env"].items():
        monkeypatch.setenv(k, v)
    assert main([command, str(ctx), *recorded["args"], "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    got = doc["image"] if command == "scan" else doc["dockerfiles"][0]["image"]
    for builder in ("buildkit", "legacy"):
        expected = image(recorded[builder])
        assert got == {"files": len(expected), "bytes": sum(expected.values())}, builder


@pytest.mark.parametrize("command", ["suggest", "init"])
def test_target_and_build_args_wherever_a_dockerfile_is_read(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """suggest and init keep what the stages of this target copy (here a file --build-arg names)."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch AS app\nARG SRC\nCOPY ${SRC} /out/\nFROM scratch AS other\n")
    (ctx / "app.log").write_text("x" * 500)
    args = ["--build-arg", "SRC=app.log", "--target", "app"]
    extra = ["--dry-run"] if command == "init" else ["-o", "json"]
    assert main([command, str(ctx), *args, *extra]) == 0
    out = capsys.readouterr().out
    if command == "init":
        # the line comes with the exception that keeps the COPY source, or not at all
        assert "!app.log" in out if "**/*.log" in out else "app.log" not in out
        assert main([command, str(ctx), *args]) == 0
        capsys.readouterr()
        assert main(["explain", "-C", str(ctx), "app.log", "-o", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["paths"][0]["sent"] is True
        # with another log beside it the line saves bytes: written, with the exception for the source
        (ctx / ".dockerignore").unlink()
        (ctx / "debug.log").write_text("y" * 500)
        assert main([command, str(ctx), "--build-arg", "SRC=app.log", "--target", "app"]) == 0
        text = (ctx / ".dockerignore").read_text()
        assert "**/*.log" in text and "!app.log" in text
    else:
        assert all(s["pattern"] != "**/*.log" or "!app.log" in s["exceptions"] for s in json.loads(out)["suggestions"])
