"""Which ignore file a builder reads, and reading it as Docker does.

Reading follows ``moby/patternmatcher/ignorefile.ReadAll``: lines split like
Go's ``bufio.Scanner`` (``\\n``, one trailing ``\\r`` dropped, 64 KiB per line),
a UTF-8 BOM dropped on line one, then :func:`ctxaudit.pattern.normalize_line`.

Selection: BuildKit reads ``<Dockerfile name>.dockerignore`` next to the
Dockerfile when it exists (even empty) *instead of* the root
``.dockerignore``, each through what it was sent (links resolved inside the
Dockerfile's directory and the context); the legacy builder reads only the
root ``.dockerignore``, on the host.
buildah reads and selects its own way (:mod:`ctxaudit.engine.containers`).
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import containers
from .builder import Builder
from .buildfiles import BuildFileProblem, root_path
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
    line_count: int = 0  # the file's lines as the builder splits them (patterns, invalid, comments, blanks)
    quiet_lines: int = 0  # of which comments and blank lines

    @property
    def label(self) -> str:
        """The file findings and new lines refer to: this one, or the root
        .dockerignore a starter would create when there is none."""
        return self.display if self.path is not None else ROOT_IGNORE

    @property
    def lines(self) -> list[DockerIgnorePattern]:
        """Patterns that are real lines (comments and blanks dropped)."""
        return [p for p in self.patterns if p.include is not None]

    @property
    def valid_lines(self) -> int:
        """Lines that are patterns the builder applies (not invalid, not comments or blank)."""
        return sum(1 for p in self.lines if p.deferred_error is None)

    @property
    def invalid_lines(self) -> int:
        """Lines the builder rejects (lint reports each as CA200)."""
        return max(self.line_count - self.quiet_lines - self.valid_lines, 0)


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
    """Patterns of an ignore file's bytes (see :func:`parse_counted`)."""
    return parse_counted(data, display, errors, buildah)[0]


def parse_counted(
    data: bytes, display: str, errors: list[IgnoreFileError] | None = None, buildah: bool = False
) -> tuple[list[DockerIgnorePattern], int, int]:
    """Patterns of an ignore file's bytes, each with its 1-based line.

    An unusable line raises IgnoreFileError, or with ``errors`` is recorded
    there and left out (lint reports them all). ``buildah``: as buildah
    reads it (imagebuilder's ``ParseIgnore``: lines split on ``\\n`` only,
    of any length, no BOM dropped; see :mod:`.containers`). Also returns the
    number of lines and, of them, the comments and blank lines.
    """
    out: list[DockerIgnorePattern] = []
    quiet = 0
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
        if pat.include is None:
            quiet += 1
            if buildah:
                continue
        if pat.deferred_error is not None:
            pat.deferred_error.file = display
        out.append(pat)
    count = len(lines)
    if buildah and lines[-1] == b"":  # the end of the last line, not a line of the file
        count, quiet = count - 1, quiet - 1
    return out, count, quiet


def read(path: Path, display: str, errors: list[IgnoreFileError] | None = None, buildah: bool = False) -> IgnoreFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IgnoreFileError(display, 0, "", f"cannot read: {exc.strerror or exc}") from None
    patterns, count, quiet = parse_counted(data, display, errors, buildah)
    return IgnoreFile(path, display, patterns, encoding=encoding_problem(data), line_count=count, quiet_lines=quiet)


def _display(path: Path, context: Path) -> str:
    try:
        return os.path.relpath(path, context) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _unapplied(
    name: str, link: str, directory: str, where: str, resolved: str | None, instead: str
) -> BuildFileProblem:
    """A non-fatal note: BuildKit reads another ignore file than ``name``, or none."""
    full = os.path.join(directory, resolved) if resolved is not None else ""
    if resolved is None:
        why = "too many levels of symbolic links"
    elif os.path.islink(link):
        what = "a directory" if os.path.isdir(full) else "not found"
        target = os.readlink(link)
        why = f"it is a link to {target}, which BuildKit resolves inside {where} as {resolved or '.'}: {what}"
    else:
        why = "it is a directory" if os.path.isdir(full) else "it is not a regular file"
    return BuildFileProblem(Builder.BUILDKIT, name, f"does not apply {name}: {why}; it applies {instead}", False)


