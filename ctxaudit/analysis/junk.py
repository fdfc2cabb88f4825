"""What is unmistakably junk for a build, and what the build itself reads.

A directory's name is not its kind: a ``build/`` may hold ``build.go``, a
``data/`` the model a service loads. Suggestions may write a line that
takes away files a COPY/ADD or bind mount reads only when those files are
*unmistakable junk*:

* bytecode and tool caches (``__pycache__``, ``.pytest_cache``, ``*.pyc``...),
* VCS metadata (``.git``...), unless the build runs git or derives its
  version from the repository (setuptools-scm and friends),
* virtualenvs (``.venv``, ``.tox``, a directory holding ``pyvenv.cfg``;
  ``venv``/``.venv`` only with their ``pyvenv.cfg``, since a package may be
  called ``venv``),
* dependency trees the Dockerfile installs again (``node_modules`` when a
  RUN runs ``npm ci``, ``yarn install``...),
* editor and OS litter, logs, archives and backups.

Everything else (build output, data, media, models, secrets, anything a
``.gitignore`` names) stays the user's call: shown for review, never written
without an explicit flag, when the build may read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..dockerfile.model import Dockerfile

# Directory names whose whole subtree is junk (a subset of classify.kinds.DIR_KINDS).
CACHE_DIRS = frozenset(
    {
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        ".ipynb_checkpoints",
        ".parcel-cache",
        ".turbo",
        ".gradle",
        "htmlcov",
        ".eggs",
    }
)
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
VENV_DIRS = frozenset({".tox", ".nox", "__pypackages__"})
MARKED_VENV_DIRS = frozenset({".venv", "venv"})  # junk only when they hold pyvenv.cfg
NODE_DIRS = frozenset({"node_modules", "bower_components", ".pnpm-store"})
LITTER_DIRS = frozenset({".idea", ".vscode"})

FILE_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".coverage", ".eslintcache"})
# Matched on the lower-cased name; a bare .gz/.xz/.bz2/.zst may be data an app reads.
FILE_SUFFIXES = (
    ".pyc",
    ".pyo",
    ".log",
    ".swp",
    ".swo",
    ".orig",
    ".rej",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".zip",
    ".7z",
    ".rar",
    ".bak",
    ".backup",
    ".dump",
    ".sql.gz",
    ".iso",
    ".dmg",
)


@dataclass(frozen=True)
class BuildReads:
    """What the Dockerfile's RUN commands (and the files they run) need of the context."""

    reinstalls_node: bool = False  # a RUN installs node_modules again (npm ci, yarn install...)
    uses_vcs: bool = False  # a RUN runs git, or the build derives a version from the repository

    @property
    def why_vcs(self) -> str:
        return "the build reads the repository (it runs git or derives its version from it)"


_NODE_INSTALL = re.compile(
    r"\b(?:npm|pnpm|cnpm)\s+(?:[-\w=]+\s+)*(?:ci|install|i)\b"
    r"|\byarn(?:\s+--?[\w=-]+)*\s*(?:$|&&|;|\|\||\binstall\b)"
    r"|\bbun\s+(?:install|i)\b|\bbower\s+install\b",
    re.M,
)
_VCS_COMMAND = re.compile(r"(?<![\w./-])(?:git|hg|svn)(?:\s|$)")  # git as a command, not ".git" in a path
_VCS_PATH = re.compile(r"(?:^|[\s/=])\.(?:git|hg|svn)(?:/|\s|$)")
_SPLIT = re.compile(r"&&|\|\||[;|\n]")


def _runs_vcs(command: str) -> bool:
    """Does this RUN run git (hg, svn) or read a .git directory? Removing one
    (``rm -rf .git``, the size trap) is not reading it."""
    for part in _SPLIT.split(command):
        words = part.split()
        if not words:
            continue
        if _VCS_COMMAND.search(part):
            return True
        if words[0] != "rm" and _VCS_PATH.search(part):
            return True
    return False


