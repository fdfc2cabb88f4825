"""Which Dockerfile instruction made which entry of an image's history.

Every instruction of the stages a target is built from leaves one history
entry in the image config (FROM leaves none; the base image's entries come
first). The builders write ``created_by`` differently:

=========  ===============================================  ==============================================
            BuildKit (moby/buildkit dockerfile2llb)          legacy builder (moby/moby builder/dockerfile)
=========  ===============================================  ==============================================
RUN         ``RUN /bin/sh -c CMD # buildkit``, with          ``/bin/sh -c CMD``, with ``|N A=1 ...``
            ``|N A=1 ...`` before the shell when build       before it when build arguments are set
            arguments are set
COPY/ADD    ``COPY SRC... DEST # buildkit`` (flags dropped)  ``/bin/sh -c #(nop) COPY file:HASH in DEST``
others      ``WORKDIR /app``, ``ENV A=b``, ``ARG X=1``        ``/bin/sh -c #(nop)  WORKDIR /app``
=========  ===============================================  ==============================================

The entries are matched from the end: the last instruction with the last
entry, and so on up, by instruction kind; RUN commands and COPY/ADD
arguments are compared as text, and a difference (another Dockerfile,
other build arguments) is reported. What precedes the first matched entry
is the base image. ``ARG`` may leave no entry (builders differ) and is
skipped when the kinds disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Dockerfile, Stage
from .parser import Instruction

KEYWORDS = {
    "RUN",
    "COPY",
    "ADD",
    "WORKDIR",
    "ENV",
    "ARG",
    "LABEL",
    "USER",
    "EXPOSE",
    "VOLUME",
    "CMD",
    "ENTRYPOINT",
    "HEALTHCHECK",
    "SHELL",
    "STOPSIGNAL",
    "ONBUILD",
    "MAINTAINER",
}
_OPTIONAL = {"ARG"}
_NOP = re.compile(r"^/bin/sh -c #\(nop\)\s*")
_SHELL = re.compile(r"(?:^|\s)(?:/bin/sh|/bin/bash|/bin/ash|sh|bash)\s+-c\s+")
_BUILD_ARGS = re.compile(r"^\|\d+\s")
_LEGACY_COPY = re.compile(r"^(?:file|dir|multi):[0-9a-f]+ in (.*)$")
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Step:
    """A history entry, read: instruction kind ("" when unknown) and its text."""

    kind: str
    text: str
    builder: str  # "buildkit" | "legacy" | ""


def _command(text: str) -> str:
    """A RUN's command without the build-argument prefix and the shell."""
    if _BUILD_ARGS.match(text):
        m = _SHELL.search(text)
        if m:
            return text[m.end() :]
    m = _SHELL.match(text)
    return text[m.end() :] if m else text


def read_step(created_by: str) -> Step:
    s = created_by.strip()
    builder = ""
    if s.endswith("# buildkit"):
        s, builder = s[: -len("# buildkit")].rstrip(), "buildkit"
    m = _NOP.match(s)
    if m:
        word, _, text = s[m.end() :].partition(" ")
        return Step(word.upper() if word.upper() in KEYWORDS else "", _norm(text), "legacy")
    first, _, rest = s.partition(" ")
    if first in KEYWORDS:
        return Step(first, _norm(_command(rest) if first == "RUN" else rest), builder or "buildkit")
    if _BUILD_ARGS.match(s) or _SHELL.match(s):
        return Step("RUN", _norm(_command(s)), "legacy")
    return Step("", _norm(s), builder)


def short(created_by: str) -> str:
    """A history entry for people: without ``# buildkit`` and ``/bin/sh -c #(nop)``."""
    s = created_by.strip()
    if s.endswith("# buildkit"):
        s = s[: -len("# buildkit")]
    return _norm(_NOP.sub("", s.strip()))


@dataclass(frozen=True)
class Planned:
    """An instruction of the target's stages, as its history entry should read."""

    ins: Instruction
    stage: Stage
    kind: str
    texts: tuple[str, ...]  # acceptable texts ("" = kind alone decides)

    @property
    def line(self) -> int:
        return self.ins.start

    @property
    def instruction(self) -> str:
        return _norm(self.ins.original)


@dataclass
class HistoryMatch:
    planned: Planned | None = None  # None: the base image, or nothing matched
    exact: bool = False  # the text agrees too
    note: str = ""  # why the match is doubtful


@dataclass
class HistoryMap:
    """One match per history entry; ``base``: how many entries come from the base
    image, None when the history does not follow the Dockerfile."""

    matches: list[HistoryMatch]
    base: int | None
    notes: list[str] = field(default_factory=list)


def planned(df: Dockerfile) -> list[Planned]:
    """The instructions that leave history entries, target chain order."""
    out: list[Planned] = []
    chain = df.target.chain()
    for stage in chain:
        end = df.stages[stage.index + 1].line if stage.index + 1 < len(df.stages) else None
        for ins in df.parsed.instructions:
            if ins.start <= stage.line or (end is not None and ins.start >= end) or ins.cmd == "from":
                continue
            kind = ins.cmd.upper()
            out.append(Planned(ins, stage, kind, _texts(ins, kind)))
    return out


def _texts(ins: Instruction, kind: str) -> tuple[str, ...]:
    if kind == "RUN":
        words = " ".join(ins.args) if ins.json else ins.rest
        return (_norm(_command(_norm(words))),)
    if kind in ("COPY", "ADD"):
        args = " ".join(a for a in ins.args)
        return (_norm(args), _norm(ins.args[-1]) if ins.args else "")
    return ("",)


def _agree(step: Step, p: Planned) -> tuple[bool, str]:
    wanted = p.texts
    if wanted == ("",):
        return True, ""
    if p.kind in ("COPY", "ADD"):
        legacy = _LEGACY_COPY.match(step.text)
        if legacy:
            dest = _norm(legacy.group(1))
            return (dest == wanted[1], "" if dest == wanted[1] else f"the history copies to {dest}")
        return (step.text == wanted[0], "" if step.text == wanted[0] else f"the history says {p.kind} {step.text}")
    if step.text == wanted[0]:
        return True, ""
    return False, f"the history says RUN {step.text}"


def map_history(created_by: Sequence[str], df: Dockerfile) -> HistoryMap:
    """Match history entries (``created_by`` of each, in order) to ``df``'s instructions."""
    steps = [read_step(c) for c in created_by]
    matches = [HistoryMatch() for _ in steps]
    notes: list[str] = []
    j = len(steps) - 1
    complete = True
    for p in reversed(planned(df)):
        if j < 0:
            if p.kind not in _OPTIONAL:
                notes.append(f"line {p.line}: no history entry left for {p.kind} (the image has fewer entries)")
                complete = False
                break
            continue
        st = steps[j]
        if st.kind == p.kind or (st.kind == "" and p.kind == "RUN"):
            exact, why = _agree(st, p)
            matches[j] = HistoryMatch(p, exact, why)
            if why:
                notes.append(f"line {p.line}: {why}")
            j -= 1
        elif p.kind in _OPTIONAL:
            continue
        else:
            notes.append(
                f"history entry {j + 1} ({_norm(created_by[j])[:60]}) does not match line {p.line} ({p.kind}): "
                "the image was not built from this Dockerfile and target as they are"
            )
            complete = False
            break
    first = df.target.chain()[0]
    if complete and first.base == "scratch" and j >= 0:
        notes.append(f"the Dockerfile builds FROM scratch but {j + 1} history entries precede its own")
        complete = False
    return HistoryMap(matches, j + 1 if complete else None, notes)
