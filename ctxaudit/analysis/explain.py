"""Why a path is sent or not: ``git check-ignore -v``, for Docker.

The path is decided the way the builder's walk decides it: each ancestor
directory first (with its parents' results), stopping where the builder
skips an excluded directory without entering it. The line named is the one
that decides, as git names it: the last line that matches the path (or the
directory the walk stopped at), see :meth:`Matcher.last_match`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..engine.builder import Builder
from ..engine.context import Context
from ..engine.matcher import Matcher
from ..engine.pattern import DockerIgnorePattern
from ..engine.walk import Walker


@dataclass(frozen=True)
class Explanation:
    path: str
    sent: bool
    exists: bool
    rule: DockerIgnorePattern | None  # the deciding line (of the path, or of the skipped directory)
    skipped_dir: str | None = None  # the ancestor the builder never enters
    forced: bool = False  # legacy: sent only because the CLI keeps build files
    note: str = ""
    removed: bool = False  # legacy: a build file the daemon removes before COPY sees the context

    def where(self, ignore_file: str) -> str:
        if self.rule is None:
            return "no line matches"
        if self.rule.line == 0:  # the legacy CLI appends "!Dockerfile" and "!.dockerignore" to the lines
            return f"the Docker CLI adds the line {self.rule}"
        return f"{ignore_file}:{self.rule.line}: {self.rule}"


def relative(ctx: Context, raw: str) -> str:
    """A path given on the command line, relative to the context, '/'-separated."""
    p = raw
    if os.path.isabs(p):
        p = os.path.relpath(os.path.realpath(p), ctx.root)
    p = os.path.normpath(p).replace(os.sep, "/")
    return "" if p == "." else p


def explain(ctx: Context, path: str) -> Explanation:
    walker = Walker(ctx)
    m = walker.matcher
    exists = os.path.lexists(os.path.join(ctx.root, path))
    parent = 0
    for ancestor, d in m.along(path):
        if ancestor != path and d.matched and walker.prunes(ancestor):
            note = ""
            if ctx.builder is Builder.BUILDAH and not m.using_parent_results(path, None).matched:
                # buildah decides a COPY source by its own path: the skipped directory does not matter.
                note = "COPY . never reaches it, but a COPY that names it copies it: no line excludes the path itself"
            return Explanation(path, False, exists, _line(m, ancestor, parent), skipped_dir=ancestor, note=note)
        if ancestor != path:
            parent = d.bits
    rule = _line(m, path, parent)
    forced = d.rule is not None and d.rule >= walker.user_count
    removed = not d.matched and walker.removed(path)
    note = ""
    if removed:
        note = "the daemon removes it before COPY sees the context"
    elif forced:
        # The daemon reads .dockerignore inside the context it received: a link out of it reads nothing.
        note = "the daemon keeps it: its .dockerignore, read inside the context, does not exclude it"
    elif ctx.builder is Builder.BUILDKIT and path in (".dockerignore", ctx.dockerfile_rel) and not d.matched:
        note = "sent as part of the context (BuildKit also reads it separately)"
    return Explanation(path, not d.matched, exists, rule, forced=forced, note=note, removed=removed)


def _line(m: Matcher, path: str, parent: int) -> DockerIgnorePattern | None:
    index = m.last_match(path, parent)
    return None if index is None else m.patterns[index]
