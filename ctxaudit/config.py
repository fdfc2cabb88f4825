"""Settings from ``.ctxaudit.toml`` or ``[tool.ctxaudit]`` in pyproject.toml.

Looked up in the context directory, then in the current directory; the
first file that has settings wins, and command-line flags win over it.
In ``.ctxaudit.toml`` the keys stand at the top level (``max-size = ...``,
``[per-path-ignores]``), or under ``[tool.ctxaudit]`` as in pyproject.toml
(a block pasted from one file into the other works in both).

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
from dataclasses import dataclass, field
from fractions import Fraction
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


MAX_SIZE = 2**63 - 1
"""The largest byte count a limit may hold: Go's int64, in which Docker counts."""
MAX_COUNT = 2**63 - 1

_SIZE_HELP = "use e.g. 50MB, 1.5GiB, 200k or a byte count"


def parse_size(text: str | int, name: str = "size") -> int:
    """'50MB' (decimal), '1.5GiB' (binary), '200k', '1024' -> bytes.

    The one parser of sizes, for the flags and the settings file alike.
    ``name`` (``--max-size``, ``max-size``) opens the error message. Raises
    InputError for text that is not a size, a bool or float, a negative
    count, a byte count that is not whole ('1.5', '1.5B': a fraction needs a
    unit, '1.5KB'), and a size above :data:`MAX_SIZE`. With a unit, what is
    left below one byte is dropped ('1.1KiB' is 1,126 bytes).
    """
    if isinstance(text, float) and not isinstance(text, bool):
        raise InputError(f"{name}: {_shown(text)} is not a whole number of bytes ({_SIZE_HELP})")
    if isinstance(text, bool) or not isinstance(text, int | str):
        raise InputError(f"{name}: not a size: {_shown(text)} ({_SIZE_HELP})")
    if isinstance(text, int):
        value = text
    else:
        m = _SIZE.match(text)
        if not m or m.group(2).lower() not in _UNITS:
            raise InputError(f"{name}: not a size: {_shown(text)} ({_SIZE_HELP})")
        whole, _, fraction = m.group(1).lstrip("0").partition(".")
        if fraction and _UNITS[m.group(2).lower()] == 1:
            raise InputError(f"{name}: {_shown(text)} is not a whole number of bytes ({_SIZE_HELP})")
        if len(whole) > 20:  # beyond any limit; and int() refuses 4300+ digits
            raise InputError(f"{name}: {_shown(text)} is out of range (at most {MAX_SIZE:,} bytes, 8 EiB)")
        # Exact arithmetic: a float would turn 400 digits into infinity.
        value = int(Fraction(f"{whole or 0}.{fraction[:30] or 0}") * _UNITS[m.group(2).lower()])
    if value < 0:
        raise InputError(f"{name}: {value} is negative: a size is 0 or more bytes")
    if value > MAX_SIZE:
        raise InputError(f"{name}: {_shown(text)} is out of range (at most {MAX_SIZE:,} bytes, 8 EiB)")
    return value


def _count(value: object, name: str) -> int:
    """A file count: a non-negative integer (not a bool, a float or a string)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be a whole number of files, got {_shown(value)}")
    if value < 0:
        raise InputError(f"{name}: {value} is negative: a count is 0 or more")
    if value > MAX_COUNT:
        raise InputError(f"{name}: {_shown(value)} is out of range (at most {MAX_COUNT:,})")
    return value


def _choice(value: object, name: str, choices: tuple[str, ...], shown: tuple[str, ...] = ()) -> str:
    """One of ``choices``, case-insensitively (like the command-line flags); ``shown``: those to name."""
    if not isinstance(value, str) or value.lower() not in choices:
        named = shown or choices
        raise InputError(f"{name} must be {', '.join(named[:-1])} or {named[-1]}, got {_shown(value)}")
    return value.lower()


def rule_ids(value: object, name: str) -> list[str]:
    """A list of known rule ids (CA205...), case-insensitively, upper-cased; the
    one check of ``ignore-rules`` and ``--ignore-rule``. InputError names the
    unknown ones and ``ctxaudit rules``, which lists them all."""
    from .rules import all_rules

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f'{name} must be a list of rule ids like ["CA205"], got {_shown(value)}')
    known = {r.id for r in all_rules()}
    out = [v.strip().upper() for v in value]
    unknown = [v for v, u in zip(value, out, strict=True) if u not in known]
    if unknown:
        ids = ", ".join(map(_shown, unknown))
        raise InputError(
            f"{name}: unknown rule id{'s' if len(unknown) > 1 else ''} {ids} (`ctxaudit rules` lists them)"
        )
    return out


def _shown(value: object) -> str:
    """A value for an error message: its TOML-ish type when not a string or number, and short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= 24 else f"a {len(text)}-digit number"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


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
    # field -> how the file wrote the value ("1MB"), for gate messages; a flag's text is set by the CLI
    written: dict[str, str] = field(default_factory=dict)
    from_file: set[str] = field(default_factory=set)  # the fields the file set and no flag overrode

    def merged(self, **flags: Any) -> Settings:
        """These settings with every flag that was given (not None) on top."""
        out = Settings(**{k: getattr(self, k) for k in self.__dataclass_fields__})
        out.written, out.from_file = dict(self.written), set(self.from_file)
        for key, value in flags.items():
            if value is not None and value != []:
                setattr(out, key, value)
                out.written.pop(key, None)
                out.from_file.discard(key)
        return out

    def name(self, key: str) -> str:
        """How a message names the setting ``key`` (a field name): ``--max-size``, or
        ``max-size in .ctxaudit.toml`` when the settings file gave it."""
        if key in self.from_file and self.source:
            return f"{key.replace('_', '-')} in {shown_source(self.source)}"
        return "--" + key.replace("_", "-")

    def limit(self, key: str, figure: str) -> str:
        """A limit named with its value: ``--max-files 20``, or from the settings file
        ``max-files 20 in .ctxaudit.toml``."""
        if key in self.from_file and self.source:
            return f"{key.replace('_', '-')} {figure} in {shown_source(self.source)}"
        return f"--{key.replace('_', '-')} {figure}"

    def size(self, key: str) -> str:
        """A size limit as written and exactly: ``--max-size 1MB (1,000,000 bytes)``, from the file
        ``max-size 1MB (1,000,000 bytes) in .ctxaudit.toml``."""
        value = getattr(self, key)
        exact = f"{value:,} byte{'' if value == 1 else 's'}"
        text = self.written.get(key)
        return self.limit(key, exact if not text or text.strip() == str(value) else f"{text.strip()} ({exact})")


