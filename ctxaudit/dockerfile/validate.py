"""What Docker rejects in a Dockerfile that ctxaudit's reader still takes in.

Each was checked on the engine here (BuildKit and the legacy builder, see
the README): an unknown instruction ("dockerfile parse error line N: unknown
instruction: FOO"), a flag the instruction does not take ("Unknown flag:
frob"), and a ``COPY --from`` of its own stage or a cycle of stages
(BuildKit: "circular dependency detected on stage: a"; the legacy builder,
which can copy only from earlier stages, looks for an image of that name).
Flags are those of current BuildKit (frontend/dockerfile/instructions), so a
flag newer than the engine here (``COPY --exclude``) is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Dockerfile, Stage

INSTRUCTIONS = frozenset(
    [
        "add",
        "arg",
        "cmd",
        "copy",
        "entrypoint",
        "env",
        "expose",
        "from",
        "healthcheck",
        "label",
        "maintainer",
        "onbuild",
        "run",
        "shell",
        "stopsignal",
        "user",
        "volume",
        "workdir",
    ]
)
FLAGS: dict[str, frozenset[str]] = {
    "from": frozenset({"platform"}),
    "copy": frozenset({"from", "chown", "chmod", "link", "parents", "exclude"}),
    "add": frozenset({"chown", "chmod", "link", "keep-git-dir", "checksum", "exclude", "unpack"}),
    "run": frozenset({"mount", "network", "security", "device"}),
    "healthcheck": frozenset({"interval", "timeout", "start-period", "start-interval", "retries"}),
}


@dataclass(frozen=True)
class Rejection:
    line: int
    message: str


def rejections(df: Dockerfile) -> list[Rejection]:
    """Every reason Docker refuses to build ``df``, with the line, in file order."""
    out: list[Rejection] = []
    for ins in df.parsed.instructions:
        if ins.cmd not in INSTRUCTIONS:
            out.append(Rejection(ins.start, f"unknown instruction: {ins.cmd.upper()}"))
            continue
        allowed = FLAGS.get(ins.cmd, frozenset())
        for flag in ins.flags:
            name = flag[2:].partition("=")[0]
            if name not in allowed:
                known = ", ".join(f"--{f}" for f in sorted(allowed)) or "none"
                out.append(Rejection(ins.start, f"{ins.cmd.upper()}: unknown flag --{name} (it takes: {known})"))
    out += _cycles(df)
    return sorted(out, key=lambda r: r.line)


def _stage_named(df: Dockerfile, ref: str) -> Stage | None:
    """A stage by name (any position, as BuildKit resolves COPY --from) or index."""
    for s in df.stages:
        if s.name is not None and s.name.lower() == ref.lower():
            return s
    if ref.isdigit() and int(ref) < len(df.stages):
        return df.stages[int(ref)]
    return None


def _cycles(df: Dockerfile) -> list[Rejection]:
    deps: dict[int, list[tuple[int, int, str]]] = {}  # stage -> (stage it needs, line, how)
    for s in df.stages:
        edges = deps.setdefault(s.index, [])
        if s.base_stage is not None:
            edges.append((s.base_stage.index, s.line, f"FROM {s.base_stage.label}"))
        for c in s.copies:
            if c.from_ is not None and (t := _stage_named(df, c.from_)) is not None:
                edges.append((t.index, c.line, f"{c.cmd} --from={c.from_}"))
        for r in s.runs:
            for m in r.mounts:
                if m.from_ is not None and (t := _stage_named(df, m.from_)) is not None:
                    edges.append((t.index, r.line, f"RUN --mount=from={m.from_}"))
    out: list[Rejection] = []
    reported: set[int] = set()
    for s in df.stages:
        path = _cycle_from(s.index, deps)
        if path is None or s.index in reported:
            continue
        reported.update(i for i, _, _ in path)
        first_line, how = path[0][1], path[0][2]
        names = " -> ".join(df.stages[i].label for i, _, _ in path)
        name = s.label
        if len(path) == 1 and path[0][0] == s.index:
            detail = f"{how} in stage {s.label} refers to its own stage"
        else:
            detail = f"{how} closes the cycle {s.label} -> {names}"
        out.append(
            Rejection(
                first_line,
                f"{detail}: BuildKit fails (circular dependency detected on stage: {name}); the legacy builder, "
                "which copies only from earlier stages, looks for an image of that name",
            )
        )
    return out


def _cycle_from(start: int, deps: dict[int, list[tuple[int, int, str]]]) -> list[tuple[int, int, str]] | None:
    """The edges of a cycle back to ``start``, if any (depth first)."""
    stack: list[tuple[int, list[tuple[int, int, str]]]] = [(start, [])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        for edge in deps.get(node, ()):
            target = edge[0]
            if target == start:
                return [*path, edge]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, edge]))
    return None
