"""Settings from ``.ctxaudit.toml`` or ``[tool.ctxaudit]`` in pyproject.toml.

Looked up in the context directory, then in the current directory; the
first file that has settings wins, and command-line flags win over it.

    [tool.ctxaudit]
    max-size = "50MB"
    max-files = 20000
    max-transfer = "10MiB"
    max-total-size = "200MB"   # a Compose/Bake project: all its builds' contexts
    fail-on = "error"          # the default; "never" reports without failing
    builder = "buildkit"
    ignore-rules = ["CA205"]

    [tool.ctxaudit.per-path-ignores]
    "tests/fixtures/**" = ["CA400", "CA402"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common.errors import InputError
from .engine.builder import Builder

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int) -> int:
    """'50MB' (decimal), '1.5GiB' (binary), '200k', '1024' -> bytes."""
    if isinstance(text, int):
        return text
    m = _SIZE.match(text)
    if not m or m.group(2).lower() not in _UNITS:
        raise InputError(f"not a size: {text!r} (use e.g. 50MB, 1.5GiB, 200k or a byte count)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


DEFAULT_FAIL_ON = "error"
FAIL_ON_VALUES = ("error", "warning", "info", "never", "none")  # none: the older spelling of never


@dataclass
class Settings:
    max_size: int | None = None
    max_files: int | None = None
    max_transfer: int | None = None
    max_total_size: int | None = None
    fail_on: str | None = None
    builder: str | None = None
    ignore_rules: list[str] = field(default_factory=list)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> rule ids (or id prefixes)
    source: str | None = None  # the file the settings came from

    def merged(self, **flags: Any) -> Settings:
        """These settings with every flag that was given (not None) on top."""
        out = Settings(**{k: getattr(self, k) for k in self.__dataclass_fields__})
        for key, value in flags.items():
            if value is not None and value != []:
                setattr(out, key, value)
        return out


_KEYS = {
    "max-size",
    "max-files",
    "max-transfer",
    "max-total-size",
    "fail-on",
    "builder",
    "ignore-rules",
    "per-path-ignores",
}
_RULE_ID = re.compile(r"^CA\d{0,3}$", re.I)


def _from_table(table: dict[str, Any], source: str) -> Settings:
    unknown = set(table) - _KEYS
    if unknown:
        raise InputError(
            f"{source}: unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})"
        )
    s = Settings(source=source)
    try:
        if "max-size" in table:
            s.max_size = parse_size(table["max-size"])
        if "max-transfer" in table:
            s.max_transfer = parse_size(table["max-transfer"])
        if "max-total-size" in table:
            s.max_total_size = parse_size(table["max-total-size"])
        if "max-files" in table:
            s.max_files = int(table["max-files"])
        if "fail-on" in table:
            s.fail_on = str(table["fail-on"])
            if s.fail_on not in FAIL_ON_VALUES:
                raise InputError(f"{source}: fail-on must be error, warning, info or never")
        if "builder" in table:
            try:
                s.builder = Builder.parse(str(table["builder"])).value
            except ValueError:
                raise InputError(f"{source}: builder must be one of {', '.join(Builder.names())}") from None
        if "ignore-rules" in table:
            s.ignore_rules = [str(r) for r in table["ignore-rules"]]
        if "per-path-ignores" in table:
            s.per_path_ignores = _per_path(table["per-path-ignores"], source)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{source}: {exc}") from None
    return s


def _per_path(value: Any, source: str) -> dict[str, list[str]]:
    """``{glob: [rule id or prefix, ...]}``, checked."""
    if not isinstance(value, dict):
        raise InputError(f"{source}: per-path-ignores must be a table of glob = [rule ids]")
    out: dict[str, list[str]] = {}
    for glob, ids in value.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) and _RULE_ID.match(i) for i in ids):
            raise InputError(f'{source}: per-path-ignores {glob!r} must be a list of rule ids like "CA400"')
        out[str(glob)] = [i.upper() for i in ids]
    return out


def load(*directories: Path) -> Settings:
    for d in directories:
        dedicated = d / ".ctxaudit.toml"
        if dedicated.is_file():
            return _from_table(_read(dedicated), str(dedicated))
        project = d / "pyproject.toml"
        if project.is_file():
            table = _read(project).get("tool", {}).get("ctxaudit")
            if isinstance(table, dict):
                return _from_table(table, f"{project} [tool.ctxaudit]")
    return Settings()


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None