def shown_source(source: str) -> str:
    """A settings file for a message: relative to the current directory when below it."""
    import os

    path, _, table = source.partition(" ")
    rel = os.path.relpath(path)
    return (path if rel.startswith("..") else rel) + (f" {table}" if table else "")


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
_SIZES = ("max-size", "max-transfer", "max-total-size")
_RULE_ID = re.compile(r"^CA\d{0,3}$", re.I)


def _from_table(table: dict[str, Any], source: str) -> Settings:
    """Settings from a TOML table; InputError naming ``source`` and the key for
    anything that does not mean exactly one thing."""
    unknown = set(table) - _KEYS
    if unknown:
        where = "" if source.endswith("]") else "; or all of them under [tool.ctxaudit]"
        raise InputError(
            f"{source}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(_KEYS))}{where})"
        )
    s = Settings(source=source)
    s.from_file = {key.replace("-", "_") for key in table if key != "per-path-ignores"}
    s.written = {key.replace("-", "_"): str(table[key]) for key in _SIZES if key in table}
    if "max-size" in table:
        s.max_size = parse_size(table["max-size"], f"{source}: max-size")
    if "max-transfer" in table:
        s.max_transfer = parse_size(table["max-transfer"], f"{source}: max-transfer")
    if "max-total-size" in table:
        s.max_total_size = parse_size(table["max-total-size"], f"{source}: max-total-size")
    if "max-files" in table:
        s.max_files = _count(table["max-files"], f"{source}: max-files")
    if "fail-on" in table:
        s.fail_on = _choice(table["fail-on"], f"{source}: fail-on", FAIL_ON_VALUES, FAIL_ON_VALUES[:-1])
    if "builder" in table:
        value = table["builder"]
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            s.builder = Builder.parse(value).value  # case-insensitive, aliases too, like -b
        except ValueError:
            raise InputError(
                f"{source}: builder must be one of {', '.join(Builder.names())}, got {_shown(value)}"
            ) from None
    if "ignore-rules" in table:
        s.ignore_rules = rule_ids(table["ignore-rules"], f"{source}: ignore-rules")
    if "per-path-ignores" in table:
        s.per_path_ignores = _per_path(table["per-path-ignores"], source)
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
    """The settings of the first directory that has them (see the module doc).

    Raises InputError naming the file for a file that is not UTF-8, not
    TOML, or holds a setting of the wrong type or range, and for keys where
    they do not go.
    """
    for d in directories:
        dedicated = d / ".ctxaudit.toml"
        if dedicated.is_file():
            doc = _read(dedicated)
            tool = doc.get("tool")
            if isinstance(tool, dict) and "ctxaudit" in tool:
                # [tool.ctxaudit] pasted from pyproject.toml: the same settings, one level down.
                others = sorted(set(doc) - {"tool"}) + sorted(f"tool.{k}" for k in set(tool) - {"ctxaudit"})
                if others or not isinstance(tool["ctxaudit"], dict):
                    raise InputError(
                        f"{dedicated}: settings go at the top level (max-size = ...) or all under [tool.ctxaudit], "
                        f"not both: move {', '.join(others) or 'tool.ctxaudit'}"
                    )
                return _from_table(tool["ctxaudit"], f"{dedicated} [tool.ctxaudit]")
            return _from_table(doc, str(dedicated))
        project = d / "pyproject.toml"
        if project.is_file():
            doc = _read(project)
            tool = doc.get("tool", {})
            if not isinstance(tool, dict):
                raise InputError(f"{project}: tool must be a table ([tool.NAME] sections), got {_shown(tool)}")
            table = tool.get("ctxaudit")
            if table is None:
                if isinstance(doc.get("ctxaudit"), dict):
                    raise InputError(f"{project}: ctxaudit's settings go under [tool.ctxaudit] in pyproject.toml")
                continue
            if not isinstance(table, dict):
                raise InputError(f"{project}: tool.ctxaudit must be a table ([tool.ctxaudit]), got {_shown(table)}")
            return _from_table(table, f"{project} [tool.ctxaudit]")
    return Settings()


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file: its import compiles regexps for ~10 ms

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); TOML files are UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}") from None
