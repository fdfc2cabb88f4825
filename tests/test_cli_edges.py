"""Rough edges a new user hit at the command line, each driven through the real CLI.

Every case checks the exit code (0 clean, 1 gate failed, 2 usage or input
error), the words a user reads, and that no traceback or internal error
leaks out.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import layercases
import pytest
from helpers import make_tree

from ctxaudit import cli
from ctxaudit.cli import main
from ctxaudit.config import parse_size
from ctxaudit.rules import all_rules

REPO = Path(__file__).resolve().parent.parent
PANDAS = REPO / "sample_contexts" / "pandas-analysis"
SEED = str(layercases.FIXTURES / "seed-single.tar")
SARIF_SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-2.1.0.json").read_text())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def with_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    monkeypatch.setattr(cli, "_STDIN", [])


# -- 1. -f - everywhere a Dockerfile is read -----------------------------------------


def test_image_reads_the_dockerfile_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(PANDAS)
    code, from_file, _ = run(capsys, "image", ".", "-o", "json")
    assert code == 0
    with_stdin(monkeypatch, (PANDAS / "Dockerfile").read_bytes())
    code, from_stdin, err = run(capsys, "image", "-f", "-", ".", "-o", "json")
    assert code == 0, err
    a, b = json.loads(from_file), json.loads(from_stdin)
    assert b["dockerfiles"][0]["dockerfile"] == "-"
    assert b["dockerfiles"][0]["image"] == a["dockerfiles"][0]["image"] != {"files": 0, "bytes": 0}
    with_stdin(monkeypatch, (PANDAS / "Dockerfile").read_bytes())
    code, out, _ = run(capsys, "image", "-f", "-", ".")
    assert code == 0 and out.startswith("-: the image is stage 1")


def test_suggest_and_layers_use_the_stdin_dockerfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # suggest: a COPY source of the Dockerfile read from stdin is never proposed, as with -f FILE.
    make_tree(tmp_path / "ctx", {"__pycache__/keep.pyc": 3000, "node_modules/x/i.js": 3000, "main.py": "print()\n"})
    dockerfile = make_tree(tmp_path / "df", {"Dockerfile": "FROM scratch\nCOPY __pycache__/keep.pyc /\n"})
    monkeypatch.chdir(tmp_path / "ctx")

    def lines(*args: str) -> list[str]:
        code, out, _ = run(capsys, "suggest", *args, ".", "-o", "json")
        assert code == 0
        return list(json.loads(out)["lines"])

    assert "__pycache__" in lines()  # no Dockerfile: the bytecode goes
    with_stdin(monkeypatch, (dockerfile / "Dockerfile").read_bytes())
    assert lines("-f", "-") == lines("-f", str(dockerfile / "Dockerfile")) == ["node_modules"]
    # layers: the history is matched to the stdin Dockerfile's lines (findings at "-").
    monkeypatch.chdir(PANDAS)
    dockerfile = layercases.context_and_dockerfile(layercases.cases()["seed-single"])[1]
    with_stdin(monkeypatch, dockerfile.read_bytes())
    code, out, err = run(capsys, "layers", SEED, "-f", "-", ".", "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["dockerfile"] == "-" and {f["line"] for f in doc["findings"]} == {6, 8, 9}


# -- 6. closed stdin ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["scan", "image", "ls"])
def test_closed_stdin_is_an_input_error(command: str) -> None:
    """`ctxaudit scan -f - . <&-`: Python then has no sys.stdin at all."""
    done = subprocess.run(
        [sys.executable, "-m", "ctxaudit", command, "-f", "-", str(PANDAS)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.close(0),
        cwd=REPO,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == "ctxaudit: error: cannot read the Dockerfile from stdin: stdin is closed\n"


# -- 2. a Compose file without builds ---------------------------------------------


IMAGES_ONLY = {
    "compose.yaml": "services:\n  app:\n    image: louislam/uptime-kuma:2\n",
    ".dockerignore": "*.log\n*.log\n",
    "app.js": "x",
    "debug.log": "y",
}


def test_a_found_compose_file_without_builds_leaves_a_plain_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path / "kuma", IMAGES_ONLY)
    monkeypatch.chdir(tmp_path)
    note = "ctxaudit: note: kuma/compose.yaml declares no builds (only images): auditing kuma as a plain context\n"
    code, out, err = run(capsys, "ls", "kuma")
    assert (code, out.splitlines(), err) == (0, [".dockerignore", "app.js", "compose.yaml"], note)
    # The real .dockerignore is linted (its second line is shadowed by the first).
    code, out, err = run(capsys, "lint", "kuma", "--fail-on", "info")
    assert code == 1 and out.startswith(".dockerignore: 2 lines (2 patterns)") and "CA206" in out and err == note
    code, out, _ = run(capsys, "explain", "-C", "kuma", "debug.log")
    assert code == 0 and out == "debug.log: not sent (.dockerignore:2: *.log)\n"
    code, out, _ = run(capsys, "scan", "kuma", "--no-progress")
    assert code == 0 and out.startswith("ctxaudit  kuma\n") and "Project summary" not in out


def test_a_bake_file_without_targets_leaves_a_plain_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path, {"docker-bake.hcl": 'group "default" {\n  targets = []\n}\n', "a": "x"})
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "ls", ".")
    assert (code, out) == (0, "a\ndocker-bake.hcl\n")
    assert err == "ctxaudit: note: docker-bake.hcl declares no builds: auditing . as a plain context\n"
    code, _, err = run(capsys, "ls", ".", "--bake", "docker-bake.hcl")
    assert code == 2 and "--bake docker-bake.hcl: it declares no builds" in err


def test_an_explicit_compose_file_without_builds_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path / "kuma", IMAGES_ONLY)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "scan", "kuma", "--compose", "kuma/compose.yaml", "--no-progress")
    assert code == 2 and out == ""
    assert err.startswith("ctxaudit: error: --compose kuma/compose.yaml: it declares no builds")
    assert "without --compose, ctxaudit audits kuma as a plain context" in err


# -- 3. CA212 with a .dockerignore that is a directory --------------------------------


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
def test_ca212_says_what_each_builder_does_with_a_directory(
    builder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tests/conformance buildfile-ignore-directory (engine) and tests/buildah's
    conformance.buildfile-ignore-directory: BuildKit applies no ignore file, the legacy
    builder and buildah fail, podman --remote fails looking for .containerignore."""
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n", "a.txt": "a", ".dockerignore/inner": "a.txt\n"})
    code, out, _ = run(capsys, "lint", str(tmp_path), "-b", builder, "-o", "json")
    (ca212,) = [f["message"] for f in json.loads(out)["findings"] if f["rule"] == "CA212"]
    assert ca212.split("; ") == [
        "BuildKit reads no file (.dockerignore not applied)",
        f"the legacy builder fails: error reading .dockerignore: read {tmp_path.resolve()}/.dockerignore: "
        "is a directory",
        "buildah/podman fails: creating build executor: read .dockerignore: is a directory",
        "podman --remote fails: open .containerignore: no such file or directory",
    ]
    ca101 = [f for f in json.loads(out)["findings"] if f["rule"] == "CA101"]
    assert (code, len(ca101)) == ((1, 1) if builder == "legacy" else (0, 0))


