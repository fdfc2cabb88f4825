"""What Docker rejects in a Dockerfile that ctxaudit's reader still takes in.

Each was checked on the engine here (BuildKit and the legacy builder, see
the README): an unknown instruction ("dockerfile parse error line N: unknown
instruction: FOO"), a flag the instruction does not take ("Unknown flag:
frob"), and a ``COPY --from`` of its own stage or a cycle of stages
(BuildKit: "circular dependency detected on stage: a"; the legacy builder,
which can copy only from earlier stages, looks for an image of that name).
Flags are those of current BuildKit (frontend/dockerfile/instructions), so a
flag newer than the engine here (``COPY --exclude``) is not reported.

Arguments BuildKit's instruction parser refuses (instructions/parse.go, the
same words on the legacy builder): ``ENV`` or ``ONBUILD`` with none ("ENV
requires at least one argument"), ``FROM x AS`` without a name ("FROM
requires either one or three arguments"), ``COPY``/``ADD`` with one ("COPY
requires at least two arguments"), a ``HEALTHCHECK`` duration Go's
``time.ParseDuration`` refuses ('time: invalid duration "abc"'), an
``ARG``/``ENV`` value whose substitution cannot be processed ('failed to
process "${": syntax error: missing '}''), a stage name outside
``^[a-z][a-z0-9-_.]*$`` after lower-casing ('invalid name for build stage:
"1bad!"'), and an ``ONBUILD`` whose trigger is ``ONBUILD``, ``FROM`` or
``MAINTAINER`` ("FROM isn't allowed as an ONBUILD trigger").

From the line parser (frontend/dockerfile/parser/line_parsers.go,
parseNameVal): ``ENV``/``LABEL`` whose first word has no ``=`` and no value
after it ("ENV must have two arguments").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Dockerfile, Stage, parse_words
from .parser import Instruction
from .shellwords import WordError, process_word

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


# Go's time.ParseDuration: an optional sign, then "0" or numbers with units.
_DURATION = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)")
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1e3, "\u00b5s": 1e3, "\u03bcs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
_DURATION_FLAGS = ("interval", "timeout", "start-period", "start-interval")


def _duration_problem(flag: str, value: str) -> str | None:
    """BuildKit's parseOptInterval: Go's ParseDuration, then at least 1ms (0 too
    is refused by the engine here: 'Interval "timeout" cannot be less than 1ms')."""
    if not _DURATION.fullmatch(value):
        return f'time: invalid duration "{value}"'
    ns = sum(float(n) * _UNIT_NS[u] for n, u in _PART.findall(value))
    if value.startswith("-"):
        ns = -ns
    if ns < 1e6:
        return f'Interval "{flag}" cannot be less than 1ms'
    return None


@dataclass(frozen=True)
class Rejection:
    line: int
    message: str


def rejections(df: Dockerfile, buildah: bool = False) -> list[Rejection]:
    """Every reason Docker refuses to build ``df``, with the line, in file order.

    ``buildah``: buildah's own parser (v1.44, recorded: dockerfile.rejected-stage-name)
    takes any stage name, so that check is left out."""
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
        problem = _arguments(ins, df.parsed.escape, buildah)
        if problem is not None:
            out.append(Rejection(ins.start, problem))
    out += _cycles(df)
    return sorted(out, key=lambda r: r.line)


# BuildKit's validStageName, matched after strings.ToLower (instructions/parse.go).
_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*")
_WHITESPACE = re.compile(r"[\t\v\f\r ]+")  # the line parser's tokenWhitespace


def _arguments(ins: Instruction, escape: str, buildah: bool = False) -> str | None:
    """What BuildKit's instruction parser says of the arguments, when it refuses them."""
    cmd = ins.cmd
    stage_name = ins.args[2] if cmd == "from" and len(ins.args) == 3 and ins.args[1].lower() == "as" else None
    if stage_name is not None and not buildah and not _STAGE_NAME.fullmatch(stage_name.lower()):
        return f'invalid name for build stage: "{ins.args[2]}", name can\'t start with a number or contain symbols'
    if cmd == "onbuild" and ins.args:
        trigger = ins.args[0].strip().upper()
        if trigger == "ONBUILD":
            return "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
        if trigger in ("FROM", "MAINTAINER"):
            return f"{trigger} isn't allowed as an ONBUILD trigger"
    if cmd in ("env", "label") and ins.args:
        words = parse_words(ins.rest, escape)
        # The old form "ENV name value": a first word without "=" needs a value after it.
        if words and "=" not in words[0] and len(_WHITESPACE.split(ins.rest.strip(" \t\v\f\r"), maxsplit=1)) < 2:
            return f"{cmd.upper()} must have two arguments"
    if cmd in ("env", "onbuild") and not ins.args:
        return f"{cmd.upper()} requires at least one argument"
    if cmd == "from" and len(ins.args) not in (1, 3):
        return "FROM requires either one or three arguments (FROM image [AS name])"
    if cmd in ("copy", "add") and len(ins.args) < 2:
        return f"{cmd.upper()} requires at least two arguments (sources and a destination)"
    if cmd == "healthcheck":
        for flag in _DURATION_FLAGS:
            for value in ins.flag_values(flag):
                problem = _duration_problem(flag, value) if value and value != "true" else None
                if problem is not None:
                    return f"HEALTHCHECK --{flag}={value}: {problem}"
    if cmd in ("arg", "env"):
        for word in parse_words(ins.rest, escape):  # quotes keep spaces: ENV A="x y"
            _, eq, value = word.partition("=")
            if not eq:
                continue
            try:
                process_word(value, {}, escape)
            except WordError as exc:
                return f"{cmd.upper()} {word}: failed to process {value!r}: {exc}"
    return None


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
