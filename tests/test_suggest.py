"""suggest and init: savings, safety for the Dockerfile, writing, idempotence."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.analysis.gitignore import translate_line
from ctxaudit.cli import main

REPO = Path(__file__).resolve().parent.parent


def sent(capsys: pytest.CaptureFixture[str], ctx: Path, *args: str) -> set[str]:
    assert main(["ls", str(ctx), *args]) == 0
    return set(capsys.readouterr().out.splitlines())


def scan_findings(capsys: pytest.CaptureFixture[str], ctx: Path) -> set[str]:
    assert main([str(ctx), "-o", "json", "--no-progress"]) == 0
    return {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}


@pytest.fixture
def pandas(tmp_path: Path) -> Path:
    dst = tmp_path / "pandas"
    shutil.copytree(REPO / "sample_contexts" / "pandas-analysis", dst, symlinks=True)
    return dst


def test_pandas_suggestions_catch_every_leak(pandas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sent(capsys, pandas)
    original = (pandas / ".dockerignore").read_bytes()
    assert main(["suggest", str(pandas), "--write"]) == 0
    assert "added 4 lines to .dockerignore" in capsys.readouterr().out
    text = (pandas / ".dockerignore").read_bytes()
    assert text.startswith(original)  # every existing byte kept
    after = sent(capsys, pandas)
    leaks = {
        "data/raw/sales_2023.csv",
        "data/raw/sales_2022.csv",
        "data/raw/customers.csv",
        "data/processed/summary.csv",
        "old/backup_2023-12.tar",
        "scripts/__pycache__/analyze.cpython-311.pyc",
        "notebooks/.venv/pyvenv.cfg",
        "notebooks/.venv/bin/python",
    }
    assert leaks <= before and not leaks & after
    assert {"requirements.txt", "scripts/analyze.py", "scripts/reports/monthly.py"} <= after
    assert not {"CA300", "CA301"} & scan_findings(capsys, pandas)
    # A second run adds nothing.
    assert main(["suggest", str(pandas), "--write"]) == 0
    assert capsys.readouterr().out.startswith("nothing to add")
    assert (pandas / ".dockerignore").read_bytes() == text
    assert not [p for p in os.listdir(pandas) if p.endswith(".tmp")]


def test_dry_run_prints_a_diff_and_writes_nothing(pandas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = (pandas / ".dockerignore").read_bytes()
    assert main(["suggest", str(pandas), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("--- a/.dockerignore\n+++ b/.dockerignore\n")
    assert "+**/*.csv\n" in out and "+**/__pycache__\n" in out
    assert (pandas / ".dockerignore").read_bytes() == original


def test_json_lists_savings_largest_first(pandas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", str(pandas), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    sizes = [s["bytes"] for s in doc["suggestions"]]
    assert sizes == sorted(sizes, reverse=True) and all(s > 0 for s in sizes)
    assert doc["sent_after"]["bytes"] < doc["sent_before"]["bytes"]


def test_a_line_never_hides_a_copy_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY data/seed.csv /seed.csv\nCOPY app.py /\nCOPY cfg/*.tar /cfg/\n",
            "app.py": "x",
            "data/seed.csv": "1,2\n",
            "data/big.csv": 5000,
            "notes.csv": 100,
            "cfg/a.tar": 300,
            "old/b.tar": 4000,
        },
    )
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_line = {s["pattern"]: s for s in doc["suggestions"]}
    assert by_line["**/*.csv"]["exceptions"] == ["!data/seed.csv"]
    # a wildcard source is kept by its own wildcard: the next version's file is kept too
    # (issue 12, class 4; the exception starts with its directory, so both builders enter it)
    assert by_line["**/*.tar"]["exceptions"] == ["!cfg/*.tar"]
    assert main(["suggest", str(tmp_path), "--write"]) == 0
    capsys.readouterr()
    assert "data/seed.csv" in sent(capsys, tmp_path) and "cfg/a.tar" in sent(capsys, tmp_path)
    assert "data/big.csv" not in sent(capsys, tmp_path)
    assert not {"CA300", "CA301"} & scan_findings(capsys, tmp_path)


def test_writes_to_the_per_dockerfile_ignore_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            ".dockerignore": "*.log\n",
            "app.Dockerfile": "FROM scratch\nCOPY . /\n",
            "app.Dockerfile.dockerignore": "",
            "cache/__pycache__/x.pyc": 900,
        },
    )
    assert main(["suggest", str(tmp_path), "-f", str(tmp_path / "app.Dockerfile"), "--write"]) == 0
    assert "app.Dockerfile.dockerignore" in capsys.readouterr().out
    assert "**/__pycache__" in (tmp_path / "app.Dockerfile.dockerignore").read_text()
    assert (tmp_path / ".dockerignore").read_text() == "*.log\n"


def test_gitignore_entries_are_translated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            # reports/ is no kind of its own: only the .gitignore entry can propose it
            "Dockerfile": "FROM scratch\nCOPY web/src /src\n",
            ".gitignore": "reports/\n/tmp\n",
            "web/.gitignore": "out\n",
            "reports/summary.html": 800,
            "tmp/x": 50,
            "web/out/bundle.js": 700,
            "web/src/a.js": "1",
        },
    )
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    lines = {s["pattern"]: s["reason"] for s in json.loads(capsys.readouterr().out)["suggestions"]}
    assert lines["**/reports"] == ".gitignore:1: reports/"
    assert lines["tmp"] == ".gitignore:2: /tmp"
    assert lines["web/**/out"] == "web/.gitignore:1: out"
    # Without a Dockerfile the build may read anything: the same lines are held back for review.
    (tmp_path / "Dockerfile").unlink()
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["suggestions"] == []
    review = {s["pattern"]: s for s in doc["review"]}
    assert review["**/reports"]["status"] == "review"
    assert review["**/reports"]["why"].startswith("without a Dockerfile the build may read anything")


def test_nested_gitignore_negations_count_only_what_git_ignores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # vendor/term/.gitignore as moby/term ships it: '.*' then '!.gitignore' (git keeps the file)
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY app.py /app.py\n",
            "app.py": "1",
            "vendor/term/.gitignore": ".*\n!.github\n!.gitignore\n",
            "vendor/term/term.go": 300,
            "web/.gitignore": "static/*\n!static/keep.md\n",
            "web/static/keep.md": 40,
            "web/static/big.bin": 900,
        },
    )
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    shown = {s["pattern"]: s for s in doc["suggestions"] + doc["review"]}
    # '.*' matches only the .gitignore, which its own '!.gitignore' re-includes: it saves nothing
    assert "vendor/term/**/.*" not in shown
    # the nested 'static/*' saves big.bin alone: keep.md is re-included by the same file's '!' line
    assert (shown["web/static/*"]["files"], shown["web/static/*"]["bytes"]) == (1, 900)
    assert doc["lines"] == ["web/static/*", "!web/static/keep.md"]
    assert main(["suggest", str(tmp_path), "--write"]) == 0
    capsys.readouterr()
    after = sent(capsys, tmp_path)
    assert {"vendor/term/.gitignore", "web/static/keep.md", "web/.gitignore"} <= after
    assert "web/static/big.bin" not in after
    # With the build reading everything the same lines are for review, with the same figures.
    (tmp_path / ".dockerignore").unlink()
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /app\n")
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    review = {s["pattern"]: s for s in json.loads(capsys.readouterr().out)["review"]}
    assert "vendor/term/**/.*" not in review
    assert (review["web/static/*"]["files"], review["web/static/*"]["bytes"]) == (1, 900)


KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"


def test_secret_files_sharing_a_suffix_get_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # traefik's integration/fixtures: a private key per test, each under its own name
    files: dict[str, str | bytes | int] = {f"fixtures/https/site{i}.key": KEY for i in range(12)}
    files |= {
        "Dockerfile": "FROM scratch\nCOPY . /app\n",
        "fixtures/ocsp/server.key": KEY,
        "fixtures/pub/public.key": "not a key, yet **/*.key removes it too\n",
        "config/prod.pem": KEY,
        "main.go": "package main\n",
    }
    make_tree(tmp_path, files)
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    review = {s["pattern"]: s for s in json.loads(capsys.readouterr().out)["review"]}
    assert not [p for p in review if p.endswith(".key") and p != "**/*.key"]
    key = review["**/*.key"]
    size = 13 * len(KEY) + len("not a key, yet **/*.key removes it too\n")
    assert (key["status"], key["files"], key["bytes"]) == ("review", 14, size)  # every *.key, secret or not
    assert key["reason"] == "secret: *.key files (private key)"
    assert "**/prod.pem" in review  # one name alone keeps its own line
    # Nothing reads them: the suffix line is written, and the walk after it agrees with its price.
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY main.go /app/\n")
    assert main(["suggest", str(tmp_path), "--write"]) == 0
    capsys.readouterr()
    assert "**/*.key" in (tmp_path / ".dockerignore").read_text().splitlines()
    assert not {p for p in sent(capsys, tmp_path) if p.endswith(".key")}


def test_held_back_lines_show_the_first_ten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files: dict[str, str | bytes | int] = {f"d/f{i:02}": 100 + i for i in range(14)}
    files |= {"Dockerfile": "FROM scratch\nCOPY . /app\n", ".gitignore": "".join(f"f{i:02}\n" for i in range(14))}
    make_tree(tmp_path, files)
    assert main(["suggest", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    shown = [f"**/f{i:02}" for i in range(14) if f"**/f{i:02} " in out]
    assert shown == [f"**/f{i:02}" for i in range(4, 14)]  # the largest ten
    assert "and 4 more lines held back (406 B): ctxaudit suggest --all lists them" in out
    assert main(["suggest", str(tmp_path), "--all"]) == 0
    out = capsys.readouterr().out
    assert all(f"**/f{i:02} " in out for i in range(14)) and "more lines held back" not in out
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["review"]) == 14  # JSON keeps every line


@pytest.mark.parametrize(
    "line,directory,expected",
    [
        ("node_modules/", "", ("**/node_modules", False, True)),
        ("*.log", "", ("**/*.log", False, False)),
        ("/build", "", ("build", False, False)),
        ("dist", "web", ("web/**/dist", False, False)),
        ("a/b", "web", ("web/a/b", False, False)),
        ("!keep.log", "", ("!**/keep.log", True, False)),
        ("[!a]*.txt", "", ("**/[^a]*.txt", False, False)),
        ("# comment", "", None),
        ("", "", None),
    ],
)
def test_translate_gitignore_line(line: str, directory: str, expected: object) -> None:
    assert translate_line(line, directory) == expected


def test_init_refuses_to_overwrite(pandas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(pandas)]) == 2
    assert "exists; use --force" in capsys.readouterr().err


def test_init_writes_a_starter_that_keeps_copy_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY requirements.txt seed.csv /app/\nCOPY build/libs/app.jar /app/\n",
            "requirements.txt": "x",
            "seed.csv": "1",
            "old.csv": "1,2",
            "build/tmp/x.o": 30,
            "app.py": "print()",
            "package.json": "{}",
            "pom.xml": "<project/>",
            "build/libs/app.jar": 100,
            "node_modules/x/i.js": "1",
            "w/__pycache__/m.pyc": "1",
        },
    )
    assert main(["init", str(tmp_path)]) == 0
    assert "python, node, java, data" in capsys.readouterr().out
    text = (tmp_path / ".dockerignore").read_text()
    assert "**/__pycache__" in text and "**/node_modules" in text
    assert "\n**/*.csv\n" in text and ("\n**/build\n" in text or "\nbuild\n" in text)
    # the exceptions come after every line, so that no later line excludes the sources again
    assert text.endswith("\n!seed.csv\n!build/libs/app.jar\n") or text.endswith("\n!build/libs/app.jar\n!seed.csv\n")
    assert "old.csv" not in sent(capsys, tmp_path) and "build/tmp/x.o" not in sent(capsys, tmp_path)
    assert not {"CA300", "CA301", "CA200"} & scan_findings(capsys, tmp_path)
    files = sent(capsys, tmp_path)
    assert {"seed.csv", "build/libs/app.jar", "requirements.txt"} <= files
    assert "node_modules/x/i.js" not in files and "w/__pycache__/m.pyc" not in files
    # no wildcard exception: it would make BuildKit walk every excluded directory
    assert not [ln for ln in text.splitlines() if ln.startswith("!") and any(c in ln for c in "*?[")]
    assert main(["init", str(tmp_path), "--force"]) == 0


def test_init_keeps_sources_of_stages_only_the_legacy_builder_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # BuildKit skips the "prep" stage, but DOCKER_BUILDKIT=0 builds every stage
    # up to the target: its COPY must still find data/x.csv.
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch AS prep\nCOPY data/x.csv /x.csv\n\nFROM scratch\nCOPY app.py /\n",
            "data/x.csv": "a,b",
            "data/y.csv": "c,d",
            "app.py": "print()",
        },
    )
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / ".dockerignore").read_text()
    assert "\n**/*.csv\n" in text and text.endswith("\n!data/x.csv\n")
    capsys.readouterr()
    assert main([str(tmp_path), "--builder", "legacy", "-o", "json", "--no-progress"]) == 0
    assert not {"CA300", "CA301"} & {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}


def test_savings_count_what_the_exceptions_keep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = {"Dockerfile": "FROM scratch\nCOPY data/x.csv /x.csv\n", "data/x.csv": "a,b"}
    make_tree(tmp_path, tree)
    # '**/*.csv' + '!data/x.csv' would drop nothing: not proposed.
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["suggestions"] == []
    make_tree(tmp_path, {"other.csv": "12345"})
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (s,) = doc["suggestions"]
    assert (s["pattern"], s["exceptions"], s["files"], s["bytes"]) == ("**/*.csv", ["!data/x.csv"], 1, 5)
    assert doc["sent_before"]["bytes"] - doc["sent_after"]["bytes"] == 5


def test_init_dry_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"go.mod": "module x\n"})
    assert main(["init", str(tmp_path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "# go (found go.mod)" in out and not (tmp_path / ".dockerignore").exists()


def test_unused_paths_from_a_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\nCOPY app.py /\n", "app.py": "x", "assets/logo.svg": 4000})
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["suggestions"] == []  # 4 kB is below the 1 MiB default
    assert main(["suggest", str(tmp_path), "-o", "json", "--unused-min", "1k"]) == 0
    (s,) = json.loads(capsys.readouterr().out)["suggestions"]
    assert s["pattern"] == "assets" and s["bytes"] == 4000


def test_init_keeps_a_source_whose_name_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9.csv")).write_text("a")
    (tmp_path / "other.csv").write_text("b")
    (tmp_path / "Dockerfile").write_bytes(b"FROM scratch\nCOPY caf\xe9.csv /\n")
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / ".dockerignore").read_bytes()
    assert b"\n**/*.csv\n" in text and text.endswith(b"\n!caf\xe9.csv\n")


@pytest.mark.parametrize(
    "exception",
    ["!.git/HEAD", "!**/HEAD", "!.git/H*D", "!.git/[H]EAD", "!*/HEAD", "!**"],
)
def test_a_users_exception_of_any_shape_holds_what_it_re_includes(tmp_path: Path, exception: str) -> None:
    # Exceptions are first ruled out with their literal bounds (one C-level test per path);
    # whatever the shape, one that matches still holds the suggestion back.
    from ctxaudit.analysis import suggest
    from ctxaudit.engine.context import open_context
    from ctxaudit.pipeline import load_dockerfile

    filler = "\n".join(f"!other/f{i}.txt" for i in range(100))  # past the one-regex size of the test
    files: dict[str, str | bytes | int] = {
        "Dockerfile": "FROM scratch\nCOPY app.py /\n",
        "app.py": "x",
        ".dockerignore": f"*.md\n{filler}\n{exception}\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        ".git/objects/12/3456": 3000,
    }
    make_tree(tmp_path, files)
    c = open_context(tmp_path)
    plan, _ = suggest.plan(c, load_dockerfile(c, {}, None))
    held = {s.line: s.why for s in plan.held_back}
    assert f"'{exception}' re-includes it" in held.get(".git", ""), held
