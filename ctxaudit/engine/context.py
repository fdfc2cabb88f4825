"""A build to audit: context directory, Dockerfile, active ignore file, builder."""

from __future__ import annotations

import dataclasses
import errno
import os
from dataclasses import dataclass
from pathlib import Path

from ..common.errors import InputError
from . import buildfiles, ignorefile
from .builder import Builder
from .buildfiles import BuildFileProblem
from .ignorefile import IgnoreFile, IgnoreFileError

DEFAULT_DOCKERFILE = "Dockerfile"
INLINE_LABEL = "(inline Dockerfile)"
STDIN_LABEL = "-"  # `-f -`: the Dockerfile read from standard input, named as hadolint and ruff name stdin
CONTAINERFILE = "Containerfile"


@dataclass(frozen=True)
class Context:
    root: Path  # resolved (symlinks evaluated, as Docker does)
    ignore: IgnoreFile
    builder: Builder
    dockerfile: Path | None = None  # the file analysed; None: no Dockerfile found (listing still works)
    label: str = ""  # the context as the user named it, for messages
    # Dockerfile text given inline (Compose dockerfile_inline, Bake dockerfile-inline):
    # buildx sends it from a directory of its own, so only the context's .dockerignore applies.
    inline: str | None = None
    # buildah looks for <Containerfile>.containerignore with -f as typed;
    # --ignorefile replaces the lookup (buildah only).
    dockerfile_arg: str | None = None
    ignorefile: Path | None = None
    dockerfile_flag: Path | None = None  # -f made absolute, links not resolved
    # Build files this builder cannot find, read or apply (ctxaudit.engine.buildfiles).
    problems: tuple[BuildFileProblem, ...] = ()
    inline_label: str = INLINE_LABEL  # how messages name an inline Dockerfile (STDIN_LABEL for `-f -`)

    @property
    def name(self) -> str:
        return self.label or str(self.root)

    @property
    def has_dockerfile(self) -> bool:
        return self.dockerfile is not None or self.inline is not None

    @property
    def dockerfile_label(self) -> str:
        """The Dockerfile relative to the context when inside it."""
        if self.inline is not None:
            return self.inline_label
        if self.dockerfile is None:
            return "none"
        return self.dockerfile_rel or str(self.dockerfile)

    @property
    def dockerfile_rel(self) -> str | None:
        """The Dockerfile's path inside the context, None when outside, inline or absent."""
        if self.dockerfile is None:
            return None
        rel = os.path.relpath(os.path.realpath(self.dockerfile), self.root)
        if rel == ".." or rel.startswith("../"):
            return None
        return rel


def find_dockerfile(root: Path, given: Path | None, builder: Builder = Builder.BUILDKIT) -> Path | None:
    """The -f file, else ``Dockerfile`` (or the CLI's fallback ``dockerfile``).

    buildah: a relative -f is tried in the current directory, then in the
    context (imagebuildah's ``BuildDockerfiles``); without -f it takes
    ``Containerfile``, else ``Dockerfile`` (``util.DiscoverContainerfile``).
    """
    buildah = builder is Builder.BUILDAH
    if given is not None:
        path = given if given.is_absolute() else Path.cwd() / given
        if buildah and not path.exists() and not given.is_absolute():
            path = root / given
        if not path.exists():
            raise InputError(f"Dockerfile not found: {given}")
        if path.is_dir():
            raise InputError(f"Dockerfile is a directory: {given}")
        return path
    names = (CONTAINERFILE, DEFAULT_DOCKERFILE) if buildah else (DEFAULT_DOCKERFILE, DEFAULT_DOCKERFILE.lower())
    for name in names:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def _given(given: Path) -> Path:
    """Docker's -f made absolute; InputError when nothing is there (a dangling
    link is left to the builders' own errors, see ctxaudit.engine.buildfiles)."""
    path = given if given.is_absolute() else Path.cwd() / given
    if not os.path.lexists(path):
        raise InputError(f"Dockerfile not found: {given}")
    if path.is_dir() and not path.is_symlink():
        raise InputError(f"Dockerfile is a directory: {given}")
    return path


def _named(root: Path, given: Path | None) -> Path:
    """The Dockerfile as the build names it: -f, else CONTEXT/Dockerfile, or
    CONTEXT/dockerfile when only that one exists (buildx's
    handleLowercaseDockerfile)."""
    if given is not None:
        return given
    default = root / DEFAULT_DOCKERFILE
    lower = root / DEFAULT_DOCKERFILE.lower()
    if not os.path.lexists(default) and os.path.lexists(lower):
        return lower
    return default


