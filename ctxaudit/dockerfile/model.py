"""Stages, variables and the instructions that touch the build context.

From the parsed instructions this builds what BuildKit's dispatcher knows:
global and per-stage ARG/ENV (with ``--build-arg`` values), WORKDIR, each
COPY/ADD with its expanded sources, each RUN with its bind mounts, and the
dependencies between stages (FROM another stage, ``COPY --from``,
``RUN --mount=from=``), so that only the stages the target needs count.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from ..engine.gostrings import clean
from .mounts import MountError, check_target, parse_mount
from .parser import Heredoc, Instruction, Parsed, parse, parse_heredoc
from .shellwords import WordError, process_word

# ARGs BuildKit defines in the global scope without a declaration.
AUTOMATIC_ARGS = {
    "BUILDPLATFORM": "linux/amd64",
    "BUILDOS": "linux",
    "BUILDARCH": "amd64",
    "BUILDVARIANT": "",
    "TARGETPLATFORM": "linux/amd64",
    "TARGETOS": "linux",
    "TARGETARCH": "amd64",
    "TARGETVARIANT": "",
}
_GIT = re.compile(r"^(git@|git://|ssh://)|^https?://.*\.git(#.*)?$|^[\w.-]+@[\w.-]+:")


@dataclass
class Source:
    """One COPY/ADD source or bind-mount source."""

    raw: str
    value: str | None  # expanded as a plain build would; None when BuildKit cannot parse it
    unknown: set[str] = field(default_factory=set)  # unset variables it depends on
    kind: str = "context"  # context | url | git | heredoc
    heredoc: Heredoc | None = None

    @property
    def context_path(self) -> str | None:
        """The path inside the context, as BuildKit cleans it ("" = whole context)."""
        if self.kind != "context" or self.value is None:
            return None
        return clean("/" + self.value).lstrip("/")


@dataclass
class Copy:
    ins: Instruction
    stage: Stage
    sources: list[Source]
    dest: str  # absolute, resolved against WORKDIR
    dest_is_dir: bool
    from_: str | None = None  # --from as written (expanded)
    from_stage: Stage | None = None
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    parents: bool = False
    excludes: list[str] = field(default_factory=list)
    from_context: str | None = None  # --from names a named build context

    @property
    def cmd(self) -> str:
        return self.ins.cmd.upper()

    @property
    def line(self) -> int:
        return self.ins.start

    @property
    def takes_context(self) -> bool:
        return self.from_ is None

    @property
    def context_name(self) -> str | None:
        """The context its sources come from: "" the main one, a named one, None a stage or image."""
        return "" if self.from_ is None else self.from_context


@dataclass
class Mount:
    type: str
    source: Source
    target: str
    from_: str | None
    from_stage: Stage | None = None
    from_context: str | None = None  # from= names a named build context
    error: str | None = None  # BuildKit rejects this --mount (ctxaudit.dockerfile.mounts)
    spec: str = ""  # the --mount value as written

    @property
    def context_name(self) -> str | None:
        """The context a bind mount takes from ("" the main one), None for other mounts."""
        if self.type != "bind":
            return None
        return "" if self.from_ is None else self.from_context


@dataclass
class Run:
    ins: Instruction
    stage: Stage
    shell_form: bool
    command: str  # shell text, or the exec-form arguments joined by spaces
    argv: list[str]
    mounts: list[Mount] = field(default_factory=list)
    env: dict[str, str | None] = field(default_factory=dict)
    workdir: str = "/"

    @property
    def line(self) -> int:
        return self.ins.start


@dataclass
class Stage:
    index: int
    name: str | None
    base: str
    base_stage: Stage | None
    line: int
    copies: list[Copy] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    commands: list[Copy | Run | Instruction] = field(default_factory=list)
    # State at the end of the stage (so far, while dispatching): a stage
    # built FROM this one starts with it.
    env: dict[str, str | None] = field(default_factory=dict)
    workdir: str = "/"
    # Named build contexts (BuildKit, dockerfile2llb/convert.go): the stage *is*
    # a named context of its own name (its instructions are not run), or is
    # built FROM one.
    context: str | None = None
    base_context: str | None = None
    workdirs: list[str] = field(default_factory=list)  # each WORKDIR's directory (it creates it)

    @property
    def label(self) -> str:
        return self.name or str(self.index)

    def chain(self) -> list[Stage]:
        """This stage and the stages it is built FROM, base first."""
        out: list[Stage] = []
        s: Stage | None = self
        while s is not None:
            out.append(s)
            s = s.base_stage
        return out[::-1]


@dataclass
class Dockerfile:
    parsed: Parsed
    stages: list[Stage]
    target: Stage
    findings: list[tuple[str, int, str]]  # (kind, line, message) for the rules

    def needed_stages(self, all_before_target: bool = False) -> list[Stage]:
        """Stages built for the target: BuildKit's reachable set, or with
        ``all_before_target`` every stage up to the target (legacy builder)."""
        if all_before_target:
            return self.stages[: self.target.index + 1]
        seen: dict[int, Stage] = {}
        todo = [self.target]
        while todo:
            s = todo.pop()
            if s.index in seen:
                continue
            seen[s.index] = s
            if s.base_stage is not None:
                todo.append(s.base_stage)
            for c in s.copies:
                if c.from_stage is not None:
                    todo.append(c.from_stage)
            for r in s.runs:
                todo.extend(m.from_stage for m in r.mounts if m.from_stage is not None)
        return [seen[i] for i in sorted(seen)]

    def context_mounts(self, all_before_target: bool = False) -> list[tuple[Run, Mount]]:
        return [
            (r, m)
            for s in self.needed_stages(all_before_target)
            for r in s.runs
            for m in r.mounts
            if m.type == "bind" and m.from_ is None
        ]


class DockerfileModelError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def _expand(word: str, env: Mapping[str, str | None], escape: str) -> tuple[str | None, set[str]]:
    """(expanded word, unset variables it references); None when BuildKit
    cannot process the word at all."""
    try:
        r = process_word(word, env, escape)
    except WordError:
        return None, set()
    return r.value, r.unknown


def context_key(name: str) -> str:
    """A named context's name as BuildKit compares it (reference.ParseNormalizedNamed,
    FamiliarString, ``:latest`` trimmed; dockerui/namedcontext.go)."""
    key = name.lower()
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    return key.removesuffix(":latest")


def build_model(
    text: str,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    named_contexts: Collection[str] = (),
) -> Dockerfile:
    """Parse and dispatch a Dockerfile far enough to know what it takes from the context.

    ``named_contexts``: the names of the build's named contexts. As BuildKit
    resolves them (dockerfile2llb/convert.go): a stage named like one is
    replaced by it (its instructions are not run); ``FROM n`` of a name that
    is no earlier stage starts from it; ``COPY --from=n`` and
    ``RUN --mount=from=n`` take from it unless n is an earlier stage
    (``scratch`` and ``context`` are never redirected).
    """
    parsed = parse(text)
    named = {context_key(n): n for n in named_contexts if context_key(n) not in ("scratch", "context")}
    args = dict(build_args or {})
    esc = parsed.escape
    meta: dict[str, str | None] = {k: args.get(k, v) for k, v in AUTOMATIC_ARGS.items()}
    stages: list[Stage] = []
    by_name: dict[str, Stage] = {}
    notes: list[tuple[str, int, str]] = []
    stage: Stage | None = None

    def lookup(ref: str) -> Stage | None:
        if ref.lower() in by_name:
            return by_name[ref.lower()]
        if ref.isdigit() and int(ref) < len(stages):
            return stages[int(ref)]
        return None

    def named_source(ref: str | None) -> str | None:
        """The named context ``--from=ref`` takes from: a stage replaced by one, or an unknown name."""
        if ref is None:
            return None
        s = lookup(ref)
        if s is not None:
            return s.context
        return named.get(context_key(ref))

    for ins in parsed.instructions:
        if ins.cmd == "from":
            if not ins.args:
                raise DockerfileModelError(ins.start, "FROM requires an image")
            base_raw = ins.args[0]
            base, unknown = _expand(base_raw, meta, esc)
            name = ins.args[2] if len(ins.args) >= 3 and ins.args[1].lower() == "as" else None
            base_stage = lookup(base) if base else None
            if base is None:
                notes.append(("dynamic-from", ins.start, f"FROM {base_raw}: {', '.join(sorted(unknown))} unknown"))
            stage = Stage(len(stages), name, base or base_raw, base_stage, ins.start)
            if name and context_key(name) in named:
                stage.context = named[context_key(name)]
            elif base_stage is not None and base_stage.context is not None:
                stage.base_context = base_stage.context
                stage.base_stage = None
            elif base_stage is None and base and context_key(base) in named:
                stage.base_context = named[context_key(base)]
            if base_stage is not None:
                stage.env = dict(base_stage.env)
                stage.workdir = base_stage.workdir
            stages.append(stage)
            if name:
                by_name[name.lower()] = stage
            continue
        if ins.cmd == "arg":
            scope = meta if stage is None else stage.env
            for word in ins.args:
                key, eq, default = word.partition("=")
                if key in args:
                    value: str | None = args[key]
                elif eq:
                    value, _ = _expand(default, scope, esc)
                elif stage is not None and key in meta:
                    value = meta[key]  # re-declared global ARG
                else:
                    value = None
                scope[key] = value
            continue
        if stage is None or stage.context is not None:
            continue  # only ARG may precede FROM; a stage replaced by a named context is not run
        env = stage.env
        if ins.cmd == "env":
            for key, value in _env_pairs(ins, esc):
                env[key], _ = _expand(value, env, esc)
            stage.commands.append(ins)
        elif ins.cmd == "workdir":
            w, _ = _expand(ins.rest, env, esc)
            if w is not None:
                stage.workdir = clean(posixpath.join(stage.workdir, w))
                stage.workdirs.append(stage.workdir)
            stage.commands.append(ins)
        elif ins.cmd in ("copy", "add") and len(ins.args) < 2:
            stage.commands.append(ins)  # Docker rejects it (validate.rejections: CA305); it copies nothing
        elif ins.cmd in ("copy", "add"):
            c = _copy(ins, stage, env, stage.workdir, esc, lookup)
            c.from_context = named_source(c.from_)
            if c.from_context is not None:
                c.from_stage = None
            stage.copies.append(c)
            stage.commands.append(c)
        elif ins.cmd == "run":
            r = _run(ins, stage, env, esc, lookup)
            for m in r.mounts:
                m.from_context = named_source(m.from_)
                if m.from_context is not None:
                    m.from_stage = None
            r.workdir = stage.workdir
            stage.runs.append(r)
            stage.commands.append(r)
        else:
            stage.commands.append(ins)
    if not stages:
        raise DockerfileModelError(0, "no FROM instruction")
    tgt = stages[-1]
    if target is not None:
        found = lookup(target)
        if found is None:
            raise DockerfileModelError(0, f"target stage {target!r} could not be found")
        tgt = found
    return Dockerfile(parsed, stages, tgt, notes)


def _env_pairs(ins: Instruction, escape: str) -> list[tuple[str, str]]:
    words = ins.args
    if words and "=" not in words[0]:
        parts = ins.rest.split(None, 1)
        return [(parts[0], parts[1] if len(parts) > 1 else "")]
    out = []
    for w in parse_words(ins.rest, escape):
        key, _, value = w.partition("=")
        out.append((key, value))
    return out


def parse_words(text: str, escape: str) -> list[str]:
    """BuildKit's parseWords (the name=value list of ENV): split on unquoted
    whitespace, keeping quotes and escapes; the escape directive applies."""
    words: list[str] = []
    cur: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote == '"':
                if i + 1 == len(text):
                    break  # a trailing escape is dropped
                cur.append(ch)
                i += 1
                ch = text[i]
            cur.append(ch)
        elif ch.isspace():
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            if ch in "'\"":
                quote = ch
            elif ch == escape:
                if i + 1 == len(text):
                    break  # a trailing escape is dropped
                cur.append(ch)
                i += 1
                ch = text[i]
            cur.append(ch)
        i += 1
    if cur:
        words.append("".join(cur))
    return words


Lookup = Callable[[str], "Stage | None"]


def _expanded(doc: Heredoc, env: Mapping[str, str | None]) -> Heredoc:
    """A COPY/ADD heredoc's body as the file holds it: with an unquoted name its
    variables are expanded, quotes kept, with ``\\`` as the escape whatever
    the directive says (SourcesAndDest.ExpandRaw). buildah (imagebuilder's
    processHereDocs) expands with quotes and escapes acting but kept: ``\\d``
    stays, ``'$X'`` is not expanded; that body is ``buildah_content`` when it
    differs."""
    if not doc.expand:
        return doc
    try:
        body = process_word(doc.content, env, "\\", skip_quotes=True).value
    except WordError:
        body = doc.content  # BuildKit fails the build on it; keep the text for the sizes
    try:
        theirs: str | None = process_word(doc.content, env, "\\", raw=True).value
    except WordError:
        theirs = doc.content
    return dataclasses.replace(doc, content=body, buildah_content=theirs if theirs != body else None)


def _copy(ins: Instruction, stage: Stage, env: dict[str, str | None], workdir: str, esc: str, lookup: Lookup) -> Copy:
    if len(ins.args) < 2:
        raise DockerfileModelError(ins.start, f"{ins.cmd.upper()} requires at least two arguments")
    raw_sources, raw_dest = ins.args[:-1], ins.args[-1]
    docs = {d.name: d for d in ins.heredocs}
    sources: list[Source] = []
    for raw in raw_sources:
        doc = parse_heredoc(raw)
        if doc is not None and doc.name in docs:
            sources.append(Source(raw, docs[doc.name].name, kind="heredoc", heredoc=_expanded(docs[doc.name], env)))
            continue
        value, unknown = _expand(raw, env, esc)
        kind = "context"
        if ins.cmd == "add" and value is not None:
            if value.startswith(("http://", "https://")) and not _GIT.match(value):
                kind = "url"
            elif _GIT.match(value):
                kind = "git"
        sources.append(Source(raw, value, unknown, kind))
    dest_value, _ = _expand(raw_dest, env, esc)
    dest_raw = dest_value if dest_value is not None else raw_dest
    dest = clean(posixpath.join(workdir, dest_raw)) if dest_raw else workdir
    dest_is_dir = dest_raw.endswith("/") or len(sources) > 1 or dest_raw in (".", "")
    from_raw = ins.flag("from")
    from_value = None
    from_stage = None
    if from_raw is not None:
        from_value, _ = _expand(from_raw, env, esc)
        from_value = from_value if from_value is not None else from_raw
        from_stage = lookup(from_value)
    excludes = []
    for e in ins.flag_values("exclude"):
        v, _ = _expand(e, env, esc)
        excludes.append(v if v is not None else e)
    return Copy(
        ins,
        stage,
        sources,
        dest,
        dest_is_dir,
        from_value,
        from_stage,
        chown=ins.flag("chown"),
        chmod=ins.flag("chmod"),
        link=ins.flag("link") in ("true", ""),
        parents=ins.flag("parents") in ("true", ""),
        excludes=excludes,
    )


def _mount(spec: str, env: dict[str, str | None], esc: str, workdir: str, lookup: Lookup) -> Mount:
    """One ``--mount`` as BuildKit dispatches it (values expanded with the
    stage's variables, as current BuildKit does)."""

    def expand(word: str) -> str:
        value, _ = _expand(word, env, esc)
        if value is None:
            raise MountError(f"cannot expand {word!r}")
        return value

    try:
        m = parse_mount(spec, expand)
        target = expand(m.target)
        check_target(m, target, workdir)
    except MountError as exc:
        return Mount("invalid", Source("", None), "", None, error=str(exc), spec=spec)
    value, unknown = _expand(m.source, env, esc)
    from_stage = lookup(m.from_) if m.from_ else None
    return Mount(m.type, Source(m.source, value, unknown), target, m.from_, from_stage, spec=spec)


def _run(ins: Instruction, stage: Stage, env: dict[str, str | None], esc: str, lookup: Lookup) -> Run:
    mounts = [_mount(spec, env, esc, stage.workdir, lookup) for spec in ins.flag_values("mount")]
    if ins.json:
        return Run(ins, stage, False, " ".join(ins.args), list(ins.args), mounts, dict(env))
    return Run(ins, stage, True, ins.rest, [], mounts, dict(env))


def load(path: str, build_args: Mapping[str, str] | None = None, target: str | None = None) -> Dockerfile:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return build_model(f.read(), build_args, target)
