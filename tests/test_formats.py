"""Each command's formats: what --help lists is what it prints, the others exit 2; JSON carries schema.

One test per format per command (scan, lint, image, layers: table, json,
markdown, sarif; explain and suggest: table, json), on the samples.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from ctxaudit.cli import main
from ctxaudit.output.markdown import code, esc, rich

REPO = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif-2.1.0.json").read_text())
PANDAS = "sample_contexts/pandas-analysis"
SEED_DOCKERFILE = "tests/layers/cases/seed-single.Dockerfile"
SEED = ["tests/layers/fixtures/seed-single.tar", "-f", SEED_DOCKERFILE, PANDAS]

COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    # command: (arguments, formats it implements)
    "scan": ([PANDAS, "--no-progress", "--fail-on", "never"], ["table", "json", "markdown", "sarif", "html"]),
    "lint": ([PANDAS, "--fail-on", "never"], ["table", "json", "markdown", "sarif"]),
    "image": (["-f", SEED_DOCKERFILE, PANDAS, "--fail-on", "never"], ["table", "json", "markdown", "sarif"]),
    "layers": (SEED, ["table", "json", "markdown", "sarif", "html"]),
    "explain": (["-C", PANDAS, "data/raw/sales_2023.csv", "sales_2024.csv"], ["table", "json"]),
    "suggest": ([PANDAS], ["table", "json"]),
}
CASES = [(c, f) for c, (_, formats) in COMMANDS.items() for f in formats]
REJECTED = [
    (c, f)
    for c, (_, formats) in COMMANDS.items()
    for f in ("table", "json", "markdown", "sarif", "html", "xml")
    if f not in formats
]


def annotations(out: str) -> list[str]:
    """The workflow annotations in ``out`` (not the ::stop-commands:: fence around the report)."""
    return [line for line in out.splitlines() if re.match(r"::(error|warning|notice)[ :]", line)]


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """``ctxaudit ARGS`` from the repository, stable layout (and outside GitHub Actions unless a test says so)."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("COLUMNS", raising=False)
    code_ = main(list(args))
    out = capsys.readouterr()
    return code_, out.out, out.err


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.mark.parametrize(("command", "fmt"), CASES)
def test_each_format_of_each_command(
    command: str, fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args, _ = COMMANDS[command]
    status, out, err = run(capsys, monkeypatch, command, *args, "-o", fmt)
    assert status == 0, err
    if fmt == "json":
        doc = json.loads(out)
        assert isinstance(doc, dict) and isinstance(doc["schema"], int)
        expected_keys = {
            "scan": {"eligible", "transfer", "image", "findings", "suggestions"},
            "lint": {"ignore_file", "lines", "findings"},
            "image": {"dockerfiles", "bytes_at_stake", "findings"},
            "layers": {"image", "layers", "waste", "predictions", "findings"},
            "explain": {"builder", "ignore_file", "paths"},
            "suggest": {"ignore_file", "sent_before", "sent_after", "suggestions"},
        }[command]
        assert expected_keys <= set(doc)
        if command == "lint":
            assert "eligible" not in doc  # lint's own document, not a scan report
    elif fmt == "sarif":
        doc = json.loads(out)
        jsonschema.validate(doc, SARIF_SCHEMA)
        rules = {r["ruleId"] for r in doc["runs"][0]["results"]}
        assert rules and all(
            r.startswith({"scan": "CA", "lint": "CA2", "image": "CA5", "layers": "CA5"}[command]) for r in rules
        )
    elif fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    elif fmt == "markdown":
        heading = {"scan": "## ctxaudit: ", "lint": "## ctxaudit lint: ", "image": "## ctxaudit image: "}
        assert out.startswith(heading.get(command, "## ctxaudit layers: "))
        if command != "scan":
            assert "|" in out and "Largest eligible files" not in out  # not a scan report
        # Nothing in a cell reads as emphasis: patterns and paths are code, the rest escaped.
        for line in out.splitlines():
            if line.startswith("|"):
                outside = re.sub(r"(`+).*?\1", "", line)
                assert not re.search(r"(?<!\\)[*_]{1,2}\w", outside), line
    else:
        assert not out.lstrip().startswith(("{", "##", "["))
        if command == "explain":
            assert out.splitlines() == [
                "data/raw/sales_2023.csv: sent (no line matches)",
                "sales_2024.csv: not sent (.dockerignore:1: *.csv)",
            ]


@pytest.mark.parametrize(("command", "fmt"), REJECTED)
def test_other_formats_exit_2(
    command: str, fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args, formats = COMMANDS[command]
    status, out, err = run(capsys, monkeypatch, command, *args, "-o", fmt)
    assert status == 2 and out == ""
    assert f"Invalid value for '--format' / '-o': '{fmt}' is not one of" in err
    for f in formats:
        assert f"'{f}'" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_lists_exactly_the_formats(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, formats = COMMANDS[command]
    status, out, _ = run(capsys, monkeypatch, command, "--help")
    assert status == 0
    flat = " ".join(out.split())
    assert f"--format [{'|'.join(formats)}]" in flat or f"--format <{'|'.join(formats)}>" in flat, flat


@pytest.mark.parametrize(
    "args",
    [
        ["suggest", "sample_contexts/compose-webapp", "-o", "json"],
        ["lint", "sample_contexts/compose-webapp", "-o", "json"],
        ["image", "sample_contexts/compose-webapp", "-o", "json"],
        ["scan", "sample_contexts/compose-webapp", "-o", "json", "--no-progress", "--fail-on", "never"],
    ],
)
def test_project_json_documents_carry_schema(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(capsys, monkeypatch, *args)
    doc = json.loads(out)
    assert status == 0, err
    # lint reads each ignore file once: worker shares api's context and file
    names = {"web", "api"} if args[0] == "lint" else {"web", "api", "worker"}
    assert isinstance(doc["schema"], int) and {b["name"] for b in doc["builds"]} >= names


def test_markdown_escaping() -> None:
    assert esc("__pycache__/ and **/*.csv") == r"\_\_pycache\_\_/ and \*\*/\*.csv"
    assert esc("<script> $x$ ~~gone~~ [link](x) a&b") == r"\<script\> \$x\$ \~\~gone\~\~ \[link\](x) a\&b"
    assert esc("1. first") == r"1\. first" and esc("# title") == r"\# title"
    assert code("**/*.csv") == "`**/*.csv`" and code("a`b") == "``a`b``" and code("`x`") == "`` `x` ``"
    assert rich("'__pycache__/' is cleaned; pip's cache `pip install x`") == (
        "`__pycache__/` is cleaned; pip's cache `pip install x`"
    )


def test_markdown_report_is_escaped_and_code_formatted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run(capsys, monkeypatch, "scan", PANDAS, "-o", "markdown", "--no-progress", "--fail-on", "never")
    assert status == 0
    assert re.search(r"^\| `\*\*/\*\.csv` +\|", out, re.M)  # a suggested line is code
    assert "`'*.csv'`" not in out and "`*.csv` matches only at the root" in out  # a quoted pattern is code
    assert re.search(r"^\| `scripts/__pycache__/analyze\.cpython-311\.pyc` +\|", out, re.M)  # a path is code
    assert "cache: \\_\\_pycache\\_\\_/ directories" in out  # prose is escaped


@pytest.mark.parametrize(
    ("args", "annotation"),
    [
        (["lint", PANDAS], "::warning file=sample_contexts/pandas-analysis/.dockerignore,line=1,title=CA201 "),
        (["image", "-f", SEED_DOCKERFILE, PANDAS], f"::warning file={SEED_DOCKERFILE},line=6,title=CA502 pip-cache::"),
        (["layers", *SEED], f"::warning file={SEED_DOCKERFILE},line=6,title=CA502 pip-cache::"),
        (["scan", PANDAS, "--no-progress"], "::warning file=sample_contexts/pandas-analysis/.dockerignore,line=1,"),
    ],
)
def test_annotations_under_github_actions(
    args: list[str], annotation: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    status, out, _ = run(capsys, monkeypatch, *args)
    lines = annotations(out)
    assert status == 0 and any(line.startswith(annotation) for line in lines), lines
    assert len(lines) == len(set(lines))
    # A failed gate is annotated too; JSON and SARIF stay clean.
    status, out, _ = run(capsys, monkeypatch, *args, "--fail-on", "warning")
    assert status == 1 and any(line.startswith("::error title=ctxaudit%3A gate failed::") for line in annotations(out))
    for fmt in ("json", "sarif"):
        status, out, _ = run(capsys, monkeypatch, *args, "--fail-on", "warning", "-o", fmt)
        assert status == 1 and "::" not in out.split("\n", 1)[0] and json.loads(out)
    # --annotations gates: the gate alone; none: nothing.
    status, out, _ = run(capsys, monkeypatch, *args, "--fail-on", "warning", "--annotations", "gates")
    (only,) = annotations(out)
    assert only.startswith("::error title=ctxaudit%3A gate failed::")
    status, out, _ = run(capsys, monkeypatch, *args, "--fail-on", "warning", "--annotations", "none")
    assert status == 1 and not annotations(out)


@pytest.mark.parametrize("command", ["scan", "lint", "image", "layers", "explain", "suggest", "init", "ls"])
def test_help_says_each_default_once(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run(capsys, monkeypatch, "help", command)
    assert status == 0 and out.startswith(f"Usage: ctxaudit {command} ")
    options = " ".join(out.split("Options:", 1)[1].split())
    for option in re.split(r"\s(?=-[a-zA-Z], --|--[a-z])", options):
        assert "(default" not in option or "[default:" not in option, option


def test_top_level_help_has_every_summary_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(REPO)
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "..." not in out.split("Commands:", 1)[1]
    flat = " ".join(out.split())
    for summary in (
        "Say for each path whether the builder receives it, and which line decided.",
        "After the build: read the image's layers, charge every wasted byte to a Dockerfile line.",
        "List the eligible context: every file and symlink the ignore file lets through.",
        "Install (or remove) `docker ctxaudit`, a Docker CLI plugin.",
    ):
        assert summary in flat


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sacn", "."], "Error: No such command 'sacn'. Did you mean 'scan'?"),
        (["lnit"], "Error: No such command 'lnit'. Did you mean 'lint'?"),
        (["frobnicate", "."], "Error: No such command 'frobnicate'."),
        (["help", "sacn"], "Error: No such command 'sacn'. Did you mean 'scan'?"),
    ],
)
def test_a_mistyped_command_is_named(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(capsys, monkeypatch, *args)
    assert status == 2 and out == "" and err.rstrip().endswith(message)


def test_help_command(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, _ = run(capsys, monkeypatch, "help")
    assert status == 0 and out.startswith("Usage: ctxaudit [OPTIONS] COMMAND [ARGS]...") and "Commands:" in out
    status, out, _ = run(capsys, monkeypatch, "help", "scan")
    assert status == 0 and out.startswith("Usage: ctxaudit scan [OPTIONS] [context]")
    # A directory named like no command still means `scan DIR`.
    status, out, _ = run(capsys, monkeypatch, "sample_contexts/clean-api", "--no-progress")
    assert status == 0 and out.startswith("ctxaudit  sample_contexts/clean-api")
