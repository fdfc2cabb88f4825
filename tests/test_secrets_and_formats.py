"""Secrets rules, SARIF 2.1.0 (validated against the official schema), annotations."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from helpers import make_tree

from ctxaudit.classify import secrets
from ctxaudit.cli import main

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-2.1.0.json").read_text())
REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "path,secret",
    [
        (".env", True),
        (".env.production", True),
        (".env.example", False),
        ("config/.env.sample", False),
        ("certs/server.pem", True),
        ("tls.key", True),
        ("id_rsa", True),
        ("id_rsa.pub", False),
        ("id_ed25519", True),
        (".npmrc", True),
        (".pypirc", True),
        (".netrc", True),
        ("home/.aws/credentials", True),
        (".kube/config", True),
        ("kubeconfig", True),
        ("prod.tfstate", True),
        ("terraform.tfstate.backup", True),
        ("README.md", False),
        ("keys.py", False),
        ("monkey", False),
    ],
)
def test_secret_names(path: str, secret: bool) -> None:
    assert (secrets.reason(path) is not None) is secret


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main([*args, "-o", "json", "--no-progress", "--fail-on", "never"]) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def rules_of(doc: dict[str, object]) -> list[tuple[str, object]]:
    return [(f["rule"], f["path"]) for f in doc["findings"]]  # type: ignore[index,union-attr]


def test_secret_sent_and_copied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "app/.env": "API_TOKEN=abc123",
            ".git/HEAD": "ref",
            ".git/config": "[core]",
            ".env.example": "K=",
        },
    )
    found = rules_of(scan_json(capsys, str(tmp_path)))
    assert ("CA400", "app/.env") in found
    assert ("CA403", ".git") in found  # history transferred: a warning
    assert ("CA404", "Dockerfile") in found  # and copied into the image: an error
    assert ("CA401", "Dockerfile") in found
    assert not any(p == ".env.example" for _, p in found)


def test_no_secret_findings_when_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            ".dockerignore": "**/.env\n.git\n",
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "app/.env": "API_TOKEN=abc123",
            ".git/HEAD": "ref",
        },
    )
    found = rules_of(scan_json(capsys, str(tmp_path)))
    assert not any(r in ("CA400", "CA401") for r, _ in found)


@pytest.mark.parametrize("sample", ["pandas-analysis", "node-monorepo", "clean-api"])
def test_sarif_validates_against_schema(sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(REPO / "sample_contexts" / sample), "-o", "sarif", "--full", "--no-progress", "--fail-on", "never"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert (
        rule_ids == sorted(rule_ids)
        and "CA201" in rule_ids
        and all(r["help"]["text"] for r in run["tool"]["driver"]["rules"])
    )
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]


def test_sarif_locations(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    main(["sample_contexts/pandas-analysis", "-o", "sarif", "--no-progress"])
    doc = json.loads(capsys.readouterr().out)
    locs = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"),
        )
        for r in doc["runs"][0]["results"]
    }
    assert ("CA201", "sample_contexts/pandas-analysis/.dockerignore", 1) in locs
    assert ("CA304", "sample_contexts/pandas-analysis/Dockerfile", 13) in locs


def test_github_annotations(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    main(["sample_contexts/pandas-analysis", "--no-progress"])
    out = capsys.readouterr().out
    assert "::warning file=sample_contexts/pandas-analysis/.dockerignore,line=1,title=CA201 root-only-pattern::" in out
    main(["sample_contexts/pandas-analysis", "--no-progress", "-o", "json"])
    json.loads(capsys.readouterr().out)  # no annotations mixed into JSON


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.sarif"
    assert main([str(REPO / "sample_contexts" / "clean-api"), "-o", "sarif", "-O", str(target), "--no-progress"]) == 0
    assert capsys.readouterr().out == ""
    jsonschema.validate(json.loads(target.read_text()), SCHEMA)
