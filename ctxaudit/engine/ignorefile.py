"""Which ignore file a builder reads, and reading it as Docker does.

Reading follows ``moby/patternmatcher/ignorefile.ReadAll``: lines split like
Go's ``bufio.Scanner`` (``\\n``, one trailing ``\\r`` dropped, 64 KiB per line),
a UTF-8 BOM dropped on line one, then :func:`ctxaudit.pattern.normalize_line`.

Selection: BuildKit reads ``<Dockerfile name>.dockerignore`` next to the
Dockerfile when it exists (even empty) *instead of* the root
``.dockerignore``; the legacy builder reads only the root ``.dockerignore``.
buildah reads and selects its own way (:mod:`ctxaudit.engine.containers`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import containers
from .builder import Builder
from .pattern import DockerIgnorePattern, PatternError, UnsupportedPattern, quote

ROOT_IGNORE = ".dockerignore"
_BOM = b"\xef\xbb\xbf"
_MAX_LINE = 64 * 1024  # bufio.MaxScanTokenSize, newline included


class IgnoreFileError(ValueError):
    """The ignore file cannot be used; Docker would fail the build too."""

    def __init__(self, file: str, line: int, pattern: str, reason: str) -> None:
        where = f"{file}:{line}" if line else file
        shown = f" {quote(pattern)}" if pattern else ""
        super().__init__(f"{where}: pattern{shown}: {reason}" if pattern else f"{where}: {reason}")
        self.file = file
        self.line = line
        self.pattern = pattern
        self.reason = reason


@dataclass(frozen=True)
class IgnoreFile:
    """The ignore file a build uses: where it is and its patterns."""

    path: Path | None
    display: str
    patterns: list[DockerIgnorePattern] = field(default_factory=list)
    # The root .dockerignore exists but a per-Dockerfile file replaced it.
    shadowed_root: Path | None = None
    # Why Docker cannot read the bytes as the lines they look like (see encoding_problem).
    encoding: str | None = None

    @property
    def label(self) -> str:
        """The file findings and new lines refer to: this one, or the root
        .dockerignore a starter would create when there is none."""
        return self.display if self.path is not None else ROOT_IGNORE

    @property
    def lines(self) -> list[DockerIgnorePattern]:
        """Patterns that are real lines (comments and blanks dropped)."""
        return [p for p in self.patterns if p.include is not None]


def encoding_problem(data: bytes) -> str | None:
    """Why Docker will not read these bytes as the lines they show, or None.

    Docker reads an ignore file as UTF-8 bytes split at LF (``ReadAll``), so:

    * UTF-16 or UTF-32 (a BOM ``FF FE``/``FE FF``, or NUL bytes: PowerShell 5's
      ``>`` and ``Out-File`` write UTF-16LE): every line holds NUL bytes and
      matches nothing. On the engine here the legacy builder and today's
      BuildKit walk then exclude nothing, and BuildKit 20.10 fails the build
      (the patterns travel in gRPC headers, which cannot hold NUL or CR).
    * CR line endings only (classic Mac OS): the whole file is one line.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "is UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "is UTF-16"
    if b"\x00" in data:
        return "is UTF-16" if _looks_utf16(data) else "holds NUL bytes"
    if b"\r" in data and b"\n" not in data and data.rstrip(b"\r").count(b"\r"):
        return "uses CR line endings only (no LF)"
    return None


def _looks_utf16(data: bytes) -> bool:
    """Mostly ASCII text with a NUL in every other byte (no BOM)."""
    head = data[:4096]
    return head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4


def split_lines(data: bytes) -> list[bytes]:
    """bufio.ScanLines over the whole input."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]


def parse(
    data: bytes, display: str, errors: list[IgnoreFileError] | None = None, buildah: bool = False
) -> list[DockerIgnorePattern]:
    """Patterns of an ignore file's bytes, each with its 1-based line.

    An unusable line raises IgnoreFileError, or with ``errors`` is recorded
    there and left out (lint reports them all). ``buildah``: as buildah
    reads it (imagebuilder's ``ParseIgnore``: lines split on ``\\n`` only,
    of any length, no BOM dropped; see :mod:`.containers`).
    """
    out: list[DockerIgnorePattern] = []
    lines = data.split(b"\n") if buildah else split_lines(data)
    make = containers.BuildahPattern if buildah else DockerIgnorePattern
    for number, raw in enumerate(lines, start=1):
        error: IgnoreFileError | None = None
        pat: DockerIgnorePattern | None = None
        if len(raw) + 1 > _MAX_LINE and not buildah:
            error = IgnoreFileError(display, number, "", "line too long (bufio.Scanner: token too long)")
        else:
            if number == 1 and raw.startswith(_BOM) and not buildah:
                raw = raw[len(_BOM) :]
            text = raw.decode("utf-8", "surrogateescape")
            try:
                pat = make(text, line=number)
            except PatternError as exc:
                error = IgnoreFileError(display, number, exc.pattern, exc.reason)
            except UnsupportedPattern as exc:
                error = IgnoreFileError(display, number, text.strip(), f"not supported by ctxaudit: {exc}")
        if error is not None:
            if errors is None:
                raise error
            errors.append(error)
            continue
        assert pat is not None
        if buildah and pat.include is None:
            continue
        if pat.deferred_error is not None:
            pat.deferred_error.file = display
        out.append(pat)
    return out


def read(path: Path, display: str, errors: list[IgnoreFileError] | None = None, buildah: bool = False) -> IgnoreFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IgnoreFileError(display, 0, "", f"cannot read: {exc.strerror or exc}") from None
    return IgnoreFile(path, display, parse(data, display, errors, buildah), encoding=encoding_problem(data))


def _display(path: Path, context: Path) -> str:
    try:
        return os.path.relpath(path, context) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def select(
    context: Path,
    dockerfile: Path | None,
    builder: Builder,
    errors: list[IgnoreFileError] | None = None,
    *,
    containerfiles: Sequence[str] = (),
    ignorefile: Path | None = None,
) -> IgnoreFile:
    """The ignore file ``builder`` reads for a build of ``dockerfile`` in ``context``.

    buildah only: ``containerfiles`` are the ``-f`` arguments as typed (or
    the Containerfile it discovered), ``ignorefile`` its ``--ignorefile``.
    """
    if builder is Builder.BUILDAH:
        if ignorefile is not None:
            return read(ignorefile, str(ignorefile), errors, buildah=True)
        found = containers.choose(context, containerfiles)
        if found is None:
            return IgnoreFile(None, "(none)")
        return read(found, _display(found, context), errors, buildah=True)
    root = context / ROOT_IGNORE
    root_exists = root.is_file()
    if builder is Builder.BUILDKIT and dockerfile is not None:
        own = dockerfile.parent / (dockerfile.name + ".dockerignore")
        if own.is_file():
            ign = read(own, _display(own, context), errors)
            if root_exists and os.path.abspath(own) != os.path.abspath(root):
                return dataclasses.replace(ign, shadowed_root=root)
            return ign
    if root_exists:
        return read(root, ROOT_IGNORE, errors)
    return IgnoreFile(None, "(none)")
