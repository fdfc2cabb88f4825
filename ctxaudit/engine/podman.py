"""What ``podman --remote build`` (podman machine, a podman service) uploads.

Local buildah and ``podman build`` send nothing: COPY/ADD read the context
in place. A remote podman client (the default on macOS and Windows, where
podman runs in a VM) tars the context itself and uploads it gzip-compressed;
the service unpacks it and runs buildah on the copy. The client's rules
(``pkg/bindings/images/build.go`` ``nTar`` and ``pkg/util.ParseDockerignore``,
podman v5.8.2, the latest release) differ from buildah's:

* which file: ``<context>/.containerignore``, else ``<context>/.dockerignore``
  (both resolved inside the context), and only when neither exists the
  per-Containerfile files of in-context Containerfiles
  (``<file>.containerignore``, then ``<file>.dockerignore`` winning); or the
  ``--ignorefile`` lines. Lines keep their leading and trailing ``/`` (unlike
  buildah's reading: ``/a.txt`` is uploaded, then left out by COPY);
* it appends ``!Dockerfile``, ``!Containerfile``, ``!.dockerignore``,
  ``!.containerignore`` and, for each Containerfile inside the context,
  ``!<file>``, ``!<file>.dockerignore``, ``!<file>.containerignore``: those
  always travel;
* it tests every path with storage's old ``Matches`` and never skips a
  directory (an excluded directory gets no header, what an exception
  re-includes below it still goes), in ``filepath.WalkDir`` order;
* only regular files, directories and symlinks are written (FIFOs, sockets,
  devices are dropped), hard links as links, uid/gid 0; a Containerfile
  outside the context is appended under its absolute path.

The size here is the tar before compression, exactly as Go's archive/tar
writes it (USTAR headers, PAX where USTAR cannot hold a name or link); the
gzip on the wire depends on the contents, which ctxaudit does not read.
Checked against podman's real clients in tests/buildah: the v5.8.2 client
(built by tests/buildah/build-latest.sh) for every case, and Debian's 4.3.1,
whose client reads only the two context-level files and keeps only
``!<file>``, where it differs.
"""

from __future__ import annotations

import errno
import os
import re
import stat as st
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import containers, tarsize
from .context import Context
from .pattern import DockerIgnorePattern, PatternError, UnsupportedPattern

ALWAYS_SENT = ("Dockerfile", "Containerfile", ".dockerignore", ".containerignore")


@dataclass
class RemoteTransfer:
    """The tar a remote podman client uploads (``tar_bytes`` before gzip)."""

    ignore_file: str | None  # the file the client read, relative to the context; None: no file
    files: int = 0  # regular files and symlinks in the tar
    bytes: int = 0  # their contents
    tar_bytes: int = tarsize.END_OF_ARCHIVE
    error: str | None = None  # why the client fails before uploading
    members: list[tuple[str, str, int]] = field(default_factory=list)  # (name, type, size) with ``keep``


def _open_error(path: str) -> OSError | None:
    """Why ``os.ReadFile(path)`` would fail (a directory: EISDIR), or None."""
    try:
        if st.S_ISDIR(os.stat(path).st_mode):
            return IsADirectoryError(errno.EISDIR, "is a directory", path)
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except OSError as exc:
        return exc
    return None


def ignore_file(ctx: Context) -> Path | None:
    """``util.ParseDockerignore`` (v5.8.2): the file the remote client reads (no ``--ignorefile``).

    ``<context>/.containerignore`` if it can be read, else
    ``<context>/.dockerignore``, else the in-context Containerfile's own
    files (``.containerignore``, then ``.dockerignore`` winning). When the
    last of those fails otherwise than "not found" (a directory) the client
    stops, with the *first* error, .containerignore's (it returns ``err``,
    not ``dockerIgnoreErr``): OSError. Recorded in tests/buildah
    (sel-containerignore-is-dir uploads, conformance.buildfile-ignore-directory
    fails).
    """
    root = str(ctx.root)
    first = containers.secure_join(root, containers.CONTAINERIGNORE)
    err = _open_error(first)
    if err is None:
        return Path(first)
    path = containers.secure_join(root, containers.DOCKERIGNORE)
    last = _open_error(path)
    found = Path(path) if last is None else None
    if last is not None:
        for cf in _in_context(ctx):
            for suffix in (".containerignore", ".dockerignore"):
                if os.path.exists(os.path.join(root, cf + suffix)):
                    own = containers.secure_join(root, cf + suffix)
                    last = _open_error(own)
                    found = Path(own) if last is None else None
            if last is None:
                break
    if last is not None and not isinstance(last, FileNotFoundError):
        raise err
    return found


