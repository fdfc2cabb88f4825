"""CA3xx: COPY/ADD and bind-mount sources against the context (and CA31x:
mounts BuildKit rejects, COPY --from of paths a stage cannot hold, wildcards
that match nothing)."""

from __future__ import annotations

from ..classify import kinds, suffixes
from ..common.display import count
from ..common.display import size as human
from ..dockerfile import validate
from ..dockerfile.usage import DockerfileUsage
from ..engine.builder import Builder
from ..engine.containers import escape
from . import rule
from .findings import Finding, Severity

IGNORED_SOURCE = rule(
    "CA300",
    "copy-ignored-source",
    Severity.ERROR,
    "A COPY/ADD or bind-mount source is excluded by the ignore file: the build fails.",
    "BuildKit answers 'failed to compute cache key: not found' and the legacy builder 'file not found in "
    "build context or excluded by .dockerignore'. An exception (!) for a file inside an excluded directory "
    "does not help when the source is the directory or another file. Remove the line that excludes it or "
    "add an exception for exactly this path.",
)
MISSING_SOURCE = rule(
    "CA301",
    "copy-missing-source",
    Severity.ERROR,
    "A COPY/ADD or bind-mount source does not exist in the context: the build fails.",
    "Check the path relative to the context (not to the Dockerfile) and the build arguments it depends on.",
)
DYNAMIC_SOURCE = rule(
    "CA302",
    "dynamic-source",
    Severity.WARNING,
    "A COPY/ADD or bind-mount source depends on a build argument with no value here.",
    "ctxaudit analyses the source as a plain `docker build` would (the variable unset). Pass the value "
    "your build uses with --build-arg NAME=VALUE to audit that build instead.",
)
INVALID_SOURCE = rule(
    "CA303",
    "invalid-source",
    Severity.ERROR,
    "BuildKit cannot parse a COPY/ADD source (unterminated quote, bad substitution).",
    'Use the JSON form for paths with spaces: COPY ["my dir/file", "/dest/"].',
)
JUNK_INTO_IMAGE = rule(
    "CA304",
    "copy-junk-into-image",
    Severity.WARNING,
    "A broad COPY/ADD sweeps caches, virtualenvs, dependencies, build output, coverage reports, archives or logs "
    "into the image.",
    "Every byte a COPY takes is stored in a layer of the image. Reported only for what a broad source "
    "(`.`, a whole tree) sweeps in from below; a COPY whose source names the artefact (`COPY dist/app ...`, "
    "`COPY target/*.jar app.jar`, `COPY --from=build /app/dist ...`) is deliberate. Exclude these paths in the "
    "ignore file (the fix gives the lines; ctxaudit suggest proposes them) or copy narrower paths.",
)
REJECTED = rule(
    "CA305",
    "dockerfile-rejected",
    Severity.ERROR,
    "Docker rejects this Dockerfile: the build fails.",
    "An unknown instruction, a flag the instruction does not take, arguments it refuses (ENV or ONBUILD with "
    "none, FROM x AS without a name, COPY with one, a bad HEALTHCHECK duration, an unclosed ${ in ARG/ENV), or "
    "a COPY --from of its own stage or a cycle of stages stops `docker build` before anything runs. ctxaudit "
    "still reads the rest of the file.",
)
INVALID_MOUNT = rule(
    "CA311",
    "invalid-mount",
    Severity.ERROR,
    "BuildKit rejects this RUN --mount (unknown key or type, bad value, no target): the build fails.",
    "The value is CSV of key=value pairs: type=bind|cache|tmpfs|secret|ssh, source, target, from, ro/rw, and "
    "per type id, sharing, size, mode, uid, gid, required. A bind mount needs a target other than '/'.",
)
FROM_MISSING = rule(
    "CA312",
    "copy-from-missing-path",
    Severity.ERROR,
    "COPY --from (or a bind mount from=) names a path the stage cannot hold: the build fails.",
    "The stage starts FROM scratch and has no RUN, so it holds only what its COPY/ADD and WORKDIR "
    "instructions create. Copy a path one of them writes.",
)
EMPTY_WILDCARD = rule(
    "CA313",
    "wildcard-matches-nothing",
    Severity.WARNING,
    "A COPY/ADD wildcard source matches nothing: BuildKit copies nothing (the legacy builder fails).",
    "BuildKit allows an empty wildcard and silently copies nothing, which is almost always a mistake: a "
    "file was renamed, excluded by the ignore file, or the pattern is wrong.",
)
JUNK_KINDS = ("venv", "cache", "archive", "log", "litter", "dependencies", "build", "coverage")  # VCS data: CA404


def check(usage: DockerfileUsage, dockerfile: str) -> list[Finding]:
    out: list[Finding] = [
        Finding(REJECTED, f"{r.message}: the build fails", path=dockerfile, line=r.line, subject=r.message)
        for r in validate.rejections(usage.df, buildah=usage.builder is Builder.BUILDAH)
    ]
    for p in usage.problems:
        r = {
            "ignored": IGNORED_SOURCE,
            "missing": MISSING_SOURCE,
            "dynamic": DYNAMIC_SOURCE,
            "invalid": INVALID_SOURCE,
            "mount": INVALID_MOUNT,
            "from-missing": FROM_MISSING,
            "empty-wildcard": EMPTY_WILDCARD,
        }[p.kind]
        fix = None
        message = p.message
        if p.kind == "ignored" and p.source.context_path:
            fix = f"add '!{escape(p.source.context_path)}' at the end of the ignore file"
        if p.kind == "missing" and p.source.context_path:
            made = _build_output(p.source.context_path)
            if made is not None:
                message += f" ({made}/ holds build output: the build fails until a step before `docker build` makes it)"
        out.append(Finding(r, message, path=dockerfile, line=p.line, fix=fix))
    for u in usage.image_copies():
        junk = sorted(
            ((k, c) for k, c in u.swept.items() if k in JUNK_KINDS and c.bytes > 0),
            key=lambda kc: -kc[1].bytes,
        )
        if junk:
            total = sum(c.bytes for _, c in junk)
            parts = ", ".join(f"{k} {human(c.bytes)} ({count(c.files, 'file')})" for k, c in junk[:4])
            lines = list(dict.fromkeys(ignore_line(a) for k, _ in junk for a in u.swept_anchors.get(k, ())))
            out.append(
                Finding(
                    JUNK_INTO_IMAGE,
                    f"{u.copy.cmd} at line {u.line} sweeps {human(total)} of junk into the image: {parts}",
                    path=dockerfile,
                    line=u.line,
                    bytes=total,
                    fix=f"add to the ignore file: {', '.join(lines[:8])} (ctxaudit suggest proposes them)",
                )
            )
    return out


def _build_output(path: str) -> str | None:
    """The build-output directory (``target``, ``dist``...) a missing source lies in, if any."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1] if len(parts) > 1 else parts):
        if kinds.DIR_KINDS.get(part) == "build":
            return "/".join(parts[: i + 1])
    return None


def ignore_line(anchor: str) -> str:
    """The ignore line that drops a swept-in path at any depth, as ctxaudit
    suggest writes it: ``**/__pycache__`` for a kinded directory, ``**/*.log``
    for a file kinded by its suffix, ``**/NAME`` otherwise."""
    name = anchor.rpartition("/")[2]
    if kinds.dir_kind(name) is None and name not in kinds.FILE_NAMES:
        found = suffixes.longest(name, kinds.FILE_SUFFIXES)
        if found is not None:
            return f"**/*{escape(name[found[0] :])}"
    return f"**/{escape(name)}"