# -- 4. the lint header counts the file's lines ---------------------------------------


def test_lint_header_counts_every_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {".dockerignore": "[\n!\n# a comment\n\nfoo[\n*.tmp\n", "Dockerfile": "FROM scratch\n"})
    code, out, _ = run(capsys, "lint", str(tmp_path))
    assert code == 1 and out.splitlines()[0] == ".dockerignore: 6 lines (1 pattern, 3 invalid, 2 comments or blank)"
    assert out.count("CA200") == 3
    code, out, _ = run(capsys, "lint", str(tmp_path), "-o", "json")
    doc = json.loads(out)
    assert (doc["lines"], doc["patterns"], doc["invalid_lines"], doc["comment_or_blank_lines"]) == (6, 1, 3, 2)
    code, out, _ = run(capsys, "lint", str(tmp_path), "-o", "markdown")
    assert "Ignore file `.dockerignore`, 6 lines (1 pattern, 3 invalid, 2 comments or blank)." in out
    (tmp_path / ".dockerignore").write_text("*.tmp")  # no final newline: still one line
    assert run(capsys, "lint", str(tmp_path))[1].splitlines()[0] == ".dockerignore: 1 line (1 pattern)"


# -- 5. layers: every flag checked before the work ------------------------------------


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--min-efficiency", "nan"], "Invalid value for '--min-efficiency': nan is not a finite number"),
        (["--max-wasted-percent", "nan"], "Invalid value for '--max-wasted-percent': nan is not a finite number"),
        (["--max-wasted-percent", "inf"], "Invalid value for '--max-wasted-percent': inf is not a finite number"),
        (["--max-wasted-percent", "150"], "150 is out of range: give a value from 0 to 100"),
        (["--min-efficiency", "101"], "101 is out of range: give a value from 0 to 100"),
        (["--min-efficiency", "-1"], "-1 is out of range: give a value from 0 to 100"),
        (["--tolerance", "nan"], "Invalid value for '--tolerance': nan is not a finite number"),
        (["--max-wasted", "abc"], "--max-wasted: not a size: 'abc'"),
        (["--max-wasted", "-1"], "--max-wasted: not a size: '-1'"),
        (["--max-wasted", "1.5"], "--max-wasted: '1.5' is not a whole number of bytes"),
        (["--base-layers", "99"], "--base-layers 99: the image has 7 layers"),
        (["--ignore-rule", "CA999"], "--ignore-rule: unknown rule id 'CA999'"),
    ],
)
def test_layers_rejects_bad_flags_before_any_output(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "layers", SEED, *flags)
    assert (code, out) == (2, "") and message in err


