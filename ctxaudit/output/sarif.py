"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure).

Each finding is a result located at its file (the ignore file, the
Dockerfile, or the context path of a secret) and line; the run carries
every rule with its help text. Paths are relative to the current directory
when the file lies under it (CI runs from the repository root), else to the
context.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import __version__
from ..pipeline import Report
from ..rules import all_rules
from ..rules.findings import Finding, Rule, Severity
from . import Options
from .json import Verbatim, dumps

if TYPE_CHECKING:
    from ..builds import ProjectReport
    from ..layerreport import LayersReport

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.help},
        "help": {"text": Verbatim(f"{r.summary}\n\n{r.help}"), "markdown": Verbatim(f"**{r.summary}**\n\n{r.help}")},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"tags": ["docker", "build-context"]},
    }


def artifact_uri(report: Report, path: str) -> str:
    return uri(report.ctx.root, path)


def relative(root: Path, path: str) -> str:
    """``path`` (absolute, or relative to ``root``) relative to the current
    directory when it lies below it, else to ``root``."""
    full = Path(path) if os.path.isabs(path) else root / path
    cwd = Path.cwd().resolve()
    try:
        rel = full.resolve().relative_to(cwd) if not full.is_symlink() else full.absolute().relative_to(cwd)
    except ValueError:
        rel = Path(os.path.relpath(full, root))
    return rel.as_posix()


def uri(root: Path, path: str) -> str:
    """:func:`relative` as a URI reference: its bytes percent-encoded (RFC 3986),
    so a name that is not UTF-8 keeps its exact bytes (``caf%E9.txt``)."""
    return quote(relative(root, path).encode("utf-8", "surrogateescape"), safe="/")


def _result(root: Path, f: Finding, index: dict[str, int], where: str | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": f.rule.id,
        "ruleIndex": index[f.rule.id],
        "level": _LEVEL[f.level],
        "message": {"text": f.text},
    }
    if f.path:
        loc: dict[str, Any] = {"artifactLocation": {"uri": uri(root, f.path)}}
        if f.line:
            loc["region"] = {"startLine": f.line}
        res["locations"] = [{"physicalLocation": loc}]
    elif where is not None:  # GitHub code scanning rejects a result without a location
        res["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": where}}}]
    if f.fingerprint is not None:
        res["partialFingerprints"] = {"ctxaudit/v1": f.fingerprint}
    if f.bytes is not None:
        res["properties"] = {"bytes": f.bytes}
    return res


def document(report: Report) -> dict[str, Any]:
    return findings_document(report.findings, report.ctx.root)


def findings_document(findings: list[Finding], root: Path, where: str | None = None) -> dict[str, Any]:
    """The SARIF log of ``findings``; relative paths in them are below ``root``;
    ``where``: the artifact URI of findings that have no path of their own."""
    rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ctxaudit",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/ctxaudit/",
                        "rules": [_rule(r) for r in rules],
                    }
                },
                "results": [_result(root, f, index, where) for f in findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render(report: Report, options: Options) -> str:
    return dumps(document(report))


def layers_render(report: LayersReport, options: Options) -> str:
    """``ctxaudit layers -o sarif``: the findings at their Dockerfile lines (paths
    below the context); without a Dockerfile, at the image (see :func:`image_uri`)."""
    return dumps(findings_document(report.findings, report.root, image_uri(report.image.source)))


def image_uri(source: str) -> str:
    """The image a finding without a Dockerfile line is about, as a SARIF artifact URI:
    an archive or layout on disk as its path (relative to the current directory
    when below it), an image name as itself, percent-encoded (``myapp%3A1.0``: a
    relative reference's first segment cannot hold ':'), as scanners of images
    such as Trivy locate their results at the image."""
    if os.path.exists(source):
        return uri(Path.cwd(), str(Path(source).absolute()))
    return quote(source.encode("utf-8", "surrogateescape"), safe="/")


def render_project(p: ProjectReport, options: Options) -> str:
    """A project's findings: build-level ones at the Compose or Bake file line (paths absolute)."""
    return dumps(findings_document(p.findings, p.root))
