"""The .gitignore -> .dockerignore translation (ctxaudit/analysis/gitignore.py).

The ground truth is git itself: where git is installed, each tree is made a git
repository and ``git ls-files --others --ignored --exclude-standard`` says what
git ignores; the translated lines, walked with ctxaudit's Docker matcher (which
the conformance goldens tie to the engine), must leave exactly the other files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ctxaudit.analysis.gitignore import Untranslatable, translate_file, translate_line
from ctxaudit.cli import main
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.walk import EntryType, walk


@pytest.mark.parametrize(
    "line,directory,expected",
    [
        # git's escaped trailing space is a literal space; Docker trims line ends, so a one-character class
        ("sp\\ ", "", ("**/sp[ ]", False, False)),
        ("sp\\  ", "", ("**/sp[ ]", False, False)),  # the unescaped space after it is stripped
        ("sp  ", "", ("**/sp", False, False)),  # unescaped trailing spaces are stripped
        ("t\t", "", ("**/t[\t]", False, False)),  # git strips spaces only, Docker any whitespace
        ("/ lead", "", ("[ ]lead", False, False)),  # git keeps leading spaces
        ("sp\\ ", "we b", ("we b/**/sp[ ]", False, False)),
        ("x", "[d]", ("\\[d\\]/**/x", False, False)),  # the directory is literal
        ("x\\*y", "", ("**/x\\*y", False, False)),
        ("\\#x", "", ("**/#x", False, False)),
        ("/\\#x", "", ("\\#x", False, False)),
        ("\\!x", "", ("**/!x", False, False)),
        ("a**b", "", ("**/a*b", False, False)),  # '**' inside a name is a plain '*' in git
        ("a/**/b", "", ("a/**/b", False, False)),
        ("a[!b]c", "", ("**/a[^b/]c", False, False)),  # git's negated class never matches '/'
        ("[!a]*.txt", "", ("**/[^a]*.txt", False, False)),
        ("sp\\ \r", "", ("**/sp[ ]", False, False)),
        ("   ", "", None),
    ],
)
def test_translation(line: str, directory: str, expected: object) -> None:
    assert translate_line(line, directory) == expected


@pytest.mark.parametrize(
    "line,why",
    [
        ("x\\", "trailing backslash"),
        ("[[:alpha:]]x", "POSIX class"),
        ("a//b", "filepath.Clean"),
        ("./a", "filepath.Clean"),
        ("a/../b", "filepath.Clean"),
        ("[a-z/]x", "'/'"),
        ("[ab", "unterminated"),
    ],
)
def test_no_exact_docker_line_is_not_translated(line: str, why: str) -> None:
    with pytest.raises(Untranslatable, match=why):
        translate_line(line, "")
    (t,) = translate_file(line + "\n", ".gitignore")
    assert t.docker == "" and why in t.skipped


def test_a_negation_under_an_excluded_directory_is_dropped() -> None:
    out = translate_file("data/\n!data/keep/\n!data/keep.txt\n/build\n!build/x/y\n!data/\n", ".gitignore")
    assert [(t.docker, bool(t.skipped)) for t in out] == [
        ("**/data", False),
        ("", True),
        ("", True),
        ("build", False),
        ("", True),
        ("!**/data", False),  # the directory itself can be re-included
    ]
    assert "data/ is excluded by an earlier line" in out[1].skipped
    # re-included first, its contents can be re-included again
    out = translate_file("data/\n!data/\n!data/keep\n", ".gitignore")
    assert [t.docker for t in out] == ["**/data", "!**/data", "!data/keep"]


TREES: list[tuple[dict[str, str], list[str]]] = [
    ({".gitignore": "sp\\ \n"}, ["sp", "sp ", "spa", "d/sp ", "d/spx"]),
    ({".gitignore": "sp\\  \nq  \n"}, ["sp", "sp ", "sp  ", "q", "q ", "qq"]),
    ({".gitignore": "t\t\n/ lead\n"}, ["t", "t\t", " lead", "lead", "d/ lead"]),
    ({".gitignore": "data/\n!data/keep/\n!data/x.txt\n"}, ["data/keep/a", "data/x.txt", "data/y", "other/a"]),
    ({".gitignore": "*.log\n!keep.log\n"}, ["a.log", "keep.log", "d/keep.log", "d/b.log"]),
    ({".gitignore": "a**b\na/**/c\n"}, ["axb", "d/ayb", "a/x/b", "a/c", "a/x/y/c", "b"]),
    ({".gitignore": "a[!b]c\n[!x]y\n"}, ["abc", "axc", "ay", "xy", "d/zy"]),
    ({".gitignore": "\\#x\n\\!y\nx\\*y\n"}, ["#x", "!y", "x*y", "xzy", "y"]),
    ({"we b/.gitignore": "sp\\ \n", "[d]/.gitignore": "x\n"}, ["we b/sp ", "we b/spa", "sp ", "[d]/x", "d/x"]),
]


def _git_ignored(root: Path) -> set[str]:
    git = shutil.which("git")
    assert git is not None
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([git, "init", "-q", str(root)], check=True, env=env)
    out = subprocess.run(
        [git, "-c", "core.quotePath=false", "ls-files", "-z", "--others", "--ignored", "--exclude-standard"],
        cwd=root,
        check=True,
        env=env,
        capture_output=True,
    ).stdout
    return {p for p in out.decode().split("\0") if p}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is the ground truth here")
@pytest.mark.parametrize("ignores,files", TREES)
@pytest.mark.parametrize("builder", [Builder.BUILDKIT, Builder.LEGACY])
def test_translation_sends_what_git_keeps(
    tmp_path: Path, ignores: dict[str, str], files: list[str], builder: Builder
) -> None:
    root = tmp_path / "ctx"
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    docker: list[str] = []
    for path, text in ignores.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
        docker += [t.docker for t in translate_file(text, path) if not t.skipped]
    ignored = _git_ignored(root)
    assert ignored  # each tree has something git ignores
    (root / ".dockerignore").write_text("\n".join(docker) + "\n")
    ctx = open_context(root, builder=builder)
    sent = {e.path for e in walk(ctx) if e.sent and e.type is EntryType.FILE}
    sent = {os.fsdecode(p) if isinstance(p, bytes) else str(p) for p in sent} & set(files)
    assert sent == set(files) - ignored, docker


def test_suggest_shows_the_lines_it_does_not_translate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data" / "keep").mkdir(parents=True)
    (tmp_path / "data" / "keep" / "a.csv").write_text("1" * 4000)
    (tmp_path / "sp ").write_text("x" * 4000)
    (tmp_path / "spa").write_text("x" * 4000)
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY spa /\n")
    (tmp_path / ".gitignore").write_text("data/\n!data/keep/\nsp\\ \n[[:digit:]]x\n")
    capsys.readouterr()
    assert main(["suggest", str(tmp_path), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    lines = [s["pattern"] for s in doc["suggestions"]] + [s["pattern"] for s in doc["review"]]
    assert "**/sp[ ]" in lines and "**/sp?" not in lines
    assert not any(s["pattern"].startswith("!") for s in doc["suggestions"])
    assert [s["pattern"] for s in doc["review"] if s["pattern"].startswith("!")] == ["!data/keep/"]
    held = {s["pattern"]: s for s in doc["review"]}
    assert held["!data/keep/"]["status"] == "held"
    assert "data/ is excluded by an earlier line" in held["!data/keep/"]["why"]
    assert "POSIX class" in held["[[:digit:]]x"]["why"]
