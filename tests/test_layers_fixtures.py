"""``ctxaudit layers`` on images built by the real engine (tests/layers/fixtures).

The archives were built and saved by tests/layers/record.py, which also
recorded, in golden/NAME.json, the engine's ``docker history`` (size of each
layer) and dive 0.13.1's ``--json`` figures for the same archive. Here:
ctxaudit's layer sizes are the engine's, its dive-style figures are dive's,
each case's findings and waste are the ones cases.json expects, and the
prediction made before the build agrees with the layers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import layercases
import pytest

from ctxaudit.analysis import dive
from ctxaudit.archive.image import open_image
from ctxaudit.cli import main

CASES = layercases.cases()


def fixture(name: str) -> str:
    return str(layercases.FIXTURES / f"{name}.tar")


def analysed(name: str) -> dict[str, Any]:
    return layercases.layers_json(fixture(name), CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_and_waste_are_the_expected_ones(name: str) -> None:
    expect = CASES[name]["expect"]
    doc = analysed(name)
    assert sorted([f["rule"], f["line"], f["bytes"]] for f in doc["findings"]) == sorted(expect["findings"])
    assert doc["waste"]["yours"]["wasted"] == expect["wasted"]
    assert doc["base"] == {"layers": expect["base_layers"], "known": True, "counted": False}
    assert not doc["notes"]  # every history entry matched the Dockerfile
    if "lines" in expect:
        assert [layer["line"] for layer in doc["layers"]] == expect["lines"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_sizes_are_the_engines(name: str) -> None:
    """Each layer holds what ``docker history`` says; entries without a layer show 0."""
    history = layercases.golden(name)["history"]
    layers = analysed(name)["layers"]
    it = iter(history)
    for layer in layers:
        for created_by, size in it:
            if created_by == layer["created_by"]:
                assert layer["bytes"] == size, created_by
                break
            assert size == 0, f"{created_by}: no layer here, yet docker history says {size} bytes"
        else:
            raise AssertionError(f"no history entry for {layer['created_by']}")
    assert all(size == 0 for _, size in it)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dive_style_figures_are_dives(name: str) -> None:
    """ctxaudit's replica of dive's formula gives dive's figures, to the byte."""
    recorded = layercases.golden(name)["dive"]
    assert recorded["version"] == "dive 0.13.1"
    image = open_image(fixture(name))
    got = dive.figures([layer.files for layer in image.layers])
    assert got.size_bytes == recorded["sizeBytes"]
    assert got.inefficient_bytes == recorded["inefficientBytes"]
    assert got.efficiency == pytest.approx(recorded["efficiencyScore"], abs=1e-12)
    assert sorted(map(tuple, recorded["fileReference"])) == sorted(got.inefficient_files)
    assert [size for _, size in recorded["layers"]] == [layer.bytes for layer in image.layers]


def test_dive_counts_both_copies_ctxaudit_one() -> None:
    """The seed: dive's 'wasted' is twice the scripts (both copies); ctxaudit's is the copy
    the image cannot reach. Both efficiencies agree: dive's minimum is the one copy too."""
    doc = analysed("seed-single")
    scripts = 3905
    assert doc["dive"]["inefficient_bytes"] == 2 * scripts
    assert doc["waste"]["whole"]["wasted"] == scripts
    assert doc["waste"]["whole"]["efficiency"] == pytest.approx(doc["dive"]["efficiency"], abs=1e-6)


@pytest.mark.parametrize("name", ["rm-after-copy", "split-runs"])
def test_dive_misses_a_deleted_directory(name: str) -> None:
    """A whiteout of a directory: dive counts nothing (the directory is never a leaf below
    it, and its whiteout is seen once); the bytes are stored all the same."""
    doc = analysed(name)
    assert layercases.golden(name)["dive"]["inefficientBytes"] == 0 == doc["dive"]["inefficient_bytes"]
    assert doc["waste"]["yours"]["deleted"] == CASES[name]["expect"]["wasted"] > 0


