"""RUN commands parsed as shell, with bashlex.

bashlex is a Python port of GNU bash's parser (it backs explainshell.com):
it understands ``&&``, ``||``, ``;``, pipes, subshells, ``if``/``for``,
command substitution and assignments, which text matching gets wrong
(``rm`` inside ``echo "rm"``, a ``--no-cache-dir`` in another command of the
pipeline). ``sh -c '...'`` and ``bash -c`` scripts are parsed in turn, and a
RUN heredoc (``RUN <<EOF``) is parsed as the script it is. Where bashlex
gives up (rare syntax), the text is split on ``&&``/``;`` as a fallback and
marked ``approximate``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import bashlex

from .model import Run


@dataclass
class Command:
    words: list[str]  # argv, as written (quotes removed)
    env: dict[str, str] = field(default_factory=dict)  # VAR=value prefixes
    redirects: list[str] = field(default_factory=list)  # files written with > or >>

    @property
    def name(self) -> str:
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""

    def args(self) -> list[str]:
        return self.words[1:]

    def has(self, *flags: str) -> bool:
        return any(w == f or w.startswith(f + "=") for w in self.words for f in flags)


@dataclass
class Script:
    commands: list[Command]
    approximate: bool = False
    text: str = ""

    def find(self, name: str, sub: str | None = None) -> list[Command]:
        """Commands called ``name`` (``apt-get``), optionally with a first argument (``install``)."""
        out = []
        for c in self.commands:
            if c.name != name:
                continue
            if sub is None:
                out.append(c)
                continue
            positional = [w for w in c.args() if not w.startswith("-")]
            if positional[:1] == [sub]:
                out.append(c)
        return out


class _Visitor(bashlex.ast.nodevisitor):  # type: ignore[misc]
    def __init__(self, out: list[Command]) -> None:
        self.out = out

    def visitcommand(self, node: Any, parts: list[Any]) -> None:
        words: list[str] = []
        env: dict[str, str] = {}
        redirects: list[str] = []
        for p in parts:
            kind = p.kind
            if kind == "word":
                words.append(str(p.word))
            elif kind == "assignment" and not words:
                key, _, value = str(p.word).partition("=")
                env[key] = value
            elif kind == "redirect" and p.type in (">", ">>") and getattr(p.output, "kind", "") == "word":
                redirects.append(str(p.output.word))
        if words or env:
            self.out.append(Command(words, env, redirects))


def _nested(c: Command) -> str | None:
    """The script of ``sh -c '...'`` / ``bash -c``."""
    if c.name in ("sh", "bash", "dash", "ash", "zsh") and "-c" in c.words:
        i = c.words.index("-c")
        if i + 1 < len(c.words):
            return c.words[i + 1]
    return None


def parse(text: str, depth: int = 0) -> Script:
    """Parse a shell script into its simple commands (nested ``sh -c`` included)."""
    commands: list[Command] = []
    approximate = False
    try:
        visitor = _Visitor(commands)
        for tree in bashlex.parse(text):
            visitor.visit(tree)
    except Exception:  # bashlex raises a family of its own errors
        approximate = True
        commands = []
        for part in re.split(r"&&|\|\||;|\|", text):
            try:
                words = shlex.split(part)
            except ValueError:
                words = part.split()
            env = {}
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                k, _, v = words.pop(0).partition("=")
                env[k] = v
            if words or env:
                commands.append(Command(words, env))
    if depth < 3:
        expanded: list[Command] = []
        for c in commands:
            expanded.append(c)
            inner = _nested(c)
            if inner is not None:
                sub = parse(inner, depth + 1)
                expanded.extend(sub.commands)
                approximate = approximate or sub.approximate
        commands = expanded
    return Script(commands, approximate, text)


def run_script(run: Run) -> Script:
    """The shell script a RUN executes (its heredoc body for ``RUN <<EOF``)."""
    if not run.shell_form:
        argv = run.argv
        if argv and argv[0].rsplit("/", 1)[-1] in ("sh", "bash") and "-c" in argv:
            i = argv.index("-c")
            return parse(argv[i + 1]) if i + 1 < len(argv) else Script([])
        return Script([Command(list(argv))], text=" ".join(argv))
    if run.ins.heredocs:
        body = "\n".join(h.content for h in run.ins.heredocs)
        head = re.sub(r"<<-?\s*['\"]?\w+['\"]?", "", run.command)
        return parse((head + "\n" + body) if head.strip() else body)
    return parse(run.command)
