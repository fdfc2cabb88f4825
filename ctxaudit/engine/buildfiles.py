"""How each builder finds and reads the Dockerfile and the ignore file.

The two builders read the build files in different places:

* **BuildKit** reads them *through what it was sent*. The Dockerfile and
  ``<Dockerfile>.dockerignore`` come from the Dockerfile's directory (the
  client's ``dockerfile`` local), ``.dockerignore`` from the context; each
  through ``llb.FollowPaths`` and then ``ReadFile``, which resolves symlinks
  *inside* that directory like containerd's ``fs.RootPath``: an absolute
  target is taken relative to the directory, ``..`` stops at its root, a
  link that leaves it reads whatever sits at the clamped path (usually
  nothing). A Dockerfile it cannot read fails the build ("failed to read
  dockerfile"); an ignore file it cannot read is silently not applied (the
  per-Dockerfile one falls back to ``.dockerignore``). Sources:
  moby/buildkit frontend/dockerui/config.go (``ReadEntrypoint``,
  ``dockerIgnorePatterns``; the same logic as frontend/dockerfile/builder in
  v0.8, the engine's BuildKit), tonistiigi/fsutil followlinks.go.
* **The legacy CLI** (``DOCKER_BUILDKIT=0``) reads them *on the host*:
  ``filepath.EvalSymlinks`` on the Dockerfile path, ``os.Open`` of
  ``CONTEXT/.dockerignore`` (links followed anywhere; a directory fails the
  build). A Dockerfile outside the context is read from the host only when
  ``-f`` names it, and is appended to the tar, which fails if
  ``.dockerignore`` is a symlink (the CLI rewrites it as a regular file
  under the link's header: "archive/tar: write too long"). A Dockerfile
  inside the context must be in the tar the CLI sends, or the daemon answers
  "Cannot locate specified Dockerfile". Sources: docker/cli
  cli/command/image/build.go, build/context.go (``getDockerfileRelPath``),
  build/dockerignore.go; moby builder/remotecontext/detect.go.

Everything here was checked on a real engine (tests/conformance cases
``buildfile-*``).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .builder import Builder

if TYPE_CHECKING:
    from .context import Context

DOCKERFILE = "Dockerfile"
IGNORE = ".dockerignore"
_MAX_LINKS = 255  # continuity's fs.RootPath gives up after this many links


@dataclass(frozen=True)
class BuildFileProblem:
    """A build file a builder cannot find, read or apply.

    ``fatal``: the build fails; otherwise the builder silently uses another
    ignore file (or none) than the one the user wrote.
    """

    builder: Builder
    file: str  # the build file as the user names it (relative to the context when inside)
    reason: str
    fatal: bool

    @property
    def message(self) -> str:
        """``BuildKit fails: <reason>`` or ``BuildKit does not apply ...``."""
        who = {Builder.BUILDKIT: "BuildKit", Builder.LEGACY: "The legacy builder"}.get(self.builder, "buildah")
        return f"{who} fails: {self.reason}" if self.fatal else f"{who} {self.reason}"


def root_path(root: str | os.PathLike[str], rel: str) -> str | None:
    """``rel`` resolved inside ``root`` like containerd's ``fs.RootPath``.

    Every symlink along the path is replaced by its target: an absolute target
    starts again at ``root``, a relative one at the link's directory, and
    ``..`` never climbs above ``root``. Components that do not exist are kept
    as they are. Returns the resolved path relative to ``root`` ("" for
    ``root`` itself), or None after more than 255 links (a loop).
    """
    base = os.fspath(root)
    todo = [p for p in rel.split("/") if p not in ("", ".")]
    todo.reverse()
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        full = os.path.join(base, *done, part)
        try:
            is_link = stat.S_ISLNK(os.lstat(full).st_mode)
        except OSError:
            is_link = False
        if not is_link:
            done.append(part)
            continue
        links += 1
        if links > _MAX_LINKS:
            return None
        try:
            target = os.readlink(full)
        except OSError:
            done.append(part)
            continue
        if target.startswith("/"):
            done = []
        todo.extend(reversed([p for p in target.split("/") if p not in ("", ".")]))
    return "/".join(done)


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _what(path: str) -> str:
    """Why ``open``/``read`` of a path fails, in Go's words."""
    try:
        s = os.stat(path)
    except FileNotFoundError:
        return "no such file or directory"
    except OSError as exc:
        return exc.strerror or str(exc)
    return "is a directory" if stat.S_ISDIR(s.st_mode) else "not a regular file"