def test_overwrite_dive_takes_the_smaller_copy_as_the_minimum() -> None:
    doc = analysed("overwrite")
    recorded = layercases.golden("overwrite")["dive"]
    # settings.json: 574 then 579 bytes; dive's minimum keeps 574, ctxaudit the 579 reachable
    assert ["/etc/app/settings.json", 2, 574 + 579] in recorded["fileReference"]
    assert doc["waste"]["yours"]["overwritten"] == 574 and doc["waste"]["yours"]["metadata"] == 88


@pytest.mark.parametrize(("source", "compression"), [("seed-single.oci", "gzip"), ("seed-single-zstd.oci.tar", "zstd")])
def test_oci_copies_of_the_seed_read_the_same(source: str, compression: str) -> None:
    """skopeo's OCI layout (gzip layers) and OCI archive (zstd layers) of the same image."""
    path = str(layercases.FIXTURES / source)
    image = open_image(path)
    assert {layer.compression for layer in image.layers} == {compression}
    assert layercases.summary(path, CASES["seed-single"]) == layercases.summary(
        fixture("seed-single"), CASES["seed-single"]
    )


def test_the_seed_prediction_agrees_with_the_layers(capsys: pytest.CaptureFixture[str]) -> None:
    """README: `ctxaudit image` predicts the duplicated bytes, `ctxaudit layers` measures them."""
    ctx, dockerfile = layercases.context_and_dockerfile(CASES["seed-single"])
    assert main(["image", "-f", str(dockerfile), str(ctx), "-o", "json"]) == 0
    (predicted,) = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "CA500"]
    doc = analysed("seed-single")
    (measured,) = [f for f in doc["findings"] if f["rule"] == "CA500"]
    assert predicted["line"] == measured["line"] == 8
    assert predicted["bytes"] == measured["bytes"] == 3905
    rows = {(p["line"], p["what"]): p for p in doc["predictions"]}
    assert rows[(8, "hidden below")]["status"] == "agrees"
    assert all(p["status"] == "agrees" for p in doc["predictions"])


def test_the_two_stage_fix_holds_the_scripts_once_and_says_the_copy_is_partly_predicted() -> None:
    doc = analysed("seed-two-stage")
    (row,) = [p for p in doc["predictions"] if p["line"] == 12]
    # COPY --from=prep: the scripts are traced back to the context; the prep stage's RUN could
    # have written more, so the prediction is not held against the layer.
    assert row == {**row, "predicted": 3905, "measured": 3905, "status": "partial"}
    assert doc["waste"]["whole"]["wasted"] == 0


def test_a_stale_image_is_flagged_against_the_prediction(tmp_path: Path) -> None:
    """The context changed since the build: the COPY layer no longer matches (CA511)."""
    import shutil

    case = dict(CASES["rm-after-copy"])
    ctx = tmp_path / "ctx"
    shutil.copytree(layercases.REPO / case["context"], ctx)
    (ctx / "app" / "data" / "sales.csv").write_text("day,store\n")
    case["context"] = str(ctx)
    doc = layercases.layers_json(fixture("rm-after-copy"), case)
    flagged = {(f["rule"], f["line"]) for f in doc["findings"]}
    assert ("CA511", 2) in flagged and ("CA511", 3) in flagged
    assert {p["line"]: p["status"] for p in doc["predictions"]} == {2: "differs", 3: "differs"}


def test_without_a_dockerfile_the_base_is_not_guessed() -> None:
    doc = layercases.layers_json(fixture("seed-single"), None)
    assert doc["base"] == {"layers": 0, "known": False, "counted": False}
    assert any("--base-layers" in n for n in doc["notes"])
    assert {f["rule"] for f in doc["findings"]} == {"CA500", "CA502", "CA503"}  # kinds read from the history
    assert all(f["line"] is None and f["path"] is None for f in doc["findings"])
    with_base = layercases.layers_json(fixture("seed-single"), None, "--base-layers", "1")
    assert with_base["base"] == {"layers": 1, "known": True, "counted": False}
