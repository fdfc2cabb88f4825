"""Saying "we know": inline comments, per-path ignores in the settings, a baseline that survives line moves."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from helpers import make_tree

from ctxaudit.cli import main

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-2.1.0.json").read_text())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, object]], str]:
    code = main([*args, "-o", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out)["findings"], err


def ids(findings: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted((f["rule"], f["line"]) for f in findings)


def test_inline_comment_in_the_dockerfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"app/run.sh": "echo\n" * 50, "app/lib.py": "x = 1\n"})
    dockerfile = (
        "FROM debian\nCOPY app/ /srv/\n"
        "# ctxaudit: ignore=CA500\nRUN chmod -R 700 /srv\n"  # silenced
        "RUN chmod -R 750 /srv\n"  # not: the comment is not right above
        "# keep the lists for the next RUN\n# ctxaudit: ignore=CA503, CA504\n"
        "RUN apt-get update && apt-get install -y curl\n"  # silenced by a comment block
        "# ctxaudit: ignore=CA5\n\nRUN pip install flask\n"  # not: a blank line in between
    )
    (tmp_path / "Dockerfile").write_text(dockerfile)
    code, found, _ = run(capsys, "image", str(tmp_path), "--fail-on", "never")
    assert code == 0
    assert ids(found) == [("CA500", 5), ("CA502", 11)]


def test_inline_comment_in_the_ignore_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            ".dockerignore": "# ctxaudit: ignore=CA201 (only root logs on purpose)\n*.log\n*.tmp\n",
            "a/b.log": "",
            "a/c.tmp": "",
        },
    )
    _, found, _ = run(capsys, "lint", str(tmp_path), "--fail-on", "never")
    assert [line for rule, line in ids(found) if rule == "CA201"] == [3]


def test_per_path_ignores_in_the_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "deploy/dev/server.key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
            "deploy/dev/.env": "API_TOKEN=abc123\n",
            "config/.env": "DB_PASSWORD=hunter2\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ctxaudit.per-path-ignores]\n"deploy/dev/**" = ["CA400"]\n"Dockerfile" = ["ca4"]\n'
    )
    code, found, err = run(capsys, str(tmp_path), "--no-progress")
    assert [(f["rule"], f["path"]) for f in found if str(f["rule"]).startswith("CA4")] == [("CA400", "config/.env")]
    assert code == 1 and "1 finding at or above error" in err  # the real leak still fails the gate
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / ".ctxaudit.toml").write_text(
        '[per-path-ignores]\n"**/.env" = ["CA400"]\n"*.key" = ["CA4"]\nDockerfile = ["CA401"]\n'
    )
    code, found, _ = run(capsys, str(tmp_path), "--no-progress")
    assert code == 0 and not [f for f in found if str(f["rule"]).startswith("CA4")]
    (tmp_path / ".ctxaudit.toml").write_text('[per-path-ignores]\n"**/.env" = "CA400"\n')
    assert main([str(tmp_path), "--no-progress"]) == 2
    assert "per-path-ignores '**/.env' must be a list of rule ids" in capsys.readouterr().err


def test_baseline_survives_line_moves_and_reports_only_new_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(
        tmp_path,
        {
            ".dockerignore": "*.log\n",
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "config/.env": "API_TOKEN=abc123\n",
            "logs/a.log": "x",
        },
    )
    base = tmp_path / "ctxaudit-baseline.json"
    code, found, err = run(capsys, str(tmp_path), "--no-progress", "--write-baseline", str(base))
    assert code == 0 and "wrote" in err and {("CA400", None), ("CA401", 2), ("CA201", 1)} <= set(ids(found))
    assert all(isinstance(f["fingerprint"], str) for f in found)
    code, found, err = run(capsys, str(tmp_path), "--no-progress", "--baseline", str(base))
    assert code == 0 and found == [] and "not reported" in err
    # Lines move (a comment and a blank line above), sizes change: still the same findings.
    (tmp_path / "Dockerfile").write_text("# the app\n\nFROM scratch\n\nCOPY . /app/\n")
    (tmp_path / ".dockerignore").write_text("# logs\n*.log\n")
    (tmp_path / "config/.env").write_text("API_TOKEN=abc123\nDEBUG=1\n")
    code, found, _ = run(capsys, str(tmp_path), "--no-progress", "--baseline", str(base))
    assert code == 0 and found == []
    # A new leak is reported and fails the gate; the known ones stay quiet.
    (tmp_path / "deploy.pem").write_text("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n")
    code, found, _ = run(capsys, str(tmp_path), "--no-progress", "--baseline", str(base))
    assert code == 1 and [(f["rule"], f["path"]) for f in found if f["rule"] == "CA400"] == [("CA400", "deploy.pem")]
    assert [f["rule"] for f in found if f["rule"] != "CA400"] == ["CA401"]  # COPY . now copies a second secret


def test_baseline_for_lint_and_image_and_in_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "*.log\n", "a/b.log": "", "Dockerfile": "FROM x\nRUN pip install y\n"})
    base = tmp_path / "b.json"
    for cmd in ("lint", "image"):
        assert main([cmd, str(tmp_path), "--fail-on", "warning", "--write-baseline", str(base)]) == 0
        assert main([cmd, str(tmp_path), "--fail-on", "warning", "--baseline", str(base)]) == 0
        assert main([cmd, str(tmp_path), "--fail-on", "warning"]) == 1
    capsys.readouterr()
    assert main([str(tmp_path), "-o", "sarif", "--no-progress"]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, SCHEMA)
    assert all(len(r["partialFingerprints"]["ctxaudit/v1"]) == 20 for r in doc["runs"][0]["results"])


def test_a_bad_baseline_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"a": "1", "bad.json": '{"findings": 3}'})
    assert main([str(tmp_path), "--no-progress", "--baseline", str(tmp_path / "bad.json")]) == 2
    assert "not a ctxaudit baseline" in capsys.readouterr().err
    assert main([str(tmp_path), "--no-progress", "--baseline", str(tmp_path / "missing.json")]) == 2


def test_the_directive_may_follow_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {"Dockerfile": "FROM x\n# wheels are cached upstream; ctxaudit: ignore=CA502 because\nRUN pip install y\n"},
    )
    assert run(capsys, "image", str(tmp_path), "--fail-on", "never")[1] == []