def _shown(path: str, context: str) -> str:
    rel = os.path.relpath(path, context)
    return rel if rel != ".." and not rel.startswith("../") else path


@dataclass(frozen=True)
class DockerfileChoice:
    """The Dockerfile a builder reads: ``path`` is the file ctxaudit analyses
    (the builder's own when it can read one, else the host's view, else
    None); ``problems`` why the builder cannot read it."""

    path: Path | None
    problems: tuple[BuildFileProblem, ...] = ()


def buildkit_dockerfile(context: str, given: Path | None) -> DockerfileChoice:
    """The Dockerfile BuildKit reads from the Dockerfile's directory.

    ``given``: the -f path (absolute), None for ``CONTEXT/Dockerfile``.
    """
    named = given if given is not None else Path(context) / DOCKERFILE
    directory = os.path.realpath(named.parent)
    shown = _shown(str(named), context)
    names = [named.name]
    if named.name == DOCKERFILE:
        names.append(DOCKERFILE.lower())  # the frontend's fallback (moby/moby#10858)
    for name in names:
        rel = root_path(directory, name)
        if rel is not None and _regular(os.path.join(directory, rel)):
            return DockerfileChoice(Path(directory, rel))
    if given is None and not any(os.path.lexists(os.path.join(directory, n)) for n in names):
        return DockerfileChoice(None)  # no Dockerfile at all: listing only
    rel = root_path(directory, named.name)
    inside = os.path.join(directory, rel) if rel is not None else None
    if rel is None:
        why = "too many levels of symbolic links"
    elif os.path.islink(named):
        why = (
            f"it is a link to {os.readlink(named)}, which BuildKit resolves inside {_dir_label(directory, context)} "
            f"as {rel or '.'}: {_what(inside or '')}"
        )
    else:
        why = _what(str(inside))
    host = named if _regular(str(named)) else None
    return DockerfileChoice(
        host, (BuildFileProblem(Builder.BUILDKIT, shown, f"failed to read dockerfile: {why}", fatal=True),)
    )


def _dir_label(directory: str, context: str) -> str:
    rel = os.path.relpath(directory, context)
    if rel == ".":
        return "the context"
    if rel == ".." or rel.startswith("../"):
        return f"the Dockerfile's directory {directory}"
    return f"the Dockerfile's directory {rel}/"


def legacy_dockerfile(context: str, given: Path | None) -> DockerfileChoice:
    """The Dockerfile the legacy CLI reads on the host (``getDockerfileRelPath``).

    Only the checks that need no walk; whether the tar holds it is
    :func:`legacy_tar_problems`.
    """
    if given is None:
        named = Path(context) / DOCKERFILE
        if not os.path.lexists(named) and os.path.lexists(Path(context) / DOCKERFILE.lower()):
            named = Path(context) / DOCKERFILE.lower()
        if not os.path.lexists(named):
            return DockerfileChoice(None)
    else:
        named = given
    shown = _shown(str(named), context)
    try:
        evaluated = os.path.realpath(named, strict=True)  # Go's filepath.EvalSymlinks
    except OSError as exc:
        err = (exc.strerror or str(exc))[:1].lower() + (exc.strerror or str(exc))[1:]
        reason = f"unable to evaluate symlinks in Dockerfile path: lstat {exc.filename}: {err}"
        return DockerfileChoice(None, (BuildFileProblem(Builder.LEGACY, shown, reason, fatal=True),))
    rel = os.path.relpath(evaluated, context)
    if rel == ".." or rel.startswith("../"):
        if given is None:
            # The CLI opens options.dockerfileName, which is empty without -f.
            reason = (
                f"{shown} is a link to {evaluated}, outside the context, and without -f the CLI opens an empty "
                "path: 'unable to open Dockerfile: open : no such file or directory' (pass -f to build it)"
            )
            return DockerfileChoice(Path(evaluated), (BuildFileProblem(Builder.LEGACY, shown, reason, fatal=True),))
        return DockerfileChoice(Path(evaluated))
    if not _regular(evaluated):
        reason = f"the daemon answers 'unexpected error reading Dockerfile: read {rel}: {_what(evaluated)}'"
        return DockerfileChoice(None, (BuildFileProblem(Builder.LEGACY, shown, reason, fatal=True),))
    return DockerfileChoice(Path(evaluated))