# Files read by the build tools a RUN may start, and what in them reads the repository.
_VCS_FILES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    # file: (the RUN that starts the tool, what in the file needs the repository)
    "pyproject.toml": (
        re.compile(r"\b(?:pip|pip3|uv|poetry|pdm|hatch|python3?\s+-m\s+build)\b"),
        re.compile(r"setuptools[_-]scm|hatch-vcs|versioningit|dunamai|dynamic-versioning|versioneer|\bpbr\b"),
    ),
    "setup.py": (
        re.compile(r"\b(?:pip|pip3|uv|python3?)\b"),
        re.compile(r"setuptools[_-]scm|use_scm_version|versioneer|\bpbr\b|\bgit\b"),
    ),
    "setup.cfg": (
        re.compile(r"\b(?:pip|pip3|uv|python3?)\b"),
        re.compile(r"setuptools[_-]scm|versioneer|\bpbr\b"),
    ),
    "Makefile": (re.compile(r"\bmake\b"), re.compile(r"\bgit\s")),
    "GNUmakefile": (re.compile(r"\bmake\b"), re.compile(r"\bgit\s")),
    "package.json": (re.compile(r"\b(?:npm|yarn|pnpm|bun)\b"), re.compile(r"\"[^\"]*\bgit\s[^\"]*\"")),
    "build.gradle": (re.compile(r"\bgradlew?\b"), re.compile(r"\bgit\b|grgit|gitVersion")),
    "build.gradle.kts": (re.compile(r"\bgradlew?\b"), re.compile(r"\bgit\b|grgit|gitVersion")),
    "pom.xml": (re.compile(r"\bmvnw?\b"), re.compile(r"git-commit-id|buildnumber-maven|jgit")),
    "Cargo.toml": (re.compile(r"\bcargo\b"), re.compile(r"\bvergen\b|\bbuilt\b|git-version|shadow-rs")),
    "build.rs": (re.compile(r"\bcargo\b"), re.compile(r"\bgit\b")),
}
_READ_LIMIT = 512 * 1024


def build_reads(df: Dockerfile | None, root: Path) -> BuildReads:
    """What every stage's RUN commands need (any stage: another target may be built).

    Without a Dockerfile nothing is known: dependency trees are not assumed
    to be installed again, and the repository is assumed to be read.
    """
    if df is None:
        return BuildReads(reinstalls_node=False, uses_vcs=True)
    runs = [r.command for s in df.stages for r in s.runs]
    text = "\n".join(runs)
    node = bool(_NODE_INSTALL.search(text))
    vcs = any(_runs_vcs(r) for r in runs)
    if not vcs:
        for name, (starts, needs) in _VCS_FILES.items():
            if not starts.search(text):
                continue
            try:
                with open(root / name, encoding="utf-8", errors="replace") as f:
                    content = f.read(_READ_LIMIT)
            except OSError:
                continue
            if name == "package.json":
                content = _scripts(content)
            if needs.search(content):
                vcs = True
                break
    return BuildReads(reinstalls_node=node, uses_vcs=vcs)


def _scripts(package_json: str) -> str:
    """The "scripts" object of a package.json (git in "repository" reads nothing)."""
    m = re.search(r"\"scripts\"\s*:\s*\{(.*?)\}", package_json, re.S)
    return m.group(1) if m else ""


def junk_dir(name: str, reads: BuildReads, has_venv_marker: bool) -> str | None:
    """The kind if a directory called ``name`` is unmistakable junk, else None."""
    if name in CACHE_DIRS:
        return "cache"
    if name in VCS_DIRS:
        return None if reads.uses_vcs else "vcs"
    if name in VENV_DIRS:
        return "venv"
    if name in MARKED_VENV_DIRS or has_venv_marker:
        return "venv" if has_venv_marker else None
    if name in NODE_DIRS:
        return "dependencies" if reads.reinstalls_node else None
    if name in LITTER_DIRS:
        return "litter"
    return None


def junk_file(name: str) -> bool:
    """Is a file of this name unmistakable junk wherever it lies?"""
    if name in FILE_NAMES or (name.endswith("~") and len(name) > 1):
        return True
    return name.lower().endswith(FILE_SUFFIXES)