def containerfile(ctx: Context) -> tuple[str | None, Path | None]:
    """``prepareContainerFiles``: the Containerfile's name inside the context, or
    the file outside it that the client appends to the tar.

    The client resolves links in the Containerfile's *directory* only
    (``filepath.EvalSymlinks(filepath.Dir(c))``), never the file itself: a
    ``Dockerfile`` symlink in the context travels as that symlink, kept by
    ``!Dockerfile``, wherever it points (podman v5.8.2 and 4.3.1 alike,
    recorded in tests/buildah: conformance.buildfile-dockerfile-link-*).
    """
    given = ctx.dockerfile_flag or ctx.dockerfile
    if given is None:
        return None, None
    c = os.path.normpath(os.path.abspath(given))
    parent = os.path.dirname(c)
    if os.path.isdir(parent):
        c = os.path.join(os.path.realpath(parent), os.path.basename(c))
    root = os.path.realpath(ctx.root)
    if c.startswith(root + os.sep):
        return c[len(root) + 1 :], None
    if not os.path.lexists(c):  # "assume it is in context directory": kept by its name, nothing appended
        return c, None
    return None, Path(c)


def _file_exists(path: str) -> bool:
    """podman's ``utils.FileExists``: stat (links followed) succeeds and is not a directory."""
    try:
        return not st.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def client_error(ctx: Context) -> str | None:
    """Why the podman client stops before uploading for want of a Containerfile, or None.

    ``cmd/podman/common/build.go`` (v5.8.2), before anything is sent:
    without ``-f`` it takes ``<context>/Containerfile``, else
    ``<context>/Dockerfile``, each only if it exists and is not a directory
    (a dangling link or a directory is not found); with ``-f``
    (``areContainerfilesValid``) the path as given, else joined to the
    context, must be such a file. ``-f -`` is read from stdin.

    A context with neither name at all (a scan without a build file) is
    sized as the upload of a build of it: no error.
    """
    if ctx.inline is not None:
        return None
    root = str(ctx.root)
    given = ctx.dockerfile_arg
    if given is None:
        names = [os.path.join(root, name) for name in ("Containerfile", "Dockerfile")]
        if any(_file_exists(n) for n in names) or not any(os.path.lexists(n) for n in names):
            return None
        return f"no Containerfile or Dockerfile specified or found in context directory, {root}"
    if os.path.isdir(given):
        return f"containerfile: {given!r} cannot be path to a directory"
    if _file_exists(given) or (not given.startswith(root) and _file_exists(os.path.join(root, given))):
        return None
    return f"the specified Containerfile or Dockerfile does not exist, {given}"


def _in_context(ctx: Context) -> list[str]:
    """The Containerfile's path inside the context, as the client names it."""
    rel = containerfile(ctx)[0]
    return [] if rel is None else [rel]


def _lines(path: Path, trim: bool) -> list[str]:
    """The lines the client keeps: no empty line, no ``#`` in the first byte;
    ``trim``: ``/`` trimmed from both ends as imagebuilder's ParseIgnore does."""
    out = []
    for raw in path.read_bytes().decode("utf-8", "surrogateescape").split("\n"):
        if not raw or raw[0] == "#":
            continue
        if trim:
            raw = raw.strip("/")
        if raw:
            out.append(raw)
    return out


def excludes(ctx: Context) -> tuple[list[str], Path | None]:
    """The exclude lines the client hands to the matcher, and their file.

    ``--ignorefile`` is read by buildah's option parser (imagebuilder:
    ``/`` trimmed); when it leaves no line the client reads the context's
    files as if it were not given. Those the client reads itself keep their
    slashes in podman 5.8 (``/a.txt`` then matches nothing on the client;
    podman's main branch trims them since c57f9f49a3).
    """
    path = ctx.ignorefile
    lines = _lines(path, trim=True) if path is not None else []
    if not lines:
        path = ignore_file(ctx)
        lines = _lines(path, trim=False) if path is not None else []
    keep = [f"!{name}" for name in ALWAYS_SENT]
    for cf in _in_context(ctx):
        keep += [f"!{cf}", f"!{cf}.dockerignore", f"!{cf}.containerignore"]
    return lines + keep, path


def uploads(ctx: Context) -> Callable[[str], bool] | None:
    """Does ``podman --remote`` upload this context path? (each path decided
    alone, as the client does); None when the client would fail first."""
    try:
        lines, _ = excludes(ctx)
        matcher = containers.BuildahMatcher([containers.BuildahPattern(x, from_file=False) for x in lines])
    except (OSError, PatternError, UnsupportedPattern):
        return None

    def uploaded(path: str) -> bool:
        try:
            return not matcher.decide(path).matched
        except PatternError:
            return False

    return uploaded


