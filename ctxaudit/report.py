"""The scan pipeline: walk -> stats -> findings and suggestions -> Report.

Formatters (ctxaudit.output) read a Report and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import progress
from .context import Context
from .findings import Finding, sort_findings
from .rules import walk as walk_rules
from .stats import ContextStats
from .walk import walk

SCHEMA_VERSION = 1


@dataclass
class Suggestion:
    """An ignore line with what it would save."""

    pattern: str
    files: int
    bytes: int
    reason: str = ""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "files": self.files, "bytes": self.bytes, "reason": self.reason}


@dataclass
class Report:
    ctx: Context
    stats: ContextStats
    full: bool
    findings: list[Finding] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def display_context(self) -> str:
        return str(self.ctx.root)


def scan(ctx: Context, *, top: int = 10, full: bool = False, show_progress: bool = False) -> Report:
    """Walk the context once and gather everything the report shows."""
    stats = ContextStats(top=top)
    for entry in progress.track(walk(ctx, full=full), progress.enabled(show_progress)):
        stats.add(entry)
    stats.finish()
    findings: list[Finding] = walk_rules.check(stats.problems)
    return Report(ctx, stats, full, sort_findings(findings))


def worst(findings: list[Finding]) -> Finding | None:
    return max(findings, key=lambda f: f.level.rank, default=None)
