"""The GitHub Action's script and the pre-commit hooks, run for real."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif-2.1.0.json").read_text())


def ctxaudit_bin(tmp_path: Path) -> Path:
    """A `ctxaudit` executable on PATH for this interpreter."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    exe = bindir / "ctxaudit"
    exe.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m ctxaudit "$@"\n')
    exe.chmod(0o755)
    return bindir


def action_script() -> str:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    steps = action["runs"]["steps"]
    (audit,) = [s for s in steps if s.get("name") == "Audit the build context"]
    return str(audit["run"])


def run_action(tmp_path: Path, **inputs: str) -> tuple[int, str, str]:
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{ctxaudit_bin(tmp_path)}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTIONS": "true",
        "CTX": inputs.get("context", "sample_contexts/pandas-analysis"),
        "DOCKERFILE": inputs.get("dockerfile", ""),
        "BUILDER": inputs.get("builder", "buildkit"),
        "MAX_SIZE": inputs.get("max-size", ""),
        "MAX_FILES": inputs.get("max-files", ""),
        "MAX_TRANSFER": inputs.get("max-transfer", ""),
        "FAIL_ON": inputs.get("fail-on", "error"),
        "SARIF": inputs.get("sarif", ""),
        "HTML": inputs.get("html", ""),
        "ANNOTATIONS": inputs.get("annotations", "auto"),
    }
    proc = subprocess.run(["bash", "-e", "-c", action_script()], cwd=REPO, env=env, capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr, summary.read_text() if summary.exists() else ""


def test_action_passes_and_writes_summary_and_sarif(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    code, log, summary = run_action(tmp_path, sarif=str(sarif))
    assert code == 0, log
    assert summary.startswith("## ctxaudit")
    assert "::warning file=sample_contexts/pandas-analysis/.dockerignore,line=1" in log
    jsonschema.validate(json.loads(sarif.read_text()), SCHEMA)
    # The SARIF run writes no annotation: each one appears once.
    annotations = [line for line in log.splitlines() if line.startswith(("::warning", "::error", "::notice"))]
    assert annotations and len(annotations) == len(set(annotations))


def test_action_annotates_failed_gates_and_findings_once(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    code, log, _ = run_action(tmp_path, sarif=str(sarif), **{"max-size": "10KB"})
    assert code == 1
    gates = [line for line in log.splitlines() if line.startswith("::error title=ctxaudit%3A gate failed::")]
    assert gates == [
        "::error title=ctxaudit%3A gate failed::eligible context 20.4 KiB (20,899 bytes) exceeds --max-size "
        "10KB (10,000 bytes)"
    ]
    findings = [line for line in log.splitlines() if line.startswith("::warning ")]
    assert len(findings) == len(set(findings)) == 5


def test_action_with_gates_only_annotations(tmp_path: Path) -> None:
    """annotations: gates (code scanning shows the findings): the failed gates alone."""
    code, log, _ = run_action(tmp_path, sarif=str(tmp_path / "x.sarif"), annotations="gates", **{"max-files": "3"})
    assert code == 1
    annotations = [line for line in log.splitlines() if line.startswith(("::warning", "::error", "::notice"))]
    assert annotations == [
        "::error title=ctxaudit%3A gate failed::eligible context has 18 files, more than --max-files 3"
    ]


def test_action_writes_the_html_report_and_uploads_it(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    code, log, summary = run_action(tmp_path, html=str(page), **{"max-size": "10KB"})
    assert code == 1, log  # the gate still decides; the page is written before it
    assert summary.startswith("## ctxaudit")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="ctxaudit-data"' in html
    assert 'data-figure="ignored"' in html  # the action's page walks what the ignore file keeps out too
    assert log.count("::warning file=sample_contexts/pandas-analysis/.dockerignore,line=1") == 1
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["inputs"]["html"]["default"] == "" and action["inputs"]["html-artifact"]["default"]
    (upload,) = [s for s in action["runs"]["steps"] if s.get("name") == "Upload the HTML report"]
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert upload["with"] == {
        "name": "${{ inputs.html-artifact }}",
        "path": "${{ inputs.html }}",
        "if-no-files-found": "warn",
    }
    assert "always()" in upload["if"] and "inputs.html != ''" in upload["if"]


def test_action_fails_on_gate(tmp_path: Path) -> None:
    code, log, summary = run_action(tmp_path, **{"max-size": "10KB", "fail-on": "warning"})
    assert code == 1
    assert "gate failed: eligible context" in log and "5 findings at or above warning" in log
    assert "## ctxaudit" in summary


@pytest.mark.parametrize(
    "hook_id,sample,expected",
    [
        ("ctxaudit", "node-monorepo", 1),  # a .env is sent and copied: error findings
        ("ctxaudit", "clean-api", 0),
        ("ctxaudit-lint", "pandas-analysis", 1),  # root-only patterns are warnings
        ("ctxaudit-lint", "clean-api", 0),
    ],
)
def test_pre_commit_hooks(hook_id: str, sample: str, expected: int, tmp_path: Path) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks[hook_id]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    work = tmp_path / sample
    shutil.copytree(REPO / "sample_contexts" / sample, work, symlinks=True)
    env = {**os.environ, "PATH": f"{ctxaudit_bin(tmp_path)}:{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(shlex.split(hook["entry"]), cwd=work, env=env, capture_output=True, text=True)
    assert proc.returncode == expected, proc.stdout + proc.stderr
