"""GitHub Actions workflow annotations (``::error file=...,line=...::...``).

Printed in addition to the report when ``GITHUB_ACTIONS=true`` and the
report itself is not JSON or SARIF, so that findings show on the pull
request's changed lines, and failed gates in the run's summary. With
``--annotations gates`` (when SARIF goes to code scanning, which shows the
findings itself) only the failed gates are annotated.

Escaping is GitHub's own (``escapeData``/``escapeProperty`` of
actions/toolkit's ``command.ts``): ``%`` ``\\r`` ``\\n`` become ``%25``
``%0D`` ``%0A`` everywhere, and ``:`` ``,`` become ``%3A`` ``%2C`` in
properties; the runner decodes them, so a path with a comma or a newline
still names its file and can never start a command of its own. Once, never
twice: the file property is the plain path, not a URI. What GitHub's
escaping leaves (other control characters, bytes that are not UTF-8) is
then written ``\\xNN`` like in every format. The human-readable report
before the annotations is fenced off (:func:`inert`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from ..common import display
from ..pipeline import Report
from ..rules.findings import Finding, Severity

if TYPE_CHECKING:
    from ..builds import ProjectReport

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message: GitHub's escapeData, then ``\\xNN`` for the rest."""
    return display.text(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """A command's property value: GitHub's escapeProperty, then ``\\xNN`` for the rest."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def enabled() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def inert(text: str) -> str:
    """``text`` for the job log, where no line of it can act as a command.

    Escaping alone is not enough there: the runner trims leading spaces
    before looking for ``::`` (a wrapped table cell can start a line with a
    name like ``::error::x``) and its legacy parser finds ``##[error]``
    anywhere in a line. So the text is fenced with ``::stop-commands::``
    and a random end token, GitHub's own way to print untrusted output.
    """
    if not text:
        return text
    token = secrets.token_hex(16)
    end = "" if text.endswith("\n") else "\n"
    return f"::stop-commands::{token}\n{text}{end}::{token}::\n"


def workflow_commands(report: Report) -> str:
    return commands_for(report.findings, report.ctx.root)


def commands_for(findings: list[Finding], root: Path) -> str:
    """One ``::error``/``::warning``/``::notice`` line per finding; paths below ``root``."""
    from .sarif import relative

    lines = []
    for f in findings:
        props = [f"title={escape_property(f.rule.id + ' ' + f.rule.name)}"]
        if f.path:
            props.insert(0, f"file={escape_property(relative(root, f.path))}")
            if f.line:
                props.insert(1, f"line={f.line}")
        lines.append(f"::{_COMMAND[f.level]} {','.join(props)}::{escape_data(f.text)}")
    return "\n".join(lines) + ("\n" if lines else "")


def project_commands(p: ProjectReport) -> str:
    """Annotations for every finding of a project's builds."""
    return commands_for(p.findings, p.root)


def gate_commands(breaches: list[str]) -> str:
    """One ``::error`` per failed gate, titled so, not located (a limit is not a line of a file)."""
    return "".join(f"::error title={escape_property('ctxaudit: gate failed')}::{escape_data(b)}\n" for b in breaches)
