"""GitHub Actions workflow annotations (``::error file=...,line=...::...``).

Printed in addition to the report when ``GITHUB_ACTIONS=true`` and the
report itself is not JSON or SARIF, so that findings show on the pull
request's changed lines.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..pipeline import Report
from ..rules.findings import Finding, Severity

if TYPE_CHECKING:
    from ..builds import ProjectReport

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def enabled() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def workflow_commands(report: Report) -> str:
    return commands_for(report.findings, report.ctx.root)


def commands_for(findings: list[Finding], root: Path) -> str:
    """One ``::error``/``::warning``/``::notice`` line per finding; paths below ``root``."""
    from .sarif import uri

    lines = []
    for f in findings:
        props = [f"title={_prop(f.rule.id + ' ' + f.rule.name)}"]
        if f.path:
            props.insert(0, f"file={_prop(uri(root, f.path))}")
            if f.line:
                props.insert(1, f"line={f.line}")
        lines.append(f"::{_COMMAND[f.level]} {','.join(props)}::{_data(f.text)}")
    return "\n".join(lines) + ("\n" if lines else "")


def project_commands(p: ProjectReport) -> str:
    """Annotations for every finding of a project's builds."""
    return commands_for(p.findings, p.root)