def _walk(root: str, matcher: containers.BuildahMatcher) -> Iterator[tuple[str, os.stat_result]]:
    """filepath.WalkDir below ``root``, names sorted: (relative name, lstat) of
    every path the lines let through.

    The client enters every directory. Below an excluded one only a later
    exception can bring a path back, and a literal exception only below
    its own path: a subtree no exception can reach is not read at all
    (the same upload, without listing a node_modules the client walks in vain).
    """
    quick = matcher.shortcut(0)[0]
    stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [("", iter(_entries(root)))]
    while stack:
        prefix, entries = stack[-1]
        for de in entries:
            rel = prefix + de.name
            d = None if quick is not None and quick(rel) is None else matcher.decide(rel)
            if d is None or not d.matched:
                yield rel, de.stat(follow_symlinks=False)
            if de.is_dir(follow_symlinks=False) and (d is None or not d.matched or _reachable(matcher, d.rule, rel)):
                stack.append((rel + "/", iter(_entries(de.path))))
                break
        else:
            stack.pop()


_LITERAL = re.compile(r"[*?\[\]\\(){}|+^\ufeff]")


def _reachable(matcher: containers.BuildahMatcher, rule: int | None, directory: str) -> bool:
    """Can an exception after line ``rule`` re-include a path below ``directory``?"""
    for p in matcher.patterns[(rule or 0) + 1 :]:
        if not p.exclusion:
            continue
        if _LITERAL.search(p.text) or p.text.startswith(directory + "/"):
            return True
    return False


def _entries(path: str) -> list[os.DirEntry[str]]:
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: os.fsencode(e.name))


def remote_transfer(ctx: Context, keep: bool = False) -> RemoteTransfer:
    """The tar ``podman --remote build`` would upload for ``ctx``.

    ``keep``: also list the members (for the tests). Failures the client
    would stop on (an invalid line, an unreadable path) come back in
    ``error`` with what was counted up to there.
    """
    stop = client_error(ctx)
    if stop is not None:
        return RemoteTransfer(None, error=stop)
    try:
        lines, path = excludes(ctx)
    except OSError as exc:
        where = _display(Path(exc.filename), ctx.root) if exc.filename else "the ignore file"
        return RemoteTransfer(None, error=f"cannot read {where}: {exc.strerror or exc}")
    shown = None if path is None else _display(path, ctx.root)
    out = RemoteTransfer(shown)
    try:
        patterns: list[DockerIgnorePattern] = [containers.BuildahPattern(x, from_file=False) for x in lines]
        matcher = containers.BuildahMatcher(patterns)
    except (PatternError, UnsupportedPattern) as exc:
        out.error = f"processing excludes list: {exc}"
        return out
    seen: dict[tuple[int, int], str] = {}
    root = str(ctx.root)
    try:
        if not os.listdir(root):
            out.tar_bytes += tarsize.header_bytes(b"")  # WalkDir's root, written when empty

        for rel, s in _walk(root, matcher):
            _add(out, rel, s, root, seen, keep)
    except PatternError as exc:
        out.error = f"checking if a path is excluded: {exc}"
    except OSError as exc:
        out.error = f"{exc.filename or 'a path'}: {exc.strerror or exc}"
    outside = containerfile(ctx)[1]
    if outside is not None:
        try:
            size = outside.stat().st_size
        except OSError:
            size = 0
        name = os.fsencode(str(outside))
        out.tar_bytes += tarsize.header_bytes(name, size=size) + tarsize.pad(size)
        out.files += 1
        out.bytes += size
        if keep:
            out.members.append((os.fsdecode(name), "file", size))
    return out


def _add(
    out: RemoteTransfer, rel: str, s: os.stat_result, root: str, seen: dict[tuple[int, int], str], keep: bool
) -> None:
    mode = s.st_mode
    name = rel.encode("utf-8", "surrogateescape")
    if st.S_ISREG(mode):
        if not os.access(os.path.join(root, rel), os.R_OK):
            raise PermissionError(13, "permission denied", rel)
        key = (s.st_dev, s.st_ino)
        first = seen.get(key) if s.st_nlink > 1 else None
        out.files += 1
        if first is not None:
            out.tar_bytes += tarsize.header_bytes(name, first.encode("utf-8", "surrogateescape"))
            kind, size = "hardlink", 0
        else:
            out.tar_bytes += tarsize.header_bytes(name, size=s.st_size) + tarsize.pad(s.st_size)
            out.bytes += s.st_size
            if s.st_nlink > 1:
                seen[key] = rel
            kind, size = "file", s.st_size
    elif st.S_ISDIR(mode):
        out.tar_bytes += tarsize.header_bytes(name)
        kind, size = "dir", 0
    elif st.S_ISLNK(mode):
        target = os.readlink(os.path.join(root, rel)).encode("utf-8", "surrogateescape")
        out.tar_bytes += tarsize.header_bytes(name, target)
        out.files += 1
        kind, size = "symlink", 0
    else:
        return
    if keep:
        out.members.append((rel, kind, size))


def _display(path: Path, root: Path) -> str:
    rel = os.path.relpath(path, root)
    return str(path) if rel.startswith("..") else rel
