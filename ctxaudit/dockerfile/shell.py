"""RUN commands parsed as shell, with tree-sitter-bash.

tree-sitter-bash (MIT) is a full bash grammar: ``&&``, ``||``, ``;``, pipes,
subshells, ``if``/``for``/``case``, ``[[ ]]``, ``$(( ))``, command and
process substitution, heredocs and assignments, which text matching gets
wrong (``rm`` inside ``echo "rm"``, a ``--no-cache-dir`` in another command
of the pipeline). The tree is read into the simple commands the rules need:
argv after quote removal (expansions kept as written), ``VAR=value``
prefixes, ``>``/``>>`` targets. ``sh -c '...'`` and ``bash -c`` scripts, and
the heredoc a shell reads as its script (``bash <<EOF``), are parsed in
turn; a heredoc fed to anything else (``python3 <<EOF``, ``cat <<EOF > f``)
is data, as in bash.

The parser never fails: on a syntax error the tree has ERROR nodes, the
commands around them are kept and the script is marked ``approximate``.

Known grammar bugs, worked around here (tree-sitter-bash 0.25; pinned by
the minor version in pyproject.toml, and each has a test):

* tree-sitter-bash#345: in ``a && b > f`` and ``a | b > f`` the redirect is
  hung on the whole list or pipeline; in bash it belongs to the last command.
* tree-sitter-bash#233: ``cmd > out arg`` reads ``arg`` as a second
  redirect destination; in bash it is an argument.
* ``a\\<newline>b`` is split into two words; bash reads one word ``ab``.
* ``<<EOF bash`` (a heredoc before the command name) is a syntax error in
  the grammar; ``bash <<EOF`` is the same command.

Not worked around (the script is marked approximate): tree-sitter-bash#346,
a heredoc line that goes on with ``;`` or a redirect and a pipe.

The parser is loaded on first use: commands that read no RUN never import it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import Run

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_SHELLS = ("sh", "bash", "dash", "ash", "zsh")
_MAX_DEPTH = 3  # sh -c inside sh -c ...: nesting levels parsed


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
    approximate: bool = False  # the shell text has a syntax error; commands around it are kept
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


@functools.cache
def _parser() -> Parser:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


# -- words -------------------------------------------------------------------

_DQ_ESCAPE = re.compile(r'\\([$`"\\\n])')
_ANSI_C = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_C_CODE = re.compile(r"x([0-9a-fA-F]{1,2})|([0-7]{1,3})")


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "surrogateescape")


def _unquoted(s: str) -> str:
    """Backslash removal in an unquoted word (``\\<newline>`` disappears)."""
    if "\\" not in s:
        return s
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            if s[i + 1] != "\n":
                out.append(s[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _dquoted(s: str) -> str:
    """Inside "...": only \\$ \\` \\" \\\\ and \\<newline> are escapes (bash manual, Double Quotes)."""
    return _DQ_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), s)


def _ansi_c(s: str) -> str:
    """The value of ``$'...'`` (bash manual, ANSI-C Quoting)."""
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            e = s[i + 1]
            if e in _ANSI_C:
                out.append(_ANSI_C[e])
                i += 2
                continue
            m = _ANSI_C_CODE.match(s, i + 1)
            if m:
                out.append(chr(int(m.group(1), 16) if m.group(1) else int(m.group(2), 8)))
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def word_value(node: Node) -> str:
    """A word after quote removal, expansions left as written (``$HOME``, ``$(date)``, ``*``)."""
    t = node.type
    if t == "word":
        return _unquoted(_text(node))
    if t == "raw_string":
        return _text(node)[1:-1]
    if t in ("string", "translated_string"):
        s = _text(node)
        s = s[1:] if t == "string" else s[2:]
        return _dquoted(s[:-1] if s.endswith('"') else s)
    if t == "ansi_c_string":
        return _ansi_c(_text(node)[2:-1])
    if t in ("concatenation", "command_name"):
        return "".join(word_value(c) for c in node.children)
    return _text(node)  # number, $x, ${x}, $(...), `...`, $((...)), <(...), {a,b}


# -- commands ----------------------------------------------------------------

# statements whose bare assignments (``A=1``, ``A=1 B=2``) are commands of their own
_STATEMENT_PARENTS = frozenset(
    {
        "program",
        "list",
        "pipeline",
        "compound_statement",
        "subshell",
        "do_group",
        "if_statement",
        "elif_clause",
        "else_clause",
        "case_item",
        "negated_command",
    }
)
# word-like leaves of a test command ([ ... ], [[ ... ]])
_TEST_LEAVES = frozenset(
    {
        "word",
        "string",
        "raw_string",
        "concatenation",
        "number",
        "simple_expansion",
        "expansion",
        "command_substitution",
        "ansi_c_string",
        "test_operator",
        "regex",
        "extglob_pattern",
    }
)


def _redirect_target(r: Node) -> str | None:
    """The file a ``>`` or ``>>`` redirect writes (any fd), else None."""
    if r.type != "file_redirect":
        return None
    op = None
    for c in r.children:
        if not c.is_named:
            op = c.type
    dests = r.children_by_field_name("destination")
    if op in (">", ">>") and dests:
        return word_value(dests[0])
    return None


def _spilled_args(r: Node) -> list[Node]:
    """tree-sitter-bash#233: the words after ``> file`` are arguments in bash."""
    if r.type != "file_redirect":
        return []
    return r.children_by_field_name("destination")[1:]


def _join_continued(nodes: list[Node]) -> list[list[Node]]:
    """Argument nodes grouped into bash words: ``a\\<newline>b`` is one word
    ``ab`` in bash; tree-sitter-bash splits it in two."""
    groups: list[list[Node]] = []
    for n in nodes:
        if groups:
            prev = groups[-1][-1]
            parent = prev.parent
            if n.start_byte - prev.end_byte == 2 and parent is not None and n.parent == parent:
                base = parent.start_byte
                if (parent.text or b"")[prev.end_byte - base : n.start_byte - base] == b"\\\n":
                    groups[-1].append(n)
                    continue
        groups.append([n])
    return groups


def _test_leaves(node: Node) -> list[Node]:
    """Word-like leaves of a test command, brackets and operators included."""
    out = []
    for c in node.children:
        if c.type in _TEST_LEAVES or c.child_count == 0:
            out.append(c)
        else:
            out.extend(_test_leaves(c))
    return out


def _flat_list(node: Node) -> list[Node]:
    """The children of a ``list`` with nested lists spliced in: ``a && b && c``
    is left-nested, one level per operator (no recursion on long chains)."""
    out: list[Node] = []
    spine = [node]
    while spine[-1].children and spine[-1].children[0].type == "list":
        spine.append(spine[-1].children[0])
    for level in reversed(spine):
        kids = level.children
        start = 1 if kids and kids[0].type == "list" else 0
        out.extend(kids[start:])
    return out


def _lost_words(source: bytes, command: Node, redirect: Node) -> list[str]:
    """Words the grammar drops between a command and its redirect: a lone
    ``-`` before a heredoc or an fd redirect (``python3 - <<EOF``,
    ``python3 - 2>&1``) is in no node of the tree."""
    gap = source[command.end_byte : redirect.start_byte].replace(b"\\\n", b" ")
    return [w.decode("utf-8", "surrogateescape") for w in gap.split()]


def _heredoc_text(redirect: Node, body: Node) -> str:
    """The body of a heredoc as the shell reads it (``<<-`` strips leading tabs)."""
    text = _text(body)
    if redirect.children and redirect.children[0].type == "<<-":
        text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
    end = next((c for c in redirect.children if c.type == "heredoc_end"), None)
    if end is not None and text.endswith(_text(end)):
        text = text[: -len(_text(end))]
    return text


class _Reader:
    """Collects the simple commands of one tree in document order: a command,
    then the commands of its own substitutions."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.commands: list[Command] = []
        self.heredoc_scripts: list[str] = []  # bodies a shell reads as its script

    def visit(self, node: Node, redirects: list[Node] | None = None) -> None:
        t = node.type
        if t == "redirected_statement":
            body = node.child_by_field_name("body")
            reds = [c for c in node.children if c != body]
            if body is not None:
                self.visit(body, reds + (redirects or []))
            for r in reds:
                self.visit(r)
        elif t == "command":
            self.command(node, redirects or [])
        elif t == "list":
            # tree-sitter-bash#345: `a && b > f` hangs the redirect on the
            # whole list; in bash it belongs to the last command only.
            self.visit_last_redirected(_flat_list(node), redirects)
        elif t in ("pipeline", "negated_command") and redirects:
            self.visit_last_redirected(node.children, redirects)
        elif t in ("variable_assignment", "variable_assignments") and (
            node.parent is not None and node.parent.type in _STATEMENT_PARENTS
        ):
            assigns = [node] if t == "variable_assignment" else [c for c in node.children if c.type == t[:-1]]
            self.commands.append(Command([], dict(self.assignment(a) for a in assigns)))
            for a in assigns:
                self.visit_children(a)
        elif t in ("declaration_command", "unset_command"):
            words = [_text(node.children[0])] + [self.arg_value(c) for c in node.children[1:] if c.is_named]
            self.commands.append(Command(words))
            self.visit_children(node)
        elif t == "test_command":
            self.commands.append(Command([self.arg_value(c) for c in _test_leaves(node)]))
            self.visit_children(node)
        else:
            self.visit_children(node)

    def visit_children(self, node: Node) -> None:
        for c in node.children:
            self.visit(c)

    def visit_last_redirected(self, children: list[Node], redirects: list[Node] | None) -> None:
        named = [c for c in children if c.is_named and c.type != "comment"]
        last = named[-1] if named and redirects else None
        for c in children:
            self.visit(c, redirects if c == last else None)

    def arg_value(self, node: Node) -> str:
        if node.type == "variable_assignment":
            name, value = self.assignment(node)
            return name + "=" + value
        return word_value(node)

    @staticmethod
    def assignment(a: Node) -> tuple[str, str]:
        name = a.child_by_field_name("name")
        value = a.child_by_field_name("value")
        return ("" if name is None else _text(name)), ("" if value is None else word_value(value))

    def command(self, node: Node, redirects: list[Node]) -> None:
        word_nodes: list[Node] = []
        env: dict[str, str] = {}
        targets: list[str] = []
        heredoc: Node | None = None
        for i, c in enumerate(node.children):
            ct = c.type
            if ct == "variable_assignment" and not word_nodes:
                k, v = self.assignment(c)
                env[k] = v
            elif ct == "command_name" or (c.is_named and node.field_name_for_child(i) == "argument"):
                word_nodes.append(c)
            elif ct == "file_redirect":
                tgt = _redirect_target(c)
                if tgt is not None:
                    targets.append(tgt)
                word_nodes.extend(_spilled_args(c))
        for r in redirects:
            tgt = _redirect_target(r)
            if tgt is not None:
                targets.append(tgt)
            word_nodes.extend(_spilled_args(r))
            if r.type == "heredoc_redirect":
                heredoc = r
                targets += [t for t in map(_redirect_target, r.children) if t is not None]
        # a word the grammar had to invent (MISSING, zero width) is not in the text
        word_nodes = [n for n in word_nodes if n.end_byte > n.start_byte]
        words = ["".join(word_value(n) for n in g) for g in _join_continued(word_nodes)]
        if redirects and redirects[0].start_byte >= node.end_byte:
            words += _lost_words(self.source, node, redirects[0])
        if words or env:
            self.commands.append(Command(words, env, targets))
        # a shell reading its script from a heredoc: the body is parsed like sh -c
        if heredoc is not None and words and words[0].rsplit("/", 1)[-1] in _SHELLS and _nested(Command(words)) is None:
            body = next((c for c in heredoc.children if c.type == "heredoc_body"), None)
            if body is not None:
                self.heredoc_scripts.append(_heredoc_text(heredoc, body))
        self.visit_children(node)


_C_OPTION = re.compile(r"-[a-zA-Z]*c[a-zA-Z]*")


# commands that run another command given in their arguments (find -exec, xargs, sudo ...)
_WRAPPERS = frozenset(
    {"find", "xargs", "env", "sudo", "nice", "nohup", "timeout", "exec", "time", "gosu", "su-exec", "setsid", "chroot"}
)


def _nested(c: Command) -> str | None:
    """The script of ``sh -c '...'``, ``bash -euxc '...'`` (the word after the
    first option cluster holding ``c``), also run by a wrapper
    (``find -exec sh -c '...'``, ``xargs sh -c``, ``sudo bash -c``)."""
    words = c.words
    if c.name in _WRAPPERS:
        shell = next((i for i, w in enumerate(words[1:], 1) if w.rsplit("/", 1)[-1] in _SHELLS), None)
        if shell is None:
            return None
        words = words[shell:]
    elif c.name not in _SHELLS:
        return None
    i = 1
    while i < len(words) - 1:
        w = words[i]
        if _C_OPTION.fullmatch(w):
            return words[i + 1]
        if w in ("-o", "+o", "-O", "+O"):
            i += 1  # the option's name (-o pipefail)
        elif not w.startswith(("-", "+")):
            return None  # a script file or an operand: no -c after it counts
        i += 1
    return None


def parse(text: str, depth: int = 0) -> Script:
    """Parse a shell script into its simple commands (nested ``sh -c`` included)."""
    source = text.encode("utf-8", "surrogateescape")
    tree = _parser().parse(source)
    reader = _Reader(source)
    approximate = tree.root_node.has_error
    try:
        reader.visit(tree.root_node)
    except RecursionError:  # thousands of nested subshells: keep what was read
        approximate = True
    commands = reader.commands
    if depth < _MAX_DEPTH:
        expanded: list[Command] = []
        for c in commands:
            expanded.append(c)
            inner = _nested(c)
            if inner is not None:
                sub = parse(inner, depth + 1)
                expanded += sub.commands
                approximate = approximate or sub.approximate
        commands = expanded
        for body in reader.heredoc_scripts:
            sub = parse(body, depth + 1)
            commands += sub.commands
            approximate = approximate or sub.approximate
    return Script(commands, approximate, text)


_HEREDOC_WORD = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
_LEADING_HEREDOCS = re.compile(r"\s*((?:<<-?\s*(['\"]?)\w+\2\s*)+)(.*)$", re.S)


def run_script(run: Run) -> Script:
    """The shell script a RUN executes, with its heredocs as BuildKit runs them
    (parsed once per distinct RUN: rules ask for the same RUN many times; the
    Script is shared, callers only read it).

    Exec form: ``["sh", "-c", "..."]`` is that script, any other argv one
    command. ``RUN <<EOF`` alone: the heredoc body is the script
    (dockerfile frontend, dispatchers.go). Otherwise the command and its
    heredocs are one shell script: ``RUN python3 <<EOF`` feeds Python, not
    shell; ``RUN bash <<EOF`` (or ``RUN <<EOF bash``) feeds bash, and the
    body is parsed as a script.
    """
    heredocs = tuple((h.name, h.content) for h in run.ins.heredocs) if run.shell_form else ()
    return _run_script(run.shell_form, run.command, tuple(run.argv), heredocs)


# Unbounded: the rules ask for each RUN several times, and past 4,096 distinct RUNs
# a bounded cache re-parsed every one of them (bench_scan.py's 16,000-line
# Dockerfile: 22,977 parses of 9,000 RUNs). It holds what the Dockerfiles hold.
@functools.cache
def _run_script(shell_form: bool, text: str, argv: tuple[str, ...], heredocs: tuple[tuple[str, str], ...]) -> Script:
    if not shell_form:
        command = Command(list(argv))
        inner = _nested(command)
        if inner is not None and command.name in _SHELLS:
            return parse(inner)
        script = Script([command], text=" ".join(command.words))
        if inner is not None:
            sub = parse(inner, 1)
            script.commands += sub.commands
            script.approximate = sub.approximate
        return script
    if not heredocs:
        return parse(text)
    if not _HEREDOC_WORD.sub("", text).strip():
        return parse("\n".join(content for _, content in heredocs))
    lead = _LEADING_HEREDOCS.match(text)
    if lead and not re.search(r"[|;&<>]", lead.group(3)):
        # `<<EOF bash`: the grammar cannot read a heredoc before the command name
        text = lead.group(3) + " " + lead.group(1)
    for name, content in heredocs:
        text += "\n" + (content if not content or content.endswith("\n") else content + "\n") + name
    return parse(text)
