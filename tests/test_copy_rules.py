"""CA3xx: COPY/ADD against the context -- junk swept in by a broad source, Dockerfiles Docker rejects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main
from ctxaudit.engine.matcher import Matcher
from ctxaudit.engine.pattern import DockerIgnorePattern


def excludes(lines: list[str], path: str) -> bool:
    """Docker's decision for ``path`` under these ignore lines, parents included."""
    return Matcher([DockerIgnorePattern(line) for line in lines]).or_parent_matches(path).matched


TREE: dict[str, str | bytes | int] = {
    "target/app.jar": 3000,
    "target/classes/A.class": 500,
    "dist/app": 2000,
    "dist/assets/main.js": 1000,
    "node_modules/lib/index.js": 700,
    "src/main.py": "print()\n",
    "src/__pycache__/main.cpython-311.pyc": 400,
    "logs/run.log": 300,
    "debug.log": 100,
}


def findings(capsys: pytest.CaptureFixture[str], ctx: Path, rule: str) -> list[dict[str, object]]:
    assert main([str(ctx), "-o", "json", "--no-progress", "--fail-on", "never"]) == 0
    return [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == rule]


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM scratch\nCOPY target/*.jar app.jar\n",
        "FROM scratch\nCOPY dist/app /usr/local/bin/app\n",
        "FROM scratch\nCOPY dist /srv/dist\n",
        "FROM scratch\nCOPY dist/ /srv/\n",
        "FROM scratch\nCOPY *.log /logs/\n",
        "FROM scratch\nCOPY node_modules /app/node_modules\n",
        "FROM scratch AS build\nCOPY . /app\nFROM scratch\nCOPY --from=build /app/dist /srv\n",
        "FROM scratch AS build\nCOPY . /app\nFROM scratch\nCOPY --from=build /app/target/app.jar /app.jar\n",
    ],
)
def test_a_copy_that_names_the_artefact_is_deliberate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dockerfile: str
) -> None:
    make_tree(tmp_path, {**TREE, "Dockerfile": dockerfile})
    assert findings(capsys, tmp_path, "CA304") == []


@pytest.mark.parametrize(
    "dockerfile,line,lines",
    [
        ("FROM scratch\nCOPY . /app\n", 2, {"**/node_modules", "**/target", "**/dist", "**/__pycache__", "**/logs"}),
        ("FROM scratch\nCOPY src/ /app/src/\n", 2, {"**/__pycache__"}),
        ("FROM scratch AS build\nCOPY . /app\nFROM scratch\nCOPY --from=build /app /srv\n", 4, {"**/node_modules"}),
        ("FROM scratch AS b\nCOPY src /s\nFROM scratch\nCOPY --from=b /s /srv\n", 4, {"**/__pycache__"}),
    ],
)
def test_junk_swept_in_by_a_broad_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dockerfile: str, line: int, lines: set[str]
) -> None:
    make_tree(tmp_path, {**TREE, "Dockerfile": dockerfile})
    (f,) = findings(capsys, tmp_path, "CA304")
    assert f["line"] == line and "sweeps" in str(f["message"])
    fix = str(f["fix"])
    assert lines <= set(fix.split(": ", 1)[1].split(" (")[0].split(", "))


