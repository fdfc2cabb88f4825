"""A Dockerfile reader with BuildKit's parsing rules (frontend/dockerfile/parser).

We write our own because the Python parsers we tried do not read what real
Dockerfiles contain: ``dockerfile-parse`` 2.0.1 reads heredoc bodies as
instructions. This one follows BuildKit: parser directives (``# syntax=``,
``# escape=``, ``# check=``) before anything else; comments only where a
line *starts* with ``#`` (also inside continuations); the escape token as
line continuation; heredocs (``<<EOF``, ``<<-EOF``, quoted names that do not
expand) after COPY, ADD and RUN; JSON (exec) form; ``--flag`` extraction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..engine.gostrings import trim_space


class DockerfileError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


@dataclass
class Heredoc:
    name: str
    content: str
    expand: bool  # False when the name was quoted: no variable expansion
    chomp: bool  # <<- strips leading tabs
    fd: int | None = None
    # buildah's body where it differs from BuildKit's (variables expanded its own way)
    buildah_content: str | None = None


@dataclass
class Instruction:
    cmd: str  # lower case: "copy", "run", ...
    original: str  # the instruction after joining continuation lines
    flags: list[str]  # "--from=build", "--link", ...
    rest: str  # text after the flags
    args: list[str]  # JSON array items, or the rest split on whitespace
    json: bool
    start: int  # 1-based first and last line in the file
    end: int
    heredocs: list[Heredoc] = field(default_factory=list)

    def flag_values(self, name: str) -> list[str]:
        """Every value of ``--name=value`` (``"true"`` for a bare ``--name``)."""
        out = []
        for f in self.flags:
            key, eq, value = f[2:].partition("=")
            if key == name:
                out.append(value if eq else "true")
        return out

    def flag(self, name: str) -> str | None:
        values = self.flag_values(name)
        return values[-1] if values else None


@dataclass
class Parsed:
    instructions: list[Instruction]
    escape: str
    directives: dict[str, str]
    warnings: list[tuple[int, str]]


_DIRECTIVE = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_VALID_DIRECTIVES = {"syntax", "escape", "check"}
_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
HEREDOC = re.compile(r"^(\d*)<<(-?)\s*([^<]*)$")
_HEREDOC_COMMANDS = {"add", "copy", "run"}


def _lstrip(s: str) -> str:
    return s.lstrip("\t\n\v\f\r \x85\xa0")


def _is_comment(line: str) -> bool:
    return _lstrip(line).startswith("#")


def split_words_raw(line: str, escape: str = "\\") -> list[str]:
    """Split on unquoted whitespace, keeping quotes and escapes (heredoc scan)."""
    words: list[str] = []
    cur: list[str] = []
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            cur.append(ch)
            if ch == escape and quote == '"' and i + 1 < len(line):
                cur.append(line[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in " \t":
            if cur:
                words.append("".join(cur))
                cur = []
        elif ch == escape and i + 1 < len(line):
            cur.append(ch + line[i + 1])
            i += 2
            continue
        else:
            if ch in "'\"":
                quote = ch
            if ch == "<" and line.startswith("<<", i):
                # "<< EOF" is one heredoc word, as in BuildKit's lexer.
                j = i + 2
                while j < len(line) and line[j] in " \t":
                    j += 1
                cur.append(line[i:j])
                i = j
                continue
            cur.append(ch)
        i += 1
    if cur:
        words.append("".join(cur))
    return words


def parse_heredoc(word: str) -> Heredoc | None:
    """ParseHeredoc: ``<<EOF``, ``<<-EOF``, ``<<"EOF"`` (quoted: no expansion)."""
    m = HEREDOC.match(word)
    if not m or not m.group(3):
        return None
    rest = m.group(3)
    raw_quotes = rest.count("'") + rest.count('"')
    name = rest.replace("'", "").replace('"', "")
    if not name or any(c.isspace() for c in name):
        return None
    return Heredoc(
        name, "", expand=raw_quotes == 0, chomp=m.group(2) == "-", fd=int(m.group(1)) if m.group(1) else None
    )


def _extract_flags(line: str, escape: str) -> tuple[str, list[str]]:
    """extractBuilderFlags: leading ``--name[=value]`` words."""
    words: list[str] = []
    i = 0
    n = len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return "", words
        if not line.startswith("--", i):
            return line[i:], words
        word: list[str] = []
        quote = ""
        blank_ok = False
        while i < n:
            ch = line[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape and i + 1 < n:
                    i += 1
                    word.append(line[i])
                else:
                    word.append(ch)
                i += 1
                continue
            if ch.isspace():
                break
            if ch in "'\"":
                quote = ch
                blank_ok = True
            elif ch == escape:
                if i + 1 < n:
                    i += 1
                    word.append(line[i])
            else:
                word.append(ch)
            i += 1
        text = "".join(word)
        if text == "--":
            return line[i:], words
        if blank_ok or text:
            words.append(text)


def _json_args(rest: str) -> list[str] | None:
    rest = rest.lstrip()
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise DockerfileError(0, "JSON array must contain only strings")
    return value


def parse(text: str) -> Parsed:
    """Parse a Dockerfile's text into instructions with their line ranges."""
    raw_lines = text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    if raw_lines and raw_lines[0].startswith("\ufeff"):
        raw_lines[0] = raw_lines[0][1:]
    escape = "\\"
    directives: dict[str, str] = {}
    directives_done = False
    warnings: list[tuple[int, str]] = []

    def continuation(tok: str) -> re.Pattern[str]:
        t = re.escape(tok)
        return re.compile(rf"([^{t}]){t}[ \t]*$|^{t}[ \t]*$")

    cont = continuation(escape)
    out: list[Instruction] = []
    i = 0
    n = len(raw_lines)
    while i < n:
        line = raw_lines[i].rstrip("\r\n")
        i += 1
        number = i
        if not directives_done:
            if _lstrip(line).startswith("#"):
                m = _DIRECTIVE.match(_lstrip(_lstrip(line)[1:]))
                key = m.group(1).lower() if m else ""
                if m and key in _VALID_DIRECTIVES:
                    if key in directives:
                        raise DockerfileError(number, f"only one {key} parser directive can be used")
                    directives[key] = m.group(2)
                    if key == "escape":
                        if m.group(2) not in ("\\", "`"):
                            raise DockerfileError(number, f"invalid escape token '{m.group(2)}' does not match ` or \\")
                        escape = m.group(2)
                        cont = continuation(escape)
                    continue
            directives_done = True
        line = _lstrip(line)
        if _is_comment(line):
            continue
        joined = line
        m = cont.search(joined)
        if m is not None:
            joined = cont.sub(r"\1", joined)
            ended = False
        else:
            ended = True
        if ended and not joined:
            continue
        while not ended and i < n:
            nxt = raw_lines[i].rstrip("\r\n")
            i += 1
            if _is_comment(nxt):
                continue
            if not _lstrip(nxt):
                warnings.append((i, "empty continuation line"))
                continue
            if cont.search(nxt):
                nxt = cont.sub(r"\1", nxt)
            else:
                ended = True
            joined += nxt
        parts = _WHITESPACE.split(trim_space(joined), maxsplit=1)
        cmd = parts[0].lower()
        rest, flags = _extract_flags(parts[1], escape) if len(parts) == 2 else ("", [])
        rest = trim_space(rest)
        try:
            jargs = _json_args(rest) if cmd in _JSON_COMMANDS else None
        except DockerfileError as exc:
            raise DockerfileError(number, exc.message) from None
        args = jargs if jargs is not None else [a for a in _WHITESPACE.split(rest) if a]
        ins = Instruction(cmd, joined, flags, rest, args, jargs is not None, number, i)
        if cmd in _HEREDOC_COMMANDS and jargs is None and "<<" in joined:
            for word in split_words_raw(joined, escape):
                doc = parse_heredoc(word)
                if doc is None:
                    continue
                body: list[str] = []
                terminated = False
                while i < n:
                    raw = raw_lines[i]
                    i += 1
                    candidate = raw.rstrip("\r\n")
                    if doc.chomp:
                        candidate = candidate.lstrip("\t")
                    if candidate == doc.name:
                        terminated = True
                        break
                    body.append(raw + "\n")
                if not terminated:
                    raise DockerfileError(number, "unterminated heredoc")
                doc.content = "".join(body)
                if doc.chomp:
                    doc.content = re.sub(r"(?m)^\t+", "", doc.content)
                ins.heredocs.append(doc)
            ins.end = i
        out.append(ins)
    if not out:
        raise DockerfileError(0, "file with no instructions")
    return Parsed(out, escape, directives, warnings)


_JSON_COMMANDS = {"add", "copy", "run", "cmd", "entrypoint", "shell", "volume"}
