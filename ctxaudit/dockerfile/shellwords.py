"""BuildKit's word lexer (frontend/dockerfile/shell/lex.go), for one word.

COPY/ADD sources and destinations, WORKDIR, ENV and ARG values go through it:
quotes are removed, the escape token escapes, ``$VAR`` and ``${VAR...}``
expand from the stage's ARG/ENV. Variables with no known value are
collected in ``unknown`` so that a caller can say "dynamic" instead of
guessing; they expand to the empty string, as BuildKit does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


class WordError(ValueError):
    """A word BuildKit cannot process (unterminated quote, bad substitution)."""


_SPECIAL = set("@*#?-$!0")


@dataclass
class Result:
    value: str
    unknown: set[str] = field(default_factory=set)  # unset variables referenced plainly
    used: set[str] = field(default_factory=set)


class _Word:
    def __init__(
        self, text: str, env: Mapping[str, str | None], escape: str, skip_quotes: bool = False, raw: bool = False
    ) -> None:
        self.skip_quotes = skip_quotes  # lex.SkipProcessQuotes: quotes are plain characters
        # lex.RawQuotes and RawEscapes: quotes and escape characters act but stay in the result
        self.raw_quotes = raw
        self.raw_escapes = raw
        self.s = text
        self.i = 0
        self.env = env
        self.esc = escape
        self.unknown: set[str] = set()
        self.used: set[str] = set()

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def next(self) -> str:
        ch = self.peek()
        self.i += 1
        return ch

    def get(self, name: str, plain: bool = True) -> tuple[str, bool]:
        """The variable's value and whether it is set.

        An ARG declared without a default and not given with --build-arg is
        unset, as in a plain ``docker build``; a plain reference to an unset
        variable is recorded in ``unknown`` (``${X:-default}`` is not).
        """
        self.used.add(name)
        value = self.env.get(name)
        if value is None:
            if plain:
                self.unknown.add(name)
            return "", False
        return value, True

    def process(self, stop: str = "", raw_escapes: bool | None = None) -> str:
        """processStopOn: ``raw_escapes`` set for this call (and what it calls), else as it is."""
        old = self.raw_escapes
        if raw_escapes is not None:
            self.raw_escapes = raw_escapes
        try:
            return self._process(stop)
        finally:
            self.raw_escapes = old

    def _process(self, stop: str) -> str:
        out: list[str] = []
        while self.i < len(self.s):
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif ch == "'" and not self.skip_quotes:
                out.append(self.single())
            elif ch == '"' and not self.skip_quotes:
                out.append(self.double())
            else:
                self.next()
                if ch == self.esc:
                    if self.raw_escapes:
                        out.append(ch)
                    if self.i >= len(self.s):
                        break
                    ch = self.next()
                out.append(ch)
        if stop:
            raise WordError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out)

    def single(self) -> str:
        self.next()
        end = self.s.find("'", self.i)
        if end < 0:
            raise WordError("unexpected end of statement while looking for matching single-quote")
        text = self.s[self.i : end]
        self.i = end + 1
        return f"'{text}'" if self.raw_quotes else text

    def double(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.peek()
            if ch == "":
                raise WordError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                text = "".join(out)
                return f'"{text}"' if self.raw_quotes else text
            if ch == "$":
                out.append(self.dollar())
                continue
            self.next()
            if ch == self.esc:
                if self.raw_escapes:
                    out.append(ch)
                nxt = self.peek()
                if nxt == "":
                    continue
                if nxt in ('"', "$", self.esc):
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        start = self.i
        if self.peek().isdigit():
            while self.peek().isdigit():
                self.next()
            return self.s[start : self.i]
        if self.peek() in _SPECIAL:
            return self.next()
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.next()
        return self.s[start : self.i]

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$"
            return self.get(name)[0]
        self.next()
        if self.peek() == "":
            raise WordError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise WordError("syntax error: bad substitution")
        name = self.name()
        ch = self.next()
        if ch == "}":
            return self.get(name)[0]
        null_unset = False
        mod = ch
        if ch == ":":
            null_unset = True
            ch = self.next()
            mod += ch
        if ch in "+-?#%":
            raw = ch in "#%"
            if null_unset and raw:
                raise WordError(f"unsupported modifier ({mod}) in substitution")
            word = self.process("}", raw)
            value, is_set = self.get(name, plain=False)
            if ch == "-":
                return word if not is_set or (null_unset and value == "") else value
            if ch == "+":
                return "" if not is_set or (null_unset and value == "") else word
            if ch == "?":
                if not is_set or (null_unset and value == ""):
                    raise WordError(f"{name}: {word or 'is not allowed to be unset'}")
                return value
            greedy = word[:1] == ch
            if greedy:
                word = word[1:]
            return _trim(value, word, suffix=ch == "%", greedy=greedy)
        if ch == "/":
            replace_all = self.peek() == "/"
            if replace_all:
                self.next()
            pattern = self.process("/", True)
            replacement = self.process("}", True)
            value, _ = self.get(name, plain=False)
            regex = _shell_regex(pattern, greedy=True)
            return regex.sub(replacement.replace("\\", "\\\\"), value, count=0 if replace_all else 1)
        raise WordError(f"unsupported modifier ({mod}) in substitution")


def _shell_regex(pattern: str, greedy: bool) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*" if greedy else ".*?")
        elif c == "?":
            out.append(".")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.S)


def _trim(value: str, pattern: str, suffix: bool, greedy: bool) -> str:
    regex = _shell_regex(pattern, greedy)
    if suffix:
        candidates = range(len(value) + 1) if greedy else range(len(value), -1, -1)
        for start in candidates:
            if regex.fullmatch(value, start):
                return value[:start]
        return value
    ends = range(len(value), -1, -1) if greedy else range(len(value) + 1)
    for end in ends:
        if regex.fullmatch(value, 0, end):
            return value[end:]
    return value


def process_word(
    text: str, env: Mapping[str, str | None], escape: str = "\\", skip_quotes: bool = False, raw: bool = False
) -> Result:
    """Expand one word as BuildKit's ProcessWordWithMatches does.

    ``skip_quotes``: quotes are kept as plain characters (``SkipProcessQuotes``,
    how dispatch expands a heredoc's body: ``ExpandRaw`` in
    dockerfile2llb/convert.go). ``raw``: quotes and escapes work but stay in
    the result (``RawQuotes``, ``RawEscapes``: how buildah's imagebuilder
    expands a COPY/ADD heredoc's body, dispatchers.go ``processHereDocs``).
    """
    w = _Word(text, env, escape, skip_quotes, raw)
    value = w.process()
    return Result(value, w.unknown, w.used)
