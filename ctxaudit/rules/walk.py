"""CA1xx: what the walk itself finds (paths a real build chokes on)."""

from __future__ import annotations

from collections.abc import Iterable

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