def open_context(
    path: Path,
    dockerfile: Path | None = None,
    builder: Builder = Builder.BUILDKIT,
    errors: list[IgnoreFileError] | None = None,
    inline: str | None = None,
    label: str | None = None,
    ignorefile: Path | None = None,
    inline_label: str = INLINE_LABEL,
) -> Context:
    """Validate the inputs and select the Dockerfile and ignore file the
    builder reads; raise InputError.

    With ``errors``, unusable ignore-file lines are collected there instead.
    For Docker's builders a build file the builder cannot find or read is not
    an input error: it is in ``Context.problems`` (the build would fail, or
    apply another file).
    ``inline``: the Dockerfile's text (then ``dockerfile`` is not read and
    only the context's own ``.dockerignore`` applies, as with ``docker build
    -f -``, whose CLI reads the Dockerfile from stdin into a directory of its
    own). ``label``: how messages name the context (default: ``path`` as
    given); ``inline_label``: how they name an inline Dockerfile.
    ``ignorefile`` is buildah's ``--ignorefile`` (an InputError for Docker's
    builders, which have no such option).
    """
    if not path.exists():
        raise InputError(_missing_context(path))
    if not path.is_dir():
        raise InputError(f"context is not a directory: {path}")
    if ignorefile is not None and builder is not Builder.BUILDAH:
        raise InputError(f"--ignorefile is a buildah/podman option; docker build ({builder}) has none")
    root = Path(os.path.realpath(path))
    if not os.access(root, os.R_OK | os.X_OK):
        raise InputError(f"cannot read context directory: {path}")
    name = label or str(path)
    arg = str(dockerfile) if dockerfile is not None else None
    if inline is not None:
        none = IgnoreFile(None, "(none)")
        ctx = Context(root, none, builder, None, name, inline, ignorefile=ignorefile, inline_label=inline_label)
    elif builder is Builder.BUILDAH:
        df = find_dockerfile(root, dockerfile, builder)
        ctx = Context(root, IgnoreFile(None, "(none)"), builder, df, name, dockerfile_arg=arg, ignorefile=ignorefile)
        found = buildfiles.buildah_discovery_problem(str(root)) if dockerfile is None else None
        ctx = dataclasses.replace(
            ctx, dockerfile_flag=df if dockerfile is not None else None, problems=(found,) if found else ()
        )
        notes: list[BuildFileProblem] = []
        ignore = _select_ignore(ctx, builder, errors, notes=notes)
        return dataclasses.replace(ctx, ignore=ignore, problems=ctx.problems + tuple(notes))
    else:
        given = _given(dockerfile) if dockerfile is not None else None
        base = Context(root, IgnoreFile(None, "(none)"), builder, None, name, dockerfile_arg=arg, dockerfile_flag=given)
        return _for_docker(base, builder, errors)
    return dataclasses.replace(ctx, ignore=_select_ignore(ctx, builder, errors))


def _missing_context(path: Path) -> str:
    """Why the context is not there: missing, a symlink loop, a dangling link, or unreachable."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"context is a symlink loop: {path} (too many levels of symbolic links)"
        if os.path.islink(path):
            return f"context not found: {path} is a symlink to {os.readlink(path)}, which does not exist"
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            return f"cannot reach the context {path}: {exc.strerror or exc}"
    return f"context not found: {path}"


def with_builder(ctx: Context, builder: Builder, errors: list[IgnoreFileError] | None = None) -> Context:
    """The same build under another builder, with the build files that builder reads."""
    if ctx.inline is None and builder.docker:
        return _for_docker(ctx, builder, errors)
    notes: list[BuildFileProblem] = []  # an ignore file this builder cannot read (a directory)
    ignore = _select_ignore(ctx, builder, errors, notes=notes)
    return dataclasses.replace(ctx, builder=builder, ignore=ignore, problems=tuple(notes))


def _for_docker(ctx: Context, builder: Builder, errors: list[IgnoreFileError] | None) -> Context:
    """``ctx`` under one of Docker's builders: the Dockerfile it reads (ctxaudit.engine.buildfiles),
    its ignore file, and what it cannot find or read."""
    context, given = str(ctx.root), ctx.dockerfile_flag
    if builder is Builder.BUILDKIT:
        choice = buildfiles.buildkit_dockerfile(context, given)
    else:
        choice = buildfiles.legacy_dockerfile(context, given)
    notes = list(choice.problems)
    named = _named(ctx.root, given) if choice.path is not None or choice.problems else None
    ctx = dataclasses.replace(ctx, builder=builder, dockerfile=choice.path)
    ctx = dataclasses.replace(ctx, ignore=_select_ignore(ctx, builder, errors, named, notes))
    if builder is Builder.LEGACY:
        notes += buildfiles.legacy_tar_problems(ctx)
    return dataclasses.replace(ctx, problems=tuple(notes))


def containerfiles(ctx: Context) -> list[str]:
    """buildah's ``-f`` arguments as typed, or the Containerfile it discovered."""
    if ctx.dockerfile_arg is not None:
        return [ctx.dockerfile_arg]
    return [] if ctx.dockerfile is None else [str(ctx.dockerfile)]


def _select_ignore(
    ctx: Context,
    builder: Builder,
    errors: list[IgnoreFileError] | None,
    named: Path | None = None,
    notes: list[BuildFileProblem] | None = None,
) -> IgnoreFile:
    """``named``: the Dockerfile as Docker's builders name it (BuildKit looks
    for ``<name>.dockerignore`` beside it); ``notes`` collects build files
    the builder cannot read or apply."""
    try:
        return ignorefile.select(
            ctx.root,
            named if builder.docker else ctx.dockerfile,
            builder,
            errors,
            containerfiles=containerfiles(ctx),
            ignorefile=ctx.ignorefile if builder is Builder.BUILDAH else None,
            notes=notes,
        )
    except IgnoreFileError as exc:
        raise InputError(str(exc)) from None
