"""The rendered output at 80 and 120 columns: every table fits, in the order a user acts on.

``COLUMNS`` is the width (as for a terminal); without it and without a
terminal the layout is the stable one. A few whole outputs are kept in
tests/rendered/ and compared to the character; after an intended change,
``CTXAUDIT_UPDATE_RENDERED=1 pytest tests/test_rendering.py`` rewrites them
(then read the diff).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ctxaudit.cli import main
from ctxaudit.output import layout

REPO = Path(__file__).resolve().parent.parent
RENDERED = Path(__file__).resolve().parent / "rendered"
SAMPLES = ("clean-api", "compose-webapp", "node-monorepo", "pandas-analysis")
SEED = ["tests/layers/fixtures/seed-single.tar", "-f", "tests/layers/cases/seed-single.Dockerfile"]
COMMANDS: list[list[str]] = [
    *(["scan", f"sample_contexts/{s}"] for s in SAMPLES),
    *(["scan", f"sample_contexts/{s}", "--full", "-b", "legacy"] for s in SAMPLES),
    *(["lint", f"sample_contexts/{s}"] for s in SAMPLES),
    *(["suggest", f"sample_contexts/{s}"] for s in SAMPLES),
    *(["image", f"sample_contexts/{s}"] for s in SAMPLES),
    ["layers", *SEED, "sample_contexts/pandas-analysis"],
    ["scan", "sample_contexts/pandas-analysis", "-b", "buildah"],
]


def render(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int | None, *args: str) -> str:
    monkeypatch.chdir(REPO)
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    main([*args, "--fail-on", "never"] if args[0] in ("scan", "lint", "image") else list(args))
    return capsys.readouterr().out


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_line_fits(
    args: list[str], width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = render(capsys, monkeypatch, width, *args)
    # `==> build <==` separators (as head(1) prints them) stay whole.
    wide = [line for line in out.splitlines() if len(line) > width and not line.startswith("==> ")]
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("sample", SAMPLES)
def test_suggest_dry_run_fits(
    sample: str, width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diff's lines are the file's bytes (as git diff prints them); the rest fits."""
    out = render(capsys, monkeypatch, width, "suggest", f"sample_contexts/{sample}", "--dry-run")
    diff = ("+", "-", "@@ ")
    wide = [line for line in out.splitlines() if len(line) > width and not line.startswith(("==> ", *diff))]
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("sample", [s for s in SAMPLES if s != "compose-webapp"])  # init takes one build
def test_init_fits(
    sample: str, width: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """init writes: on a copy without its ignore file, what it prints (guard lines, held back) fits."""
    root = tmp_path / sample
    shutil.copytree(REPO / "sample_contexts" / sample, root, symlinks=True)
    for ignore in root.rglob(".dockerignore"):
        ignore.unlink()
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.chdir(tmp_path)
    assert main(["init", sample]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {sample}/.dockerignore for: ")
    wide = [line for line in out.splitlines() if len(line) > width and not line.startswith("==> ")]
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("width", [80, 120])
def test_the_first_screen_is_what_a_user_acts_on(
    width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = render(capsys, monkeypatch, width, "scan", "sample_contexts/node-monorepo")
    order = [
        "eligible context (what the ignore file lets through)",
        "Errors (2)",
        "Suggested ignore lines: 32.7 KiB less",
        "2 more lines, 19.9 KiB, held back for review",  # dist/ and .env: COPY packages/ takes them
        "Findings: 3 warnings",
        "Largest eligible files (top 10)",
        "Eligible context by kind",
        "\nDockerfile Dockerfile\n",
    ]
    at = [out.index(heading) for heading in order]
    assert at == sorted(at)
    suggestions = out[out.index("Suggested ignore lines") : out.index("Findings:")]
    # The correction says which finding it fixes instead of repeating it; the finding points back.
    assert "fixes CA201 at .dockerignore:3" in suggestions and "matches only at the root" not in suggestions
    assert "fix: **/npm-debug.log (suggested above)" in out


def test_long_paths_are_shortened_in_the_middle(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = render(capsys, monkeypatch, 80, "scan", "sample_contexts/compose-webapp", "--no-suggest")
    full = ".venv/lib/python3.12/site-packages/sqlalchemy/__init__.py"
    (row,) = {line.split()[0] for line in out.splitlines() if line.startswith(".venv/lib/") and "…" in line}
    head, tail = row.split("…")
    assert full.startswith(head) and full.endswith(tail) and len(row) < len(full)
    assert tail.endswith("/__init__.py")  # the file name is kept whole
    wide = render(capsys, monkeypatch, 120, "scan", "sample_contexts/compose-webapp", "--no-suggest")
    assert full in wide and "…" not in wide


def test_messages_wrap_to_what_is_left(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for width in (80, 120):
        out = render(capsys, monkeypatch, width, "lint", "sample_contexts/pandas-analysis")
        header = next(line for line in out.splitlines() if line.startswith("severity"))
        start = header.index("message")
        lines = out.splitlines()[out.splitlines().index(header) + 2 :]
        assert max(len(line) for line in lines) <= width
        # the message column uses the room: some line reaches within 10 columns of the edge
        assert any(len(line) > width - 10 for line in lines) and start < 40


def test_without_a_terminal_the_layout_is_stable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No COLUMNS and no terminal: tables as wide as their content, messages wrapped at 80, nothing shortened."""
    out = render(capsys, monkeypatch, None, "scan", "sample_contexts/compose-webapp", "--no-suggest")
    assert "…" not in out and ".venv/lib/python3.12/site-packages/sqlalchemy/__init__.py" in out
    assert max(len(line) for line in out.splitlines()) > 80  # the tables are not fitted
    assert layout.width(open(os.devnull, "w")) is None  # noqa: SIM115 - a stream that is no terminal


@pytest.mark.parametrize("value,expected", [("100", 100), ("20", layout.MIN_WIDTH), ("", None), ("x", None)])
def test_columns_sets_the_width(value: str, expected: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", value)
    with open(os.devnull, "w") as stream:
        assert layout.width(stream) == expected


@pytest.mark.parametrize(
    "text,limit,expected",
    [
        ("packages/api/node_modules/express/lib/router.js", 30, "packages/api/…/lib/router.js"),
        (".venv/lib/python3.12/site-packages/sqlalchemy/__init__.py", 40, ".venv/lib/…/sqlalchemy/__init__.py"),
        ("tests/layers/cases/seed-single.Dockerfile:6", 20, "tests/….Dockerfile:6"),
        ("short.txt", 30, "short.txt"),
        ("averyveryverylongfilenamewithoutslashes.txt", 20, "averyv…utslashes.txt"),
    ],
)
def test_shorten_middle(text: str, limit: int, expected: str) -> None:
    got = layout.shorten_middle(text, limit)
    assert got == expected and len(got) <= limit


SNAPSHOTS = {
    "scan-pandas-full-80": (80, ["scan", "sample_contexts/pandas-analysis", "--full"]),
    "scan-pandas-full-120": (120, ["scan", "sample_contexts/pandas-analysis", "--full"]),
    "scan-compose-80": (80, ["scan", "sample_contexts/compose-webapp", "--top", "3"]),
    "lint-node-80": (80, ["lint", "sample_contexts/node-monorepo"]),
    "image-seed-80": (
        80,
        ["image", "-f", "tests/layers/cases/seed-single.Dockerfile", "sample_contexts/pandas-analysis"],
    ),
    "layers-seed-80": (80, ["layers", *SEED, "sample_contexts/pandas-analysis"]),
    "layers-seed-120": (120, ["layers", *SEED, "sample_contexts/pandas-analysis"]),
}


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_rendered_snapshots(name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    width, args = SNAPSHOTS[name]
    out = render(capsys, monkeypatch, width, *args)
    path = RENDERED / f"{name}.txt"
    if os.environ.get("CTXAUDIT_UPDATE_RENDERED"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("width", range(30, 61))
def test_fix_hints_wrap_between_words_and_keep_flags_whole(width: int) -> None:
    # textwrap filled a line's end with a long word's head: "RUN --" / "mount=...", "targ" / "et=".
    fix = "  fix: RUN --mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir -r requirements.txt"
    lines = layout.wrap_cell(fix, width).split("\n")
    assert all(len(line) <= width for line in lines)
    words = " ".join(line.strip() for line in lines).split()
    # Cut only after a comma: joined back, every word is whole.
    text = " ".join(words).replace(", ", ",")
    assert text == fix.strip()
    for line in lines:
        assert not line.endswith(("--", "targ", "--mount", "-")), lines
        assert not line.strip().startswith(("mount=", "et=", "ount")), lines
