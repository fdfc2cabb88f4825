"""``ctxaudit layers`` at the command line: formats, gates, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import layercases
import pytest

from ctxaudit.cli import main

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-2.1.0.json").read_text())
SEED = str(layercases.FIXTURES / "seed-single.tar")
CTX, DOCKERFILE = layercases.context_and_dockerfile(layercases.cases()["seed-single"])
WITH_DOCKERFILE = ["-f", str(DOCKERFILE), str(CTX)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["layers", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_shows_base_apart_waste_prediction_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, SEED, *WITH_DOCKERFILE)
    assert code == 0 and err == ""
    base, yours = out.index("Base image"), out.index("Your layers")
    assert base < yours < out.index("Waste") < out.index("Prediction vs reality") < out.index("Findings (3)")
    assert "COPY sh /bin/sh" in out[base:yours]  # the base image's layer, apart
    assert "RUN chmod -R 755 ./scripts" in out[yours:]
    assert "dive 0.13.1's figures for the whole image: efficiency 86.8%, 7.6 KiB wasted" in out
    assert "83.4%" in out  # your layers: 3,905 of 23,483 bytes wasted


def test_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, SEED, *WITH_DOCKERFILE, "-o", "markdown")
    assert code == 0
    assert out.startswith("## ctxaudit layers:")
    assert "### Prediction vs reality (tolerance 5%)" in out
    assert "CA500" in out and "seed-single.Dockerfile:8" in out


def test_sarif_is_valid_and_points_at_dockerfile_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, SEED, *WITH_DOCKERFILE, "-o", "sarif")
    assert code == 0
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    results = doc["runs"][0]["results"]
    where = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["properties"]["bytes"])
        for r in results
    }
    assert where == {("CA500", 8, 3905), ("CA502", 6, 3072), ("CA503", 9, 7661)}
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("tests/layers/cases/seed-single.Dockerfile")


def test_sarif_without_a_dockerfile_locates_every_result_at_the_image(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub code scanning rejects a result without a location: without -f, the image is the location."""
    monkeypatch.chdir(layercases.REPO)
    code, out, _ = run(capsys, SEED, "-o", "sarif")
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    results = doc["runs"][0]["results"]
    assert code == 0 and results
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"tests/layers/fixtures/seed-single.tar"}


@pytest.mark.parametrize(
    ("flags", "breach"),
    [
        (["--max-wasted", "3KB"], "your layers waste 3.8 KiB (3,905 bytes), more than --max-wasted 3KB (3,000 bytes)"),
        (
            ["--max-wasted-percent", "15"],
            "your layers waste 16.6% of their 22.9 KiB, more than --max-wasted-percent 15",
        ),
        (["--min-efficiency", "90"], "efficiency of your layers 83.4%, below --min-efficiency 90"),
        (
            ["--min-efficiency", "87", "--include-base"],
            "efficiency of the whole image 86.8%, below --min-efficiency 87",
        ),
        (["--fail-on", "warning"], "3 findings at or above warning (worst: warning)"),
    ],
)
def test_gates_fail_with_one_line_each(capsys: pytest.CaptureFixture[str], flags: list[str], breach: str) -> None:
    code, _, err = run(capsys, SEED, *WITH_DOCKERFILE, *flags)
    assert code == 1
    assert f"ctxaudit: gate failed: {breach}" in err


@pytest.mark.parametrize(
    "flags",
    [
        ["--max-wasted", "4KB"],
        ["--max-wasted-percent", "17"],
        ["--min-efficiency", "83"],
        ["--min-efficiency", "86", "--include-base"],
        ["--fail-on", "error"],
        ["--fail-on", "warning", "--ignore-rule", "CA500", "--ignore-rule", "CA502", "--ignore-rule", "CA503"],
    ],
)
def test_gates_pass_within_their_limits(capsys: pytest.CaptureFixture[str], flags: list[str]) -> None:
    code, _, err = run(capsys, SEED, *WITH_DOCKERFILE, *flags)
    assert (code, err) == (0, "")


def test_the_base_image_is_out_of_the_gates_unless_included(capsys: pytest.CaptureFixture[str]) -> None:
    # The split-runs image removes a copy of the base's /bin/sh: all in your layers.
    # With --base-layers 2 the copy's layer counts as base, and nothing of yours is wasted.
    source = str(layercases.FIXTURES / "split-runs.tar")
    assert run(capsys, source, "--base-layers", "2", "--max-wasted", "0")[0] == 0
    code, _, err = run(capsys, source, "--base-layers", "2", "--max-wasted", "0", "--include-base")
    assert code == 1 and "the whole image waste 6.0 KiB (6,104 bytes)" in err


def test_github_annotations(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, SEED, *WITH_DOCKERFILE)
    assert code == 0
    assert "::warning file=tests/layers/cases/seed-single.Dockerfile,line=8,title=CA500 layer-duplicating-run::" in out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing.tar", "missing.tar: no such file or directory"),
        (str(layercases.HERE / "cases.json"), "not a readable image archive"),
        (str(layercases.HERE), "a directory without index.json"),
    ],
)
def test_bad_sources_exit_2_without_a_traceback(capsys: pytest.CaptureFixture[str], source: str, message: str) -> None:
    code, out, err = run(capsys, source)
    assert code == 2 and out == ""
    assert err.startswith("ctxaudit: error: ") and message in err and "Traceback" not in err


def test_a_name_without_docker_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "myapp:latest", "--docker", str(tmp_path / "none"))
    assert code == 2 and "the Docker CLI to save an image of that name cannot run" in err


def test_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, SEED, *WITH_DOCKERFILE, "-o", "json")
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == 1
    assert set(doc) == {
        "schema",
        "image",
        "dockerfile",
        "context",
        "base",
        "layers",
        "waste",
        "largest_hidden",
        "dive",
        "predictions",
        "tolerance",
        "findings",
        "notes",
    }
    assert doc["image"] == {
        "source": SEED,
        "format": "docker-archive",
        "name": "ctxaudit-layers-seed-single:rec",
        "layers": 7,
        "bytes": 29587,
    }
    assert doc["largest_hidden"][0] == {
        "path": "/app/scripts/__pycache__/analyze.cpython-311.pyc",
        "bytes": 1995,
        "layer": 4,
        "hidden_by": 5,
        "how": "metadata",
    }


def test_a_dockerfile_outside_the_context_is_shown_from_the_current_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layercases.REPO)
    assert main(["image", *WITH_DOCKERFILE]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tests/layers/cases/seed-single.Dockerfile: the image is stage 0")
    assert " tests/layers/cases/seed-single.Dockerfile:8 " in out
    assert main(["image", *WITH_DOCKERFILE, "-o", "json"]) == 0  # JSON keeps the path whole
    assert {f["path"] for f in json.loads(capsys.readouterr().out)["findings"]} == {str(DOCKERFILE)}
