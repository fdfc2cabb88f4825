"""CA1xx: what the walk itself finds (paths a real build chokes on)."""

from __future__ import annotations

from collections.abc import Iterable

from ..engine.buildfiles import BuildFileProblem
from ..engine.containers import escape
from ..engine.walk import Entry
from . import rule
from .findings import Finding, Severity

UNREADABLE = rule(
    "CA100",
    "unreadable-path",
    Severity.ERROR,
    "The builder must send a path it cannot read: the build fails.",
    "Docker reads every file it sends. An unreadable file or directory that the "
    "ignore file lets through fails `docker build` (BuildKit: 'permission denied'; "
    "legacy CLI: \"can't stat\" or 'no permission to read'). Fix the permissions "
    "or add the path to the ignore file.",
)


def check(problems: Iterable[Entry]) -> list[Finding]:
    return [
        Finding(UNREADABLE, e.problem or "cannot read", path=e.path, fix=f"add '{escape(e.path)}' to the ignore file")
        for e in problems
    ]


BUILD_FILE_UNREADABLE = rule(
    "CA101",
    "build-file-unreadable",
    Severity.ERROR,
    "The builder cannot find or read the Dockerfile or the ignore file: the build fails.",
    "BuildKit reads the Dockerfile from its own directory and .dockerignore from the context, through what "
    "the client sent: a symlink is resolved inside that directory, so a link leaving it reads nothing. The "
    "legacy CLI reads both on the host, must find an in-context Dockerfile in the tar it sends, and cannot "
    "append an outside Dockerfile when .dockerignore is a symlink. Replace the link with the file, or name "
    "the real file with -f.",
)
IGNORE_FILE_NOT_APPLIED = rule(
    "CA102",
    "ignore-file-not-applied",
    Severity.WARNING,
    "The builder does not apply the ignore file written for this build (a link it cannot follow, a directory).",
    "BuildKit resolves a linked .dockerignore or <Dockerfile>.dockerignore inside the context (or the "
    "Dockerfile's directory): a link to a file outside it is read as nothing, and BuildKit silently applies "
    "the next ignore file, or none, sending what you meant to exclude. Keep the ignore file inside the "
    "context, as a regular file or a link that stays inside.",
)


def build_files(problems: Iterable[BuildFileProblem]) -> list[Finding]:
    """CA101/CA102 for the build files the chosen builder cannot read or apply."""
    out = []
    for p in problems:
        r = BUILD_FILE_UNREADABLE if p.fatal else IGNORE_FILE_NOT_APPLIED
        out.append(Finding(r, p.message, path=p.file))
    return out
