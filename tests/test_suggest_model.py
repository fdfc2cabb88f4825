"""The one-pass model against real walks, on generated contexts.

suggest prices every line from groups of files counted in one walk; before
writing, it walks again with the lines under both builders and refuses when
the result differs from the prediction (suggest.verify). Here, on many
generated contexts (junk and source under generic names, ignore files with
'!' lines, .gitignore files with '!' lines, COPY of files, directories,
wildcards and the whole context, bind mounts), the prediction must always
be exact, no build may break, and the image may lose only unmistakable junk.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ctxaudit.analysis import junk, starter, suggest
from ctxaudit.classify import kinds
from ctxaudit.dockerfile.model import build_model
from ctxaudit.dockerfile.usage import DockerfileUsage
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.walk import walk

DIRS = ["src", "build", "dist", "data", "node_modules", ".git", ".venv", "__pycache__", "target", "logs", "web"]
DIRS += ["pkg", "vendor", "static", "out", ".idea", "export", "venv", "sub dir", "a.b"]
FILES = ["main.go", "app.py", "x.pyc", "y.log", "z.csv", ".env", "a.tar", "b.jar", "c.class", ".DS_Store"]
FILES += ["index.ts", "keep.md", "notes~", "model.pt", "README.md", "q.tar.gz", ".npmrc", "pyvenv.cfg"]
IGNORE_LINES = ["*.log", "/build", "./data", "node_modules", "**/*.csv", "!keep.md", "!src/z.csv", "*.md", "dist"]
IGNORE_LINES += ["!.git", "target", "**/__pycache__", "!web/.env"]
GITIGNORE_LINES = ["*.log", "build/", "/out", "static/*", "!static/keep.md", "*.csv", "!keep.csv", "dist"]


def make_context(rng: random.Random, root: Path) -> tuple[Path, str]:
    paths = set()
    for _ in range(rng.randint(8, 40)):
        depth = rng.randint(0, 3)
        parts = [rng.choice(DIRS) for _ in range(depth)] + [rng.choice(FILES)]
        paths.add("/".join(parts))
    for p in sorted(paths):
        full = root / p
        if any(parent.is_file() for parent in full.parents if root in parent.parents):
            continue
        full.parent.mkdir(parents=True, exist_ok=True)
        if full.is_dir():
            continue
        full.write_bytes(b"x" * rng.randint(0, 3000))
    if rng.random() < 0.6:
        (root / ".dockerignore").write_text("\n".join(rng.sample(IGNORE_LINES, rng.randint(1, 5))) + "\n")
    if rng.random() < 0.6:
        (root / ".gitignore").write_text("\n".join(rng.sample(GITIGNORE_LINES, rng.randint(1, 5))) + "\n")
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != ".dockerignore")
    lines = ["FROM scratch AS a"]
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["whole", "file", "dir", "wild", "mount"])
        if kind == "whole":
            lines.append("COPY . /app/")
        elif kind == "file" and files:
            f = rng.choice(files)
            if " " not in f:
                lines.append(f"COPY {f} /f/")
        elif kind == "dir":
            d = rng.choice([d for d in DIRS if " " not in d])
            if (root / d).is_dir():
                lines.append(f"COPY {d}/ /d/{d}/")
        elif kind == "wild":
            lines.append(f"COPY {rng.choice(['*.md', 'target/*.jar', 'src/*.py', '*/main.go'])} /w/")
        elif kind == "mount":
            d = rng.choice(DIRS)
            if (root / d).exists() and " " not in d:
                lines.append(f"RUN --mount=type=bind,source={d},target=/m true")
    return root, "\n".join(lines) + "\n"


def image(ctx_path: Path, text: str) -> dict[str, int]:
    ctx = open_context(ctx_path)
    usage = DockerfileUsage(build_model(text), Builder.BUILDKIT, str(ctx.root), record_image=True)
    for e in walk(ctx):
        usage.add(e)
    usage.finish()
    return {p: s for p, s in usage.image_files.items() if not p.endswith("/.dockerignore")}  # it is what changes


def context_path(image_path: str) -> str:
    for prefix in ("/app/", "/d/", "/f/", "/w/"):
        if image_path.startswith(prefix):
            return image_path[len(prefix) :]
    return image_path


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("review", [False, True])
def test_the_prediction_is_exact_and_the_image_loses_only_junk(seed: int, review: bool, tmp_path: Path) -> None:
    rng = random.Random(seed)
    root, text = make_context(rng, tmp_path / "ctx")
    (root / "Dockerfile").write_text(text)
    ctx = open_context(root)
    df = build_model(text)
    before = image(root, text)
    p, planner = suggest.plan(ctx, df, include_review=review, check_build=True)
    suggest.verify(p, planner)  # raises when the walk disagrees with the groups or a build breaks
    if not p.block:
        return
    target = suggest.target_file(ctx)
    old, new = suggest.written(p, target, "2024-01-01")
    suggest.read_back(old, new, p.block, p.expect, ".dockerignore")
    target.write_bytes(new)
    after = image(root, text)
    assert after.items() <= before.items()
    reads = junk.build_reads(df, root)
    for path in set(before) - set(after):
        parts = context_path(path).split("/")
        judged = any(
            junk.junk_dir(x, reads, (root.joinpath(*parts[: i + 1]) / kinds.VENV_MARKER).exists())
            for i, x in enumerate(parts[:-1])
        )
        assert review or judged or junk.junk_file(parts[-1]), f"{path} left the image"


@pytest.mark.parametrize("seed", range(30))
def test_the_starter_is_exact_too(seed: int, tmp_path: Path) -> None:
    rng = random.Random(1000 + seed)
    root, text = make_context(rng, tmp_path / "ctx")
    (root / "Dockerfile").write_text(text)
    ctx = open_context(root)
    s = starter.starter(ctx, build_model(text), "2024-01-01")
    suggest.verify(s.plan, s.planner)
    suggest.read_back(b"", s.text.encode("utf-8", "surrogateescape"), s.lines, s.plan.expect, ".dockerignore")


def test_names_settled_without_lookups_have_no_line_and_no_junk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner settles most names by a few string tests (suggest._MAY_*); every name it
    settles so must have no table line and be no junk by the full lookup."""
    from ctxaudit.classify import secrets

    tails = {
        *kinds.DIR_KINDS,
        *kinds.FILE_NAMES,
        *kinds.FILE_SUFFIXES,
        *(g.lstrip("*") for g, _ in kinds.DIR_GLOBS),
        *junk.FILE_NAMES,
        *junk.FILE_SUFFIXES,
        *secrets.QUICK_NAMES,
        *secrets.QUICK_SUFFIXES,
        *secrets.QUICK_PREFIXES,
        "~",
        ".js",
        "",
    }
    tails |= {t.upper() for t in tails} | {t.capitalize() for t in tails}
    names = {f"{stem}{tail}" for stem in ("", "a", "x.y", "server", ".") for tail in tails if stem or tail}
    names |= {f"{tail}.txt" for tail in tails if tail}
    ctx = open_context(tmp_path, None, Builder.BUILDKIT)
    settled = [n for n in sorted(names) if suggest.Planner(ctx, None)._name_facts(n) is suggest._NO_FACTS]
    assert len(settled) > 100
    monkeypatch.setattr(suggest, "_MAY_TAILS", ("",))  # every name takes the full lookup
    full = suggest.Planner(ctx, None)
    assert [n for n in settled if full._name_facts(n) != ((), False)] == []
