"""What a project asks the builder to build: one :class:`Build` per service or target."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .yamlload import Pos

# Prefixes compose-go (paths/context.go isRemoteContext) and buildx treat as remote.
_REMOTE_PREFIXES = ("https://", "http://", "git://", "ssh://", "github.com/", "git@")


def is_remote(value: str) -> bool:
    """A git or HTTP(S) context: Compose and buildx leave it to BuildKit to fetch."""
    return value.startswith(_REMOTE_PREFIXES)


@dataclass(frozen=True)
class NamedContext:
    """A named build context (``--build-context``, Compose ``additional_contexts``,
    Bake ``contexts``).

    ``kind``: ``local`` (a directory, audited), ``image`` (``docker-image://``),
    ``oci-layout``, ``service``/``target`` (another build's result), ``remote``
    (git or HTTP URL); only local ones are walked.
    """

    name: str
    value: str
    kind: str
    path: Path | None = None  # the directory of a local context (absolute, not resolved)
    declared: Pos | None = None

    @property
    def local(self) -> bool:
        return self.kind == "local"


def named_context(name: str, value: str, base: Path, declared: Pos | None = None) -> NamedContext:
    """Classify a named context's value as buildx does (build/opt.go); a local
    path is made absolute against ``base``."""
    if value.startswith("docker-image://"):
        return NamedContext(name, value, "image", None, declared)
    if value.startswith("oci-layout://"):
        return NamedContext(name, value, "oci-layout", None, declared)
    if value.startswith("service:"):
        return NamedContext(name, value, "service", None, declared)
    if value.startswith("target:"):
        return NamedContext(name, value, "target", None, declared)
    if is_remote(value) or "://" in value.removeprefix("cwd://"):
        return NamedContext(name, value, "remote", None, declared)
    path = value.removeprefix("cwd://")
    return NamedContext(name, value, "local", absolute(path, base), declared)


def absolute(path: str, base: Path) -> Path:
    """compose-go's absPath: ``~`` expanded, absolute kept, else joined and cleaned."""
    if path.startswith("~"):
        path = os.path.expanduser(path)
    return Path(os.path.normpath(path if os.path.isabs(path) else os.path.join(base, path)))


@dataclass
class Build:
    """One build of a project.

    ``context``: the local context directory (absolute), or None when the
    context is ``remote`` (a git/HTTP URL, reported and not audited).
    ``dockerfile``: the Dockerfile's path (absolute), None with
    ``dockerfile_inline`` text. ``declared``: the Compose service or Bake
    target's line; ``context_at``: the line that sets the context (the
    declaration when it is the default). ``unresolved``: inputs ctxaudit
    could not evaluate (Bake expressions), by attribute.
    """

    name: str
    source: str  # "compose" | "bake" | "cli"
    context: Path | None
    dockerfile: Path | None = None
    dockerfile_inline: str | None = None
    raw_dockerfile: str | None = None  # as written: relative to the context unless absolute
    args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    named: list[NamedContext] = field(default_factory=list)
    declared: Pos | None = None
    context_at: Pos | None = None
    remote: str | None = None
    unresolved: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """What the name is: a Compose service, a Bake target, or the command line's build."""
        return {"compose": "service", "bake": "target"}.get(self.source, "build")

    @property
    def title(self) -> str:
        return f"{self.kind} {self.name}" if self.source != "cli" else self.name


@dataclass
class Project:
    """The builds a Compose or Bake project declares.

    ``directory``: Compose's project directory (relative paths resolve
    against it), or the directory Bake runs in. ``files``: the files read,
    in merge order. ``notes``: what was read but is not a build (services
    without ``build:``...), for the report. ``left_out``: the builds of
    Compose services the active profiles disable (``--service`` can still
    name them, as ``docker compose build NAME`` builds them).
    """

    kind: str  # "compose" | "bake"
    directory: Path
    files: list[Path]
    builds: list[Build]
    notes: list[str] = field(default_factory=list)
    left_out: list[Build] = field(default_factory=list)

    def file_label(self, path: Path | str) -> str:
        """A file of the project relative to its directory when below it."""
        rel = os.path.relpath(path, self.directory)
        return str(path) if rel.startswith("..") else rel