def buildah_discovery_problem(context: str) -> BuildFileProblem | None:
    """buildah without -f (``util.DiscoverContainerfile``): ``Containerfile``,
    else ``Dockerfile``, each stat'ed through links on the host; one that
    exists but is no regular file, or only a dangling link, fails the build.
    None when it finds a file, or when neither name is there at all."""
    for name in ("Containerfile", DOCKERFILE):
        path = os.path.join(context, name)
        if os.path.exists(path):
            if _regular(path):
                return None
            return BuildFileProblem(Builder.BUILDAH, name, f'assumed Containerfile "{name}" is not a file', fatal=True)
    if not any(os.path.lexists(os.path.join(context, n)) for n in ("Containerfile", DOCKERFILE)):
        return None
    return BuildFileProblem(
        Builder.BUILDAH,
        DOCKERFILE,
        "cannot find Containerfile or Dockerfile in context directory (a link to nothing on the host)",
        fatal=True,
    )


def legacy_outside_dockerfile_problem(context: str) -> BuildFileProblem | None:
    """With a Dockerfile outside the context, the CLI rewrites ``.dockerignore``
    in the tar; under a symlink's header that write fails."""
    path = os.path.join(context, IGNORE)
    if not os.path.islink(path):
        return None
    reason = (
        f".dockerignore is a symlink (to {os.readlink(path)}) and the Dockerfile lives outside the context: the CLI "
        "appends the Dockerfile's name to it inside the tar and fails with 'archive/tar: write too long'"
    )
    return BuildFileProblem(Builder.LEGACY, IGNORE, reason, fatal=True)


def legacy_tar_problems(ctx: Context) -> list[BuildFileProblem]:
    """What goes wrong once the CLI builds the tar: the Dockerfile is not in
    it (the daemon answers "Cannot locate specified Dockerfile"), or the
    Dockerfile is outside and ``.dockerignore`` is a symlink."""
    from .walk import Walker  # the walk imports the context, which imports this module

    if ctx.dockerfile is None:
        return []
    rel = ctx.dockerfile_rel
    if rel is None:
        if ctx.dockerfile_flag is None:
            return []  # without -f the CLI already failed (legacy_dockerfile)
        outside = legacy_outside_dockerfile_problem(str(ctx.root))
        return [outside] if outside is not None else []
    if Walker(ctx, sizes=False).sends(rel):
        return []
    shown = _shown(str(ctx.dockerfile_flag or ctx.dockerfile), str(ctx.root))
    reason = (
        f"the legacy walk does not send {rel} (the ignore file keeps it or a directory above it out, and the "
        f"CLI's exception '!{rel}' does not apply): the daemon answers 'Cannot locate specified Dockerfile: {rel}'"
    )
    return [BuildFileProblem(Builder.LEGACY, shown, reason, fatal=True)]


__all__ = [
    "BuildFileProblem",
    "DockerfileChoice",
    "buildah_discovery_problem",
    "buildkit_dockerfile",
    "legacy_dockerfile",
    "legacy_outside_dockerfile_problem",
    "legacy_tar_problems",
    "root_path",
]
