"""CA1xx: what the walk itself finds (paths a real build chokes on)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..engine.buildfiles import BuildFileProblem
from ..engine.containers import escape
from ..engine.walk import Entry
from . import rule
from .findings import Finding, Severity

UNREADABLE = rule(
    "CA100",
    "unreadable-path",
    Severity.ERROR,
    "The builder must read a path it cannot read: the build fails.",
    "Docker reads every file it sends. The legacy CLI sends the whole context: any unreadable file or "
    "directory the ignore file lets through fails `docker build` (\"can't stat\" or 'no permission to "
    "read'). BuildKit reads every directory ('permission denied') but only the files the Dockerfile's "
    "COPY/ADD and bind mounts take, and writes an unreadable one as an empty file. Fix the permissions "
    "or add the path to the ignore file.",
)


def check(problems: Iterable[Entry], emptied: Callable[[Entry], bool] | None = None) -> list[Finding]:
    """CA100 for each unreadable path the builder reads; ``emptied``: the ones
    BuildKit writes into the image as empty files instead of failing."""
    out = []
    for e in problems:
        message = e.problem or "cannot read"
        if emptied is not None and emptied(e):
            message += (
                ": BuildKit copies it as an empty file (the engine's BuildKit 0.8 builds; the image lacks its "
                "content; the legacy builder fails)"
            )
        out.append(Finding(UNREADABLE, message, path=e.path, fix=f"add '{escape(e.path)}' to the ignore file"))
    return out


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
