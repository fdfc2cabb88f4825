"""``RUN --mount`` options, read and checked as BuildKit reads them.

Follows moby/buildkit frontend/dockerfile/instructions/commands_runmount.go
(``parseMount``): the value is CSV (quoted fields allowed), each field is
``key=value`` (keys case-insensitive, values expanded with the stage's ARG
and ENV), a few keys may stand alone (``ro``, ``rw``, and ``required`` for
secret and ssh mounts); anything else is an error that fails the build at
dispatch. dockerfile2llb/convert_runmount.go adds: a target relative to
WORKDIR, and ``/`` is not a valid target. The errors read as BuildKit's.
"""

from __future__ import annotations

import csv
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..engine.gostrings import clean

MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")
_SHARING = ("shared", "private", "locked")
_BOOL = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True}
_BOOL.update({"0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False})
_RAM = re.compile(r"^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")  # go-units RAMInBytes


class MountError(ValueError):
    """A ``--mount`` value BuildKit rejects (the build fails)."""


@dataclass
class MountSpec:
    """One parsed ``--mount``; ``source`` and ``from_`` are the raw words
    (expansion is the caller's, it knows which variables are unset)."""

    type: str = "bind"
    source: str = ""
    target: str = ""
    from_: str | None = None
    readonly: bool | None = None


def _fields(value: str) -> list[str]:
    try:
        rows = list(csv.reader([value], strict=True))
    except csv.Error as exc:
        raise MountError(f"failed to parse csv mounts: {exc}") from None
    return rows[0] if rows else []


def _bool(key: str, value: str) -> bool:
    if value not in _BOOL:
        raise MountError(f"invalid value for {key}: {value}")
    return _BOOL[value]


def parse_mount(value: str, expand: Callable[[str], str]) -> MountSpec:
    """The mount ``value`` describes, or MountError with BuildKit's message.

    ``expand`` expands one word with the stage's variables (BuildKit's
    dispatch-time expander); ``source``/``from``/``target`` are kept raw.
    """
    m = MountSpec()
    mode = uid = gid = sharing = cache_id = None
    for field in _fields(value):
        key, eq, raw = field.partition("=")
        key = key.lower()
        if not eq:
            if key in ("readonly", "ro"):
                m.readonly = True
            elif key in ("readwrite", "rw"):
                m.readonly = False
            elif key == "required":
                if m.type not in ("secret", "ssh"):
                    raise MountError(f"unexpected key '{key}' for mount type '{m.type}'")
            else:
                raise MountError(f"invalid field '{field}' must be a key=value pair")
            continue
        val = expand(raw)
        if key == "type":
            if val.lower() not in MOUNT_TYPES:
                raise MountError(f'unsupported mount type "{val}"')
            m.type = val.lower()
        elif key == "from":
            if "$" in raw[:-1]:  # checked when the file is parsed, before any expansion
                raise MountError(f"'{key}' doesn't support variable expansion, define alias stage instead")
            m.from_ = raw
        elif key in ("source", "src"):
            m.source = raw
        elif key in ("target", "dst", "destination"):
            m.target = raw
        elif key in ("readonly", "ro"):
            m.readonly = _bool(key, val)
        elif key in ("readwrite", "rw"):
            m.readonly = not _bool(key, val)
        elif key == "required":
            if m.type not in ("secret", "ssh"):
                raise MountError(f"unexpected key '{key}' for mount type '{m.type}'")
            _bool(key, val)
        elif key == "size":
            if m.type != "tmpfs":
                raise MountError(f"unexpected key '{key}' for mount type '{m.type}'")
            if not _RAM.match(val):
                raise MountError(f"invalid value for {key}: {val}")
        elif key == "id":
            cache_id = val
        elif key == "sharing":
            if val.lower() not in _SHARING:
                raise MountError(f'unsupported sharing value "{val}"')
            sharing = val
        elif key == "mode":
            mode = _number(val, 8, f"invalid value {val} for mode")
        elif key == "uid":
            uid = _number(val, 10, f"invalid value {val} for uid")
        elif key == "gid":
            gid = _number(val, 10, f"invalid value {val} for gid")
        elif key == "env":
            pass
        else:
            raise MountError(f"unexpected key '{key}' in '{field}'")
    if m.type not in ("secret", "ssh", "cache"):
        for name, v in (("mode", mode), ("uid", uid), ("gid", gid)):
            if v is not None:
                raise MountError(f'{name} not allowed for "{m.type}" type mounts')
    if m.type == "secret":
        if m.from_ is not None:
            raise MountError("secret mount should not have a from")
        if sharing is not None:
            raise MountError("secret mount should not define sharing")
        if not m.source and not m.target and not cache_id:
            raise MountError("invalid secret mount. one of source, target required")
        if m.source and cache_id:
            raise MountError("both source and id can't be set")
    if sharing is not None and m.type != "cache":
        raise MountError(f"invalid cache sharing set for {m.type} mount")
    return m


def _number(value: str, base: int, message: str) -> int:
    """strconv.ParseUint(value, base, 32): digits only, no sign, prefix or '_'."""
    digits = "01234567" if base == 8 else "0123456789"
    if not value or any(c not in digits for c in value) or int(value, base) >= 1 << 32:
        raise MountError(message)
    return int(value, base)


def check_target(spec: MountSpec, target: str, workdir: str) -> None:
    """dispatchRunMounts: a relative target is joined to WORKDIR; "/" is refused.
    Secret and ssh mounts have default targets."""
    if spec.type in ("secret", "ssh"):
        return
    # An absolute target is used as written; a relative one is joined (and cleaned).
    full = target if target.startswith("/") else clean(posixpath.join("/", workdir, target))
    if full == "/":
        raise MountError('invalid mount target "/"')


__all__ = ["MOUNT_TYPES", "MountError", "MountSpec", "check_target", "parse_mount"]
