"""Saying "we know": inline comments, per-path ignores, a baseline of known findings.

Three forms, as linters' users expect them:

* inline: ``# ctxaudit: ignore=CA500`` (anywhere in a comment line; ids
  separated by commas or spaces; an id prefix such as ``CA5`` covers its
  family) in the comment block right
  above the line a finding points at, in the Dockerfile (like hadolint's
  ``# hadolint ignore=``) or in the ignore file;
* per path: ``[tool.ctxaudit.per-path-ignores]`` (or ``[per-path-ignores]``
  in .ctxaudit.toml), rule ids per gitignore-style glob matched against the
  finding's path (the context path of a secret, the Dockerfile, the ignore
  file), like ruff's per-file-ignores;
* a baseline: ``--write-baseline FILE`` records each finding's fingerprint,
  ``--baseline FILE`` leaves out the findings it holds. A fingerprint is the
  rule id, the path and the text of the line the finding points at
  (whitespace collapsed), not the line number, so it survives lines moving
  and sizes changing; a finding that moves to another instruction or pattern
  is new.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pathspec

from .common.errors import InputError
from .rules.findings import Finding

_DIRECTIVE = re.compile(r"^\s*#.*?\bctxaudit\s*:?\s*ignore\s*=\s*((?:CA\d*[,\s]*)+)", re.I)
BASELINE_VERSION = 1


def _ids(text: str) -> list[str]:
    return [t.upper() for t in re.split(r"[,\s]+", text.strip()) if re.fullmatch(r"CA\d*", t, re.I)]


def covers(ids: Iterable[str], rule_id: str) -> bool:
    """A rule id, or an id prefix (``CA5``), that covers ``rule_id``."""
    return any(rule_id.startswith(i) for i in ids)


class SourceLines:
    """The text of the files findings point at, read once, by their finding path."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self.files = dict(files)
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str | None) -> list[str]:
        if path is None or path not in self.files:
            return []
        if path not in self._lines:
            try:
                text = self.files[path].read_text(encoding="utf-8", errors="surrogateescape")
            except OSError:
                text = ""
            self._lines[path] = text.splitlines()
        return self._lines[path]

    def line(self, path: str | None, number: int | None) -> str | None:
        lines = self.lines(path)
        if number is None or not 0 < number <= len(lines):
            return None
        return lines[number - 1]

    def inline_ids(self, path: str | None, number: int | None) -> list[str]:
        """Rule ids named by ``# ctxaudit: ignore=`` comments right above line ``number``."""
        lines = self.lines(path)
        if number is None or not lines:
            return []
        found: list[str] = []
        i = number - 2
        while i >= 0 and lines[i].lstrip().startswith("#"):
            m = _DIRECTIVE.match(lines[i])
            if m:
                found += _ids(m.group(1))
            i -= 1
        return found


def inline(findings: Sequence[Finding], src: SourceLines) -> list[Finding]:
    """Without the findings an inline comment silences."""
    return [f for f in findings if not covers(src.inline_ids(f.path, f.line), f.rule.id)]


def per_path(findings: Sequence[Finding], table: Mapping[str, Sequence[str]]) -> list[Finding]:
    """Without the findings whose path matches a glob of ``table`` that lists their rule."""
    if not table:
        return list(findings)
    specs = [
        (pathspec.PathSpec.from_lines("gitignore", [glob]), [i.upper() for i in ids]) for glob, ids in table.items()
    ]
    out = []
    for f in findings:
        path = f.path or ""
        path = path[2:] if path.startswith("./") else path
        if path and any(covers(ids, f.rule.id) and spec.match_file(path) for spec, ids in specs):
            continue
        out.append(f)
    return out


def fingerprint(f: Finding, src: SourceLines) -> str:
    """Rule, path, the located line's text (or, without a line, the path alone)
    and the finding's subject where one line can hold several (the secrets a COPY copies)."""
    anchor = ""
    if f.line is not None:
        text = src.line(f.path, f.line)
        anchor = " ".join(text.split()) if text is not None else re.sub(r"\d+", "#", f.message)
    key = "\0".join((f.rule.id, f.path or "", anchor, f.subject or ""))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def fingerprinted(findings: Sequence[Finding], src: SourceLines) -> list[Finding]:
    return [replace(f, fingerprint=fingerprint(f, src)) for f in findings]


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    """Record the findings' fingerprints (and, for people reading it, rule, path, line, message)."""
    doc = {
        "ctxaudit_baseline": BASELINE_VERSION,
        "findings": [
            {"fingerprint": f.fingerprint, "rule": f.rule.id, "path": f.path, "line": f.line, "message": f.message}
            for f in findings
        ],
    }
    from .analysis import ignorewrite
    from .common import display

    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    try:  # atomically, undecodable bytes of a name as \xNN
        ignorewrite.write_atomic(path, display.encode(text), hint="make it writable or choose another file")
    except ignorewrite.WriteError as exc:
        raise InputError(f"cannot write baseline: {exc}") from None


_BASELINE_SHAPE = (
    f'a baseline is a JSON object {{"ctxaudit_baseline": {BASELINE_VERSION}, '
    '"findings": [{"fingerprint": ...}, ...]}, as --write-baseline writes it'
)


def read_baseline(path: Path) -> Counter[str]:
    """Fingerprints of a baseline file, with how many findings share each.

    Raises InputError for a file that cannot be read, is not JSON, or has
    not the shape --write-baseline writes (the message says that shape)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a ctxaudit baseline (not UTF-8 text); {_BASELINE_SHAPE}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not a ctxaudit baseline (not JSON: {exc}); {_BASELINE_SHAPE}") from None
    if not isinstance(doc, dict):
        what = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(doc), "a number")
        raise InputError(f"{path}: not a ctxaudit baseline (it holds {what}); {_BASELINE_SHAPE}")
    entries = doc.get("findings")
    if doc.get("ctxaudit_baseline") != BASELINE_VERSION:
        raise InputError(
            f'{path}: not a ctxaudit baseline (no "ctxaudit_baseline": {BASELINE_VERSION}); {_BASELINE_SHAPE}'
        )
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "fingerprint" in e for e in entries):
        raise InputError(
            f'{path}: not a ctxaudit baseline ("findings" must be a list of objects with a "fingerprint"); '
            + _BASELINE_SHAPE
        )
    return Counter(str(e["fingerprint"]) for e in entries)


def new_only(findings: Sequence[Finding], known: Counter[str]) -> tuple[list[Finding], int]:
    """The findings the baseline does not hold (each recorded fingerprint absorbs
    one finding), and how many it absorbed."""
    left = Counter(known)
    out = []
    for f in findings:
        if f.fingerprint is not None and left[f.fingerprint] > 0:
            left[f.fingerprint] -= 1
            continue
        out.append(f)
    return out, len(findings) - len(out)