def select(
    context: Path,
    dockerfile: Path | None,
    builder: Builder,
    errors: list[IgnoreFileError] | None = None,
    *,
    containerfiles: Sequence[str] = (),
    ignorefile: Path | None = None,
    notes: list[BuildFileProblem] | None = None,
) -> IgnoreFile:
    """The ignore file ``builder`` reads for a build of ``dockerfile`` in ``context``.

    Docker's builders: ``dockerfile`` is the Dockerfile as the build names it
    (-f, or CONTEXT/Dockerfile), links not resolved: BuildKit looks for
    ``<name>.dockerignore`` beside that name. BuildKit reads both files
    through what it was sent, links resolved inside the Dockerfile's directory
    and the context (see ctxaudit.engine.buildfiles); the legacy CLI opens
    ``CONTEXT/.dockerignore`` on the host. ``notes`` collects the files a
    builder cannot read or apply (a directory fails the legacy build).

    buildah only: ``containerfiles`` are the ``-f`` arguments as typed (or
    the Containerfile it discovered), ``ignorefile`` its ``--ignorefile``.
    """
    if builder is Builder.BUILDAH:
        if ignorefile is not None:
            return read(ignorefile, str(ignorefile), errors, buildah=True)
        found = containers.choose(context, containerfiles)
        if found is None:
            return IgnoreFile(None, "(none)")
        if found.is_dir() and notes is not None:
            # buildah reads it whole before the build (imagebuildah newExecutor, os.ReadFile):
            # a directory fails it (recorded: buildah.sel-containerignore-is-dir); the
            # podman-remote client skips it and uploads (ctxaudit.engine.podman).
            shown = _display(found, context)
            reason = f"creating build executor: read {shown}: is a directory"
            notes.append(BuildFileProblem(builder, shown, reason, fatal=True))
            return IgnoreFile(None, "(none)")
        return read(found, _display(found, context), errors, buildah=True)
    if builder is Builder.BUILDKIT:
        return _buildkit(context, dockerfile, errors, notes)
    root = context / ROOT_IGNORE
    if root.is_file():
        if root.is_symlink():  # the file holding the lines (and the one --write edits)
            real = Path(os.path.realpath(root))
            return read(real, _display(real, context), errors)
        return read(root, ROOT_IGNORE, errors)
    if root.is_dir() and notes is not None:
        notes.append(
            BuildFileProblem(
                builder, ROOT_IGNORE, f"error reading .dockerignore: read {root}: is a directory", fatal=True
            )
        )
    return IgnoreFile(None, "(none)")


def _buildkit(
    context: Path, dockerfile: Path | None, errors: list[IgnoreFileError] | None, notes: list[BuildFileProblem] | None
) -> IgnoreFile:
    ctx = str(context)
    found: list[BuildFileProblem] = []
    root_rel = root_path(ctx, ROOT_IGNORE)
    root_full = os.path.join(ctx, root_rel) if root_rel is not None else None
    root_ok = root_full is not None and _regular(root_full)
    if dockerfile is not None:
        directory = os.path.realpath(dockerfile.parent)
        own = dockerfile.name + ".dockerignore"
        rel = root_path(directory, own)
        full = os.path.join(directory, rel) if rel is not None else None
        if full is not None and _regular(full):
            ign = read(Path(full), _display(Path(full), context), errors)
            if root_ok and root_full is not None and os.path.abspath(full) != os.path.abspath(root_full):
                ign = dataclasses.replace(ign, shadowed_root=Path(root_full))
            return ign
        if os.path.lexists(os.path.join(directory, own)):
            instead = ROOT_IGNORE if root_ok else "no ignore file"
            link = os.path.join(directory, own)
            where = "the context" if directory == ctx else "the Dockerfile's directory"
            found.append(_unapplied(_display(Path(link), context), link, directory, where, rel, instead))
    if root_ok and root_full is not None:
        if notes is not None:
            notes.extend(found)
        return read(Path(root_full), _display(Path(root_full), context), errors)
    if os.path.lexists(os.path.join(ctx, ROOT_IGNORE)):
        link = os.path.join(ctx, ROOT_IGNORE)
        found.append(_unapplied(ROOT_IGNORE, link, ctx, "the context", root_rel, "no ignore file"))
    if notes is not None:
        notes.extend(found)
    return IgnoreFile(None, "(none)")