def test_layers_says_when_every_layer_is_the_base(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "layers", SEED, "--base-layers", "7")
    assert code == 0
    assert "--base-layers 7: every layer is the base image's, so the waste and the gates see none of yours" in " ".join(
        out.split()
    )


# -- 7. one size parser, one rule-id check --------------------------------------------


@pytest.mark.parametrize("text", ["1.5", "1.9", "1.5B", "0.5 b"])
def test_a_fraction_of_a_byte_is_refused_by_flags_and_settings_alike(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {"a": "1"})
    code, _, err = run(capsys, "scan", str(tmp_path), "--max-size", text, "--no-progress")
    assert code == 2 and f"--max-size: {text!r} is not a whole number of bytes" in err
    (tmp_path / ".ctxaudit.toml").write_text(f'max-size = "{text}"\n')
    code, _, err = run(capsys, "scan", str(tmp_path), "--no-progress")
    assert code == 2 and f"max-size: {text!r} is not a whole number of bytes" in err
    (tmp_path / ".ctxaudit.toml").write_text("max-size = 1.9\n")
    code, _, err = run(capsys, "scan", str(tmp_path), "--no-progress")
    assert code == 2 and "max-size: 1.9 is not a whole number of bytes" in err
    assert parse_size("1.5KB") == 1500 and parse_size("1.1KiB") == 1126  # with a unit, a fraction is fine


