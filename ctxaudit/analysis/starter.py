"""``ctxaudit init``: a starter ignore file for the stacks a context holds.

The template lines of the detected stacks (Python, Node, Go, Java, Rust,
data, editor and OS files, secrets, VCS), all in Docker's syntax, are
weighed like ``suggest``'s candidates on a walk of the context without an
ignore file (:class:`ctxaudit.analysis.suggest.Planner`):

* a line that removes only what nothing reads, or unmistakable junk, is
  written (with a ``!`` exception for a COPY/ADD source it names);
* a line that would remove files the build may read (``**/build`` beside
  ``COPY . .``) is held back for review and printed, not written;
* a line whose whole effect other lines already have, or that matches
  nothing, is written only when it is unmistakable junk, in a block marked
  ``# ctxaudit: guard`` that ``lint`` does not report as dead or shadowed:
  it keeps such files out when they appear.

The template has no wildcard exceptions of its own: one would make BuildKit
enter every excluded directory and behave unlike the legacy builder.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from ..classify import kinds
from ..dockerfile.model import Dockerfile
from ..engine.context import Context
from ..engine.ignorefile import IgnoreFile
from . import junk, suggest
from .suggest import Plan, Planner, StarterLine

GUARD_MARK = "# ctxaudit: guard"

# (line, unmistakable junk: may stand guard while it matches nothing)
STACKS: dict[str, tuple[str, list[tuple[str, bool]]]] = {
    "common": (
        "always",
        [
            (".git", True),
            ("**/.DS_Store", True),
            ("**/Thumbs.db", True),
            ("**/*.swp", True),
            ("**/*~", True),
            (".idea", True),
            (".vscode", True),
            ("**/*.log", True),
            ("**/.env", False),
            ("**/*.pem", False),
            ("**/*.key", False),
            ("**/id_rsa*", True),
            ("**/id_ed25519*", True),
            ("**/.git-credentials", True),
            ("**/.npmrc", False),
            ("**/.pypirc", False),
            ("**/.netrc", False),
            ("**/*.tfstate*", True),
            ("**/*.bak", True),
            ("**/*.tar", True),
            ("**/*.tar.gz", True),
            ("**/*.zip", True),
        ],
    ),
    "python": (
        "requirements.txt, pyproject.toml, setup.py or *.py",
        [
            ("**/__pycache__", True),
            ("**/*.py[cod]", True),
            ("**/.venv", True),
            ("**/venv", False),
            ("**/.tox", True),
            ("**/.nox", True),
            ("**/.pytest_cache", True),
            ("**/.mypy_cache", True),
            ("**/.ruff_cache", True),
            ("**/.hypothesis", True),
            ("**/.coverage", True),
            ("htmlcov", True),
            ("**/*.egg-info", False),
            ("build", False),
            ("dist", False),
        ],
    ),
    "node": (
        "package.json",
        [
            ("**/node_modules", True),
            ("**/npm-debug.log*", True),
            ("**/yarn-error.log", True),
            ("**/.pnpm-store", True),
            ("**/.turbo", True),
            ("coverage", False),
            ("**/.next/cache", True),
            ("**/.parcel-cache", True),
            ("**/.eslintcache", True),
        ],
    ),
    "go": ("go.mod", [("**/*.test", False), ("**/*.out", False), ("bin", False)]),
    "java": (
        "pom.xml or build.gradle",
        [("**/target", False), ("**/.gradle", True), ("**/build", False), ("**/*.class", False)],
    ),
    # Cargo's build directory next to the root Cargo.toml is unmistakable (a guard: a
    # Docker build runs after a local `cargo build`); a `target` deeper may be anything.
    "rust": ("Cargo.toml", [("target", True), ("**/target", False)]),
    "data": (
        "notebooks or data files",
        [
            ("**/.ipynb_checkpoints", True),
            ("**/*.csv", False),
            ("**/*.parquet", False),
            ("**/*.xlsx", False),
            ("**/*.sqlite", False),
            ("**/*.h5", False),
            ("**/*.pt", False),
            ("**/*.onnx", False),
            ("**/*.safetensors", False),
            ("**/*.pkl", False),
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
# Guard lines that stand only when the build does not need what they would keep out.
_NODE_GUARDS = {"**/node_modules", "**/.pnpm-store"}


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


@dataclass
class Starter:
    stacks: list[str]
    text: str
    plan: Plan
    planner: Planner
    lines: list[str]  # the pattern lines, in the order written


def template(stacks: list[str], reads: junk.BuildReads) -> list[StarterLine]:
    """The lines of these stacks, each once, with whether it may stand guard."""
    out: list[StarterLine] = []
    seen: set[str] = set()
    for stack in stacks:
        for line, guard in STACKS[stack][1]:
            if line in seen:
                continue
            seen.add(line)
            if line in _NODE_GUARDS and not reads.reinstalls_node:
                guard = False
            if line == ".git" and reads.uses_vcs:
                guard = False
            out.append(StarterLine(line, stack, guard))
    return out


def starter(ctx: Context, df: Dockerfile | None, today: str, include_review: bool = False) -> Starter:
    """The starter file for ``ctx``, weighed on a walk of the context as if it had
    no ignore file (the starter replaces whatever is there)."""
    bare = dataclasses.replace(ctx, ignore=IgnoreFile(None, "(none)"))
    stacks = detect(ctx)
    lines = template(stacks, junk.build_reads(df, ctx.root))
    planner = Planner(bare, df, starter=lines, include_review=include_review, check_build=True)
    for e in kinds.walk(bare):
        planner.add(e)
    plan = planner.finish().plan()
    text, written = render(stacks, plan, lines, today)
    plan.block = written
    return Starter(stacks, text, plan, planner, written)


def render(stacks: list[str], plan: Plan, lines: list[StarterLine], today: str) -> tuple[str, list[str]]:
    """(file text, pattern lines in order): the active lines by stack, the
    guard block, then the '!' exceptions (last, so that they win)."""
    active = {c.line for c in plan.candidates}
    guards = {c.line for c in plan.guards}
    held = {sg.pattern for sg in plan.review()}
    out = [
        f"# .dockerignore written by ctxaudit init on {today}.",
        "# Docker rules: every line is anchored at the context root; '**/' matches at any depth.",
        "# Check it with `ctxaudit lint`, see the effect with `ctxaudit scan --full`.",
    ]
    written: list[str] = []
    for stack in stacks:
        mine = [s.line for s in lines if s.stack == stack and s.line in active]
        guarded = any(s.stack == stack and s.line in guards for s in lines)
        reviewed = any(s.stack == stack and s.line in held for s in lines)
        how = STACKS[stack][0]
        head = f"# {stack}" + ("" if stack == "common" else f" (found {how})")
        if not mine:  # say why no line of the stack stands here
            if reviewed:
                head += ": its lines remove what the build may read (held back: ctxaudit init prints them)"
            elif guarded:
                head += ": nothing of it here yet (its guard lines are below)"
            else:
                head += ": nothing of it to exclude here"
        out += ["", head]
        out += mine
        written += mine
    guard_lines = [s.line for s in lines if s.line in guards]
    if guard_lines:
        out += [
            "",
            f"{GUARD_MARK}: nothing here matches them today; they keep such files out when they appear.",
        ]
        out += guard_lines
        written += guard_lines
    kept = [ln for ln in plan.block if ln.startswith("!")]
    if kept:
        out += ["", "# kept for the Dockerfile: COPY/ADD sources the lines above would exclude"]
        out += kept
        written += kept
    return "\n".join(out) + "\n", written


def starter_text(ctx: Context, df: Dockerfile | None, today: str) -> tuple[list[str], str]:
    """(stacks found, file text); see :func:`starter`."""
    s = starter(ctx, df, today)
    return s.stacks, s.text


__all__ = ["GUARD_MARK", "STACKS", "Starter", "detect", "render", "starter", "starter_text", "suggest"]
