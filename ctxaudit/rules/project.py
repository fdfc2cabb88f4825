"""CA6xx: the builds of a Compose or Bake project, located at the file line that declares them.

The classic Compose confusion ("Compose ignores my .dockerignore":
docker/compose#1607, #3931, #8433, #8485, #11080) is an ignore file put
where no build reads it: next to ``compose.yaml`` while the context is
``./api``, or next to a Dockerfile that lives outside its context. BuildKit
reads ``<Dockerfile>.dockerignore`` beside the Dockerfile, else
``.dockerignore`` at the root of the context (moby/buildkit
frontend/dockerui/config.go), and for a named context only the root
``.dockerignore`` of that directory (frontend/dockerui/namedcontext.go).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..engine.context import Context
from ..engine.ignorefile import ROOT_IGNORE
from ..project.model import Build, NamedContext, Project
from ..project.yamlload import Pos
from . import rule
from .findings import Finding, Severity

MISPLACED_IGNORE = rule(
    "CA600",
    "misplaced-ignore-file",
    Severity.WARNING,
    "A .dockerignore sits where this build does not read it; another file (or none) applies.",
    "BuildKit reads '<Dockerfile>.dockerignore' next to the Dockerfile, else '.dockerignore' at the root of the "
    "build context; a named context uses its own root '.dockerignore'. A .dockerignore next to compose.yaml or "
    "docker-bake.hcl applies only to builds whose context is that directory. Move its lines into the file that "
    "applies (the report names it).",
)
MISSING_INPUT = rule(
    "CA601",
    "build-input-missing",
    Severity.ERROR,
    "A build's context directory, Dockerfile or local named context does not exist: the build fails.",
    "Compose resolves a relative context against the project directory (the first Compose file's "
    "directory), a relative dockerfile against the context; Bake resolves contexts against the directory it "
    "runs in.",
)
REMOTE = rule(
    "CA602",
    "remote-context",
    Severity.INFO,
    "A context comes from a git or HTTP URL: BuildKit fetches it; ctxaudit does not audit it.",
    "No .dockerignore applies to a remote context (BuildKit fetches the repository or file itself).",
)
UNRESOLVED = rule(
    "CA603",
    "unresolved-build-input",
    Severity.WARNING,
    "A Bake attribute ctxaudit cannot evaluate (a function call, a conditional, a matrix).",
    "ctxaudit evaluates literals, variables and ${...} templates of them, and reports the rest instead "
    "of guessing: an unresolved argument is left to the Dockerfile's default, an unresolved context or "
    "Dockerfile leaves the build unaudited. `docker buildx bake --print` shows what buildx resolves.",
)


NAMED_LEGACY = rule(
    "CA604",
    "named-context-without-buildkit",
    Severity.WARNING,
    "Named contexts need BuildKit: the legacy builder does not send them.",
    "DOCKER_BUILDKIT=0 builds know no --build-context or additional_contexts: COPY --from=NAME and FROM NAME "
    "then mean an image called NAME. ctxaudit audits the named contexts under --builder buildkit only.",
)


def _loc(pos: Pos | None) -> tuple[str | None, int | None]:
    return (pos.file, pos.line or None) if pos is not None else (None, None)


def declared(build: Build) -> tuple[str | None, int | None]:
    """Where findings about a build point: the line that sets its context, else its declaration."""
    return _loc(build.context_at or build.declared)


def input_findings(build: Build, legacy: bool = False) -> list[Finding]:
    """Remote, missing and unresolved inputs of a build (before any walk);
    ``legacy``: the build runs on the legacy builder (no named contexts)."""
    path, line = declared(build)
    out: list[Finding] = []
    local = [n.name for n in build.named if n.local]
    if legacy and local:
        out.append(
            Finding(
                NAMED_LEGACY,
                f"{build.title}: named context{'s' if len(local) > 1 else ''} {', '.join(local)} "
                f"{'are' if len(local) > 1 else 'is'} not sent by the legacy builder",
                path,
                line,
            )
        )
    if build.remote is not None:
        out.append(Finding(REMOTE, f"{build.title}: context {build.remote} is remote, not audited", path, line))
    for attr, text in build.unresolved.items():
        out.append(Finding(UNRESOLVED, f"{build.title}: {attr} = {text} is not evaluated by ctxaudit", path, line))
    if build.context is not None and not build.context.is_dir():
        what = "is not a directory" if build.context.exists() else "does not exist"
        out.append(Finding(MISSING_INPUT, f"{build.title}: context {build.context} {what}", path, line))
    elif build.context is not None and build.dockerfile is not None and not build.dockerfile.is_file():
        out.append(Finding(MISSING_INPUT, f"{build.title}: Dockerfile {build.dockerfile} does not exist", path, line))
    for n in build.named:
        npath, nline = _loc(n.declared or build.declared)
        if n.kind == "remote":
            out.append(
                Finding(REMOTE, f"{build.title}: named context {n.name}={n.value} is remote, not audited", npath, nline)
            )
        elif n.local and n.path is not None and not n.path.is_dir():
            out.append(
                Finding(
                    MISSING_INPUT,
                    f"{build.title}: named context {n.name}={n.value}: {n.path} is not a directory "
                    '(buildx: "failed to get build context")',
                    npath,
                    nline,
                )
            )
    return out


def _move_lines(where: str, ctx: Context, applies: str, project: Project | None) -> str:
    """Where the build's lines belong, as things stand now: the file it reads, or
    the one to create (checked again here: a file written since the context
    was opened, by ``suggest --write``, counts as there)."""
    if ctx.ignore.path is not None and os.path.isfile(ctx.ignore.path):
        return f"this build reads {applies}: copy there the lines of {where} it needs"
    own = ctx.root / ROOT_IGNORE
    if os.path.isfile(own):
        return f"this build reads {_label(own, project)}: copy there the lines of {where} it needs"
    return f"create {_label(own, project)} with the lines of {where} this build needs"


def _label(path: Path, project: Project | None) -> str:
    return project.file_label(path) if project is not None else str(path)


def misplaced(
    project: Project | None, audited: Sequence[tuple[Build, Context, Sequence[tuple[NamedContext, Context]]]]
) -> list[Finding]:
    """CA600 for every build near a ``.dockerignore`` it does not read.

    Candidates: ``.dockerignore`` in the directory of the project's files,
    in the Dockerfile's directory when the Dockerfile is outside the context
    root, and in the directories between the project directory and the
    context. A candidate some build reads (as its ignore file or as a named
    context's) is not reported for the builds that read another one... unless
    it lies in their path: each build near it that does not read it gets the
    finding.
    """
    out: list[Finding] = []
    top = project.directory if project is not None else None
    project_dirs = {Path(os.path.abspath(f)).parent for f in project.files} if project is not None else set()
    for build, ctx, named in audited:
        reads = {ctx.ignore.path.resolve()} if ctx.ignore.path is not None else set()
        reads |= {nctx.ignore.path.resolve() for _, nctx in named if nctx.ignore.path is not None}
        near: list[Path] = [d / ROOT_IGNORE for d in sorted(project_dirs)]
        if build.dockerfile is not None and build.dockerfile.parent.resolve() != ctx.root:
            near.append(build.dockerfile.parent / ROOT_IGNORE)
        if top is not None and build.context is not None:
            d = build.context.parent
            while top in d.parents or d == top:
                near.append(d / ROOT_IGNORE)
                d = d.parent
        applies = _label(ctx.ignore.path, project) if ctx.ignore.path is not None else "none"
        path, line = declared(build)
        seen: set[Path] = set()
        for cand in near:
            real = cand.resolve() if cand.exists() else None
            if real is None or real in seen or real in reads or not cand.is_file():
                continue
            if real.parent == ctx.root:  # replaced by a per-Dockerfile file: CA210 says so
                continue
            seen.add(real)
            where = _label(cand, project)
            why = "lies outside its context"
            if build.dockerfile is not None and cand.parent == build.dockerfile.parent:
                why = "sits next to the Dockerfile, which BuildKit reads only as <Dockerfile>.dockerignore"
            out.append(
                Finding(
                    MISPLACED_IGNORE,
                    f"{build.title}: {where} {why}; this build sends {_label(ctx.root, project)}/ "
                    + (f"with ignore file {applies}" if ctx.ignore.path is not None else "with no ignore file"),
                    path,
                    line,
                    fix=_move_lines(where, ctx, applies, project),
                )
            )
    return out