def test_ignore_rule_is_checked_like_the_settings_and_rules_lists_the_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {"a": "1"})
    for command in ("scan", "lint", "image"):
        code, out, err = run(capsys, command, str(tmp_path), "--ignore-rule", "CA999")
        assert (code, out) == (2, "")
        assert err == "ctxaudit: error: --ignore-rule: unknown rule id 'CA999' (`ctxaudit rules` lists them)\n"
    (tmp_path / ".ctxaudit.toml").write_text('ignore-rules = ["CA999", "CA998"]\n')
    code, _, err = run(capsys, "lint", str(tmp_path))
    assert code == 2 and "unknown rule ids 'CA999', 'CA998' (`ctxaudit rules` lists them)" in err
    code, out, _ = run(capsys, "rules")
    ids = [line.split()[0] for line in out.splitlines()[2:] if re.match(r"CA\d{3} ", line)]
    assert code == 0 and ids == [r.id for r in all_rules()]
    code, out, _ = run(capsys, "rules", "-o", "json")
    assert [r["id"] for r in json.loads(out)["rules"]] == ids
    # A lower-case id is the same rule, as in the settings file.
    (tmp_path / ".ctxaudit.toml").unlink()
    make_tree(tmp_path, {".dockerignore": "a\n/a\n"})
    code, out, _ = run(capsys, "lint", str(tmp_path), "-o", "json", "--ignore-rule", "ca204")
    assert code == 0 and "CA204" not in {f["rule"] for f in json.loads(out)["findings"]}


# -- 8. CA600's fix follows the files on disk -----------------------------------------


def test_ca600_fix_reflects_whether_the_build_reads_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  api:\n    build: ./api\n",
            ".dockerignore": "**/__pycache__\n",
            "api/Dockerfile": "FROM scratch\nCOPY app.py /\n",
            "api/app.py": "print(1)\n",
            "api/__pycache__/app.pyc": 5000,
        },
    )
    monkeypatch.chdir(tmp_path)

    def ca600() -> str:
        _, out, _ = run(capsys, "scan", ".", "-o", "json", "--no-suggest")
        (found,) = [f for f in json.loads(out)["findings"] if f["rule"] == "CA600"]
        return str(found["fix"])

    assert ca600() == "create api/.dockerignore with the lines of .dockerignore this build needs"
    code, out, _ = run(capsys, "suggest", ".", "--write")
    assert code == 0 and "added" in out and (tmp_path / "api" / ".dockerignore").is_file()
    assert ca600() == "this build reads api/.dockerignore: copy there the lines of .dockerignore it needs"


# -- 9 and 10. explain's words --------------------------------------------------------


def test_explain_in_a_project_names_the_ignore_file_from_the_cwd(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    make_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  api:\n    build: ./api\n",
            "api/Dockerfile": "FROM scratch\n",
            "api/.dockerignore": "# generated\n\n\n*.log\n",
            "api/x.log": "x",
        },
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "explain", "x.log")
    assert code == 0 and out == "x.log: not sent (api/.dockerignore:4: *.log)\n"
    code, out, _ = run(capsys, "explain", "x.log", "-o", "json")
    assert json.loads(out)["ignore_file"] == "api/.dockerignore"


@pytest.mark.parametrize("path", [".", str(PANDAS)])
def test_explain_of_the_context_root_says_what_it_is(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "-C", str(PANDAS), path)
    assert (code, out) == (2, "")
    assert "that is the context" in err and "itself, which is always sent" in err and "name a path inside it" in err
    code, _, err = run(capsys, "explain", "-C", str(PANDAS), "..")
    assert code == 2 and "..: not inside the context" in err


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("[]", "(it holds an array)"),
        ('"x"', "(it holds a string)"),
        ("{}", '(no "ctxaudit_baseline": 1)'),
        ('{"ctxaudit_baseline": 1, "findings": [1]}', '("findings" must be a list of objects with a "fingerprint")'),
        ("nope", "(not JSON: "),
    ],
)
def test_a_baseline_of_the_wrong_shape_says_the_right_one(
    content: str, what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {"baseline.json": content, "ctx/a": "1"})
    code, out, err = run(capsys, "lint", str(tmp_path / "ctx"), "--baseline", str(tmp_path / "baseline.json"))
    assert (code, out) == (2, "")
    assert f"not a ctxaudit baseline {what}" in err
    assert 'a baseline is a JSON object {"ctxaudit_baseline": 1, "findings": [{"fingerprint": ...}, ...]}' in err


