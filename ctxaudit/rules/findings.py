"""Findings: what is wrong or costly, located at a file and line, with a fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Rule:
    """A check with a stable id, hadolint style: id, severity, one-line summary, help."""

    id: str
    name: str
    severity: Severity
    summary: str
    help: str


@dataclass(frozen=True)
class Finding:
    rule: Rule
    message: str
    path: str | None = None  # the file the finding is located in (ignore file, Dockerfile, context path)
    line: int | None = None
    bytes: int | None = None  # bytes at stake, where they can be known
    fix: str | None = None
    fingerprint: str | None = None  # stable across line moves (ctxaudit.suppress), set by the pipeline
    subject: str | None = None  # what the finding is about beyond its line, part of the fingerprint

    @property
    def level(self) -> Severity:
        return self.rule.severity

    @property
    def location(self) -> str:
        """``path:line``, ``path``, or empty."""
        return (self.path or "") + (f":{self.line}" if self.line else "")

    @property
    def text(self) -> str:
        """The message with its fix, on one line (markdown, SARIF, annotations)."""
        return self.message + (f" Fix: {self.fix}" if self.fix else "")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.level.rank, f.path or "", f.line or 0, f.rule.id, f.message))


def at_or_above(findings: list[Finding], floor: str) -> list[Finding]:
    """Findings of severity ``floor`` or worse (``--fail-on``); none for "never"
    (and its older spelling "none")."""
    if floor in ("never", "none"):
        return []
    rank = Severity(floor).rank
    return [f for f in findings if f.level.rank >= rank]
