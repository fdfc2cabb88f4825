"""``ctxaudit init``: a starter ignore file for the stacks a context holds.

Every line is written in Docker's syntax (``**/`` where a name may appear at
any depth) and the result is checked like ``suggest``: a line that would
exclude a COPY/ADD source of the Dockerfile gets a ``!`` exception. The
template itself has no wildcard exceptions: one would make BuildKit enter
every excluded directory (node_modules...) and behave unlike the legacy
builder.
"""

from __future__ import annotations

import dataclasses
import os

from ..dockerfile.model import Dockerfile
from ..engine.context import Context
from ..engine.ignorefile import IgnoreFile
from ..engine.walk import walk
from . import suggest

STACKS: dict[str, tuple[str, list[str]]] = {
    # name: (how it is detected, lines)
    "common": (
        "always",
        [
            ".git",
            "**/.gitignore",
            "**/.gitattributes",
            "**/.DS_Store",
            "**/Thumbs.db",
            "**/*.swp",
            "**/*~",
            ".idea",
            ".vscode",
            "**/*.log",
            "**/.env",
            "**/.env.*",
            "**/*.pem",
            "**/*.key",
            "**/id_rsa*",
            "**/.npmrc",
            "**/.pypirc",
            "**/.netrc",
            "**/*.tfstate*",
            "**/docker-compose*.yml",
            "**/*.Dockerfile",
            "**/*.bak",
            "**/*.tar",
            "**/*.tar.gz",
            "**/*.zip",
        ],
    ),
    "python": (
        "requirements.txt, pyproject.toml, setup.py or *.py",
        [
            "**/__pycache__",
            "**/*.py[cod]",
            "**/.venv",
            "**/venv",
            "**/.tox",
            "**/.nox",
            "**/.pytest_cache",
            "**/.mypy_cache",
            "**/.ruff_cache",
            "**/.hypothesis",
            "**/.coverage",
            "htmlcov",
            "**/*.egg-info",
            "build",
            "dist",
        ],
    ),
    "node": (
        "package.json",
        [
            "**/node_modules",
            "**/npm-debug.log*",
            "**/yarn-error.log",
            "**/.pnpm-store",
            "**/.turbo",
            "coverage",
            "**/.next/cache",
            "**/.parcel-cache",
            "**/.eslintcache",
        ],
    ),
    "go": ("go.mod", ["**/*.test", "**/*.out", "bin", "vendor/**/testdata"]),
    "java": ("pom.xml or build.gradle", ["**/target", "**/.gradle", "**/build", "**/*.class"]),
    "rust": ("Cargo.toml", ["**/target"]),
    "data": (
        "notebooks or data files",
        [
            "**/.ipynb_checkpoints",
            "**/*.csv",
            "**/*.parquet",
            "**/*.xlsx",
            "**/*.sqlite",
            "**/*.h5",
            "**/*.pt",
            "**/*.onnx",
            "**/*.safetensors",
            "**/*.pkl",
        ],
    ),
}

_MARKERS = {
    "python": ("requirements.txt", "pyproject.toml", "setup.py", "setup.cfg", "Pipfile"),
    "node": ("package.json",),
    "go": ("go.mod",),
    "java": ("pom.xml", "build.gradle", "build.gradle.kts"),
    "rust": ("Cargo.toml",),
}
_DATA_SUFFIXES = (".ipynb", ".csv", ".parquet", ".xlsx", ".h5", ".pt", ".onnx", ".safetensors", ".pkl")


def detect(ctx: Context, limit: int = 20000) -> list[str]:
    """Stacks present in the context, by marker files (a bounded look)."""
    found = {"common"}
    seen = 0
    for _, dirnames, filenames in os.walk(ctx.root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules", ".venv", "venv", "target")]
        for name in filenames:
            for stack, markers in _MARKERS.items():
                if name in markers:
                    found.add(stack)
            if name.endswith(".py"):
                found.add("python")
            if name.endswith(_DATA_SUFFIXES):
                found.add("data")
        seen += len(filenames)
        if seen > limit:
            break
    return [s for s in STACKS if s in found]


def render(stacks: list[str], extra: dict[str, list[str]], today: str) -> str:
    """The starter text; ``extra`` maps a line to the '!' exceptions it needs."""
    out = [
        f"# .dockerignore written by ctxaudit init on {today}.",
        "# Docker rules: every line is anchored at the context root; '**/' matches at any depth.",
        "# Check it with `ctxaudit lint`, see the effect with `ctxaudit scan --full`.",
    ]
    for stack in stacks:
        how, lines = STACKS[stack]
        out += ["", f"# {stack}" + ("" if stack == "common" else f" (found {how})")]
        for line in lines:
            out.append(line)
            out.extend(extra.get(line, []))
    return "\n".join(out) + "\n"


def starter_text(ctx: Context, df: Dockerfile | None, today: str) -> tuple[list[str], str]:
    """(stacks found, file text) with '!' lines keeping the Dockerfile's sources.

    What the Dockerfile needs is taken from the context as if it had no
    ignore file: the starter replaces whatever is there.
    """
    needs: list[suggest.Need] = []
    if df is not None:
        bare = dataclasses.replace(ctx, ignore=IgnoreFile(None, "(none)"))
        usage = suggest.sources_usage(df, str(ctx.root))
        for e in walk(bare, sizes=False):
            usage.add(e)
        needs = suggest.needed_sources(usage.finish())
    stacks = detect(ctx)
    extra = {line: suggest.keep_sources(line, needs) for s in stacks for line in STACKS[s][1]}
    return stacks, render(stacks, extra, today)