def test_the_fix_leads_somewhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each line the fix names excludes what was swept in, and `suggest` proposes lines that do too."""
    make_tree(tmp_path, {**TREE, "Dockerfile": "FROM scratch\nCOPY . /app\n"})
    (f,) = findings(capsys, tmp_path, "CA304")
    fix_lines = str(f["fix"]).split(": ", 1)[1].split(" (")[0].split(", ")
    swept = ["node_modules/lib/index.js", "src/__pycache__/main.cpython-311.pyc", "logs/run.log", "dist/app"]
    for path in swept:
        assert excludes(fix_lines, path), path
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # COPY . takes everything: suggest writes only unmistakable junk, and holds the rest
    # (node_modules nothing installs again, build output) for review, with --include-review to write it
    proposed = [s["pattern"] for s in doc["suggestions"]] + [s["pattern"] for s in doc["review"]]
    for path in [*swept, "debug.log"]:
        assert excludes(proposed, path), (path, proposed)
    written = [s["pattern"] for s in doc["suggestions"]]
    assert excludes(written, "src/__pycache__/main.cpython-311.pyc") and not excludes(written, "dist/app")


@pytest.mark.parametrize(
    "dockerfile,line,words",
    [
        ("FROM scratch\nFOO bar\n", 2, "unknown instruction: FOO"),
        ("FROM scratch\nCOPY --frob=1 a /a\n", 2, "COPY: unknown flag --frob"),
        ("FROM scratch\nRUN --frob true\n", 2, "RUN: unknown flag --frob"),
        ("FROM scratch\nENV --x=1 A=b\n", 2, "ENV: unknown flag --x (it takes: none)"),
        ("FROM scratch AS a\nCOPY a /a\nCOPY --from=a /a /b\n", 3, "refers to its own stage"),
        ("FROM scratch\nCOPY a /a\nCOPY --from=0 /a /b\n", 3, "refers to its own stage"),
        (
            "FROM scratch AS a\nCOPY --from=b /b /b\nFROM scratch AS b\nCOPY --from=a /a /a\n",
            2,
            "closes the cycle a -> b -> a: BuildKit fails (circular dependency detected on stage: a)",
        ),
        # Arguments the instruction parser refuses (engine: tests/dockerfile cases rejected-*).
        ("FROM scratch\nENV\nCOPY a /a\n", 2, "ENV requires at least one argument"),
        ("FROM scratch AS\nCOPY a /a\n", 1, "FROM requires either one or three arguments"),
        ("FROM scratch\nONBUILD\nCOPY a /a\n", 2, "ONBUILD requires at least one argument"),
        ("FROM scratch\nHEALTHCHECK --interval=abc CMD true\n", 2, 'time: invalid duration "abc"'),
        ("FROM scratch\nHEALTHCHECK --timeout=0 CMD true\n", 2, 'Interval "timeout" cannot be less than 1ms'),
        ("FROM scratch\nARG X=${\nCOPY a /a\n", 2, "failed to process '${'"),
        ('FROM scratch\nENV A="x y" X=${\nCOPY a /a\n', 2, "failed to process '${'"),
        ("FROM scratch\nCOPY a\n", 2, "COPY requires at least two arguments"),
        ("FROM scratch\nADD a\n", 2, "ADD requires at least two arguments"),
        ("FROM scratch AS 1bad!\nCOPY a /a\n", 1, 'invalid name for build stage: "1bad!"'),
        ("FROM scratch AS a.b\nFROM scratch AS 1ab\nCOPY a /a\n", 2, 'invalid name for build stage: "1ab"'),
        ("FROM scratch\nENV X\nCOPY a /a\n", 2, "ENV must have two arguments"),
        ("FROM scratch\nLABEL X\nCOPY a /a\n", 2, "LABEL must have two arguments"),
        ("FROM scratch\nONBUILD FROM x\nCOPY a /a\n", 2, "FROM isn't allowed as an ONBUILD trigger"),
        ("FROM scratch\nonbuild maintainer me\nCOPY a /a\n", 2, "MAINTAINER isn't allowed as an ONBUILD trigger"),
        ("FROM scratch\nONBUILD ONBUILD COPY a /a\nCOPY a /a\n", 2, "Chaining ONBUILD via `ONBUILD ONBUILD`"),
    ],
)
def test_dockerfiles_docker_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dockerfile: str, line: int, words: str
) -> None:
    make_tree(tmp_path, {"a": "x", "b": "y", "Dockerfile": dockerfile})
    (f,) = findings(capsys, tmp_path, "CA305")
    assert f["line"] == line and f["severity"] == "error" and words in str(f["message"])
    assert main([str(tmp_path), "--no-progress"]) == 1  # the build fails: so does the gate


def test_buildah_takes_any_stage_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Recorded: buildah v1.44 builds `FROM scratch AS 1bad!` (tests/buildah golden dockerfile.rejected-stage-name).
    make_tree(tmp_path, {"a": "x", "Dockerfile": "FROM scratch AS 1bad!\nCOPY a /a\n"})
    assert main([str(tmp_path), "-b", "buildah", "-o", "json", "--no-progress", "--fail-on", "never"]) == 0
    assert [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "CA305"] == []
    assert [f["line"] for f in findings(capsys, tmp_path, "CA305")] == [1]


def test_image_reports_a_dockerfile_docker_rejects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing builds: `ctxaudit image` must not say "no layer traps found" and pass.
    cycle = "FROM scratch AS a\nCOPY --from=b /b /b\nFROM scratch AS b\nCOPY --from=a /a /a\n"
    make_tree(tmp_path, {"a": "x", "b": "y", "Dockerfile": cycle})
    capsys.readouterr()
    assert main(["image", "-f", str(tmp_path / "Dockerfile"), str(tmp_path), "-o", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in doc["findings"]] == ["CA305"]
    assert "circular dependency detected on stage: a" in doc["findings"][0]["message"]


def test_flags_docker_takes_are_not_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "a": "x",
            "Dockerfile": (
                "FROM --platform=$BUILDPLATFORM scratch AS build\n"
                "COPY --link --chmod=644 --chown=1:1 --exclude=*.tmp a /a\n"
                "ADD --checksum=sha256:00 --keep-git-dir=true https://example.com/x.tar /x\n"
                "RUN --network=none --mount=type=cache,target=/c --security=sandbox true\n"
                "HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --start-interval=1s --retries=3 CMD true\n"
                "HEALTHCHECK --interval=1m30s --timeout=.5s --start-period=1.5h CMD true\n"
                'ENV A="x y" B=${A:-z} C=\'$x\'\nARG D="1 2" E=${B}\n'
                "FROM scratch\nCOPY --from=build --parents /a /\nonbuild RUN true\nMaintainer me\n"
                "FROM scratch AS Stage.Two_2-x\nENV X some value\nLABEL L v\nONBUILD COPY a /a\n"
            ),
        },
    )
    assert findings(capsys, tmp_path, "CA305") == []


def test_packages_named_like_junk_are_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Django's `logs` app and a Go module's `build` package are code, not logs and build output."""
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /app\n",
            "hc/logs/__init__.py": "",
            "hc/logs/models.py": "class Log: pass\n",
            "build/build.go": "package build\n",
            "web/logs/today.log": "x" * 100,
        },
    )
    (f,) = findings(capsys, tmp_path, "CA304")
    assert "log 100 B (1 file)" in str(f["message"]) and "build" not in str(f["message"])


def test_a_missing_source_in_build_output_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path, {"Dockerfile": "FROM scratch\nARG DEPENDENCY=target/dependency\nCOPY ${DEPENDENCY}/lib /app/lib\n"}
    )
    (f,) = findings(capsys, tmp_path, "CA301")
    assert f["severity"] == "error" and "(target/ holds build output: the build fails until a step" in str(f["message"])