def test_a_symlink_loop_or_dangling_link_as_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "dangling").symlink_to("nowhere")
    code, _, err = run(capsys, "scan", str(tmp_path / "loop"), "--no-progress")
    assert (
        code == 2
        and err
        == f"ctxaudit: error: context is a symlink loop: {tmp_path / 'loop'} (too many levels of symbolic links)\n"
    )
    code, _, err = run(capsys, "ls", str(tmp_path / "dangling"))
    assert (
        code == 2 and f"context not found: {tmp_path / 'dangling'} is a symlink to nowhere, which does not exist" in err
    )


def test_build_context_on_a_plain_context_reads_as_that_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path, {"app/Dockerfile": "FROM scratch\nCOPY --from=lib a /\n", "lib/a": "1"})
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "scan", "app", "--build-context", "lib=lib", "--no-progress")
    assert code == 0
    assert out.splitlines()[:2] == ["ctxaudit  app", "builder buildkit · named context (--build-context) lib"]


# -- 11. the Docker plugin ------------------------------------------------------------


def test_plugin_install_creates_only_the_default_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    code, out, err = run(capsys, "docker-plugin", "install", "--dir", str(missing))
    assert (code, out) == (2, "") and not (tmp_path / "no").exists()
    assert f"--dir {missing}: no such directory (create it first" in err
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "config"))
    code, _, _ = run(capsys, "docker-plugin", "install")
    script = (tmp_path / "config" / "cli-plugins" / "docker-ctxaudit").read_text()
    assert code == 0 and script.endswith('"$@"\n')


# -- 12. layers --bytes and SARIF -----------------------------------------------------


def test_layers_bytes_says_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "layers", SEED, "--bytes")
    assert code == 0 and out.splitlines()[1].endswith("7 layers, 29,587 bytes")
    assert "7,810 bytes wasted" in " ".join(out.split())
    code, out, _ = run(capsys, "layers", SEED, "--bytes", "-o", "markdown")
    assert "7 layers, 29,587 bytes" in out


def test_layers_sarif_of_an_image_name_is_located_at_the_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An image read by name (`docker image save`, here a stand-in CLI that writes the
    fixture archive): every result is located at the name, percent-encoded."""
    from ctxaudit.output.sarif import image_uri

    assert image_uri("reg.io/team/app@sha256:ab") == "reg.io/team/app%40sha256%3Aab"
    docker = tmp_path / "docker"
    docker.write_text(f'#!/bin/sh\n[ "$1 $2 $3" = "image save myapp:1.0" ] && exec cat {SEED}\nexit 1\n')
    docker.chmod(0o755)
    code, out, err = run(capsys, "layers", "myapp:1.0", "--docker", str(docker), "-o", "sarif")
    assert code == 0, err
    doc = json.loads(out)
    jsonschema.validate(doc, SARIF_SCHEMA)
    results = doc["runs"][0]["results"]
    assert results and all(
        r["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "myapp%3A1.0"}}}] for r in results
    )


# -- 13. the README's figures ---------------------------------------------------------


def test_the_inflate_example_prints_what_the_readme_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = " ".join((REPO / "README.md").read_text().split())
    grown = subprocess.run(
        [sys.executable, str(REPO / "sample_contexts" / "inflate.py"), "pandas-analysis", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    written = int(re.search(r"grew .*: ([\d,]+) bytes", grown).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert f"grows a copy to {written / 1e6:.1f} MB" in readme
    assert f"grew /tmp/demo: {written:,} bytes" in readme
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run(capsys, str(tmp_path / "demo"), "--no-progress", "--fail-on", "never")
    eligible = re.search(r"eligible context .*?files\s+(\S+ \S+)", out).group(1)  # type: ignore[union-attr]
    transfer = re.search(r"transferred by BuildKit.*?files\s+(\S+ \S+)", out).group(1)  # type: ignore[union-attr]
    assert f"ctxaudit then shows {eligible} eligible and a {transfer} BuildKit transfer" in readme
    assert "ctxaudit has no `--build-context`" not in readme
