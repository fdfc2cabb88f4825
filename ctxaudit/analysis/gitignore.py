"""Translate .gitignore lines into .dockerignore lines.

A line is read as git reads it (dir.c: add_patterns_from_buffer,
trim_trailing_spaces, parse_path_pattern; wildmatch.c), then written in
Docker's syntax (moby/patternmatcher) so that the Docker line matches exactly
the paths git's line matches, or the line is not translated at all:

* ``foo`` (no slash) matches at any depth in git: ``**/foo`` for Docker,
  ``dir/**/foo`` for a .gitignore in ``dir/``;
* a slash in the middle or at the start anchors the line to the .gitignore's
  directory: ``/foo`` and ``a/b`` become ``foo`` and ``a/b`` (prefixed with
  the directory for nested files);
* a trailing ``/`` (directories only) cannot be expressed: Docker's line also
  matches a file of that name; the translation says so (``dir_only``);
* git strips unescaped trailing spaces and keeps an escaped one (``sp\\ ``
  names "sp "), and keeps leading spaces; Docker trims whitespace at both ends
  of a line, so whitespace there is written as a class of that one character
  (``sp[ ]``: on the engine here, BuildKit and the legacy builder, and on
  current patternmatcher, it matches "sp " and not "sp" or "spa");
* other escapes (``\\x`` is a literal x) are written literally, escaping only
  Docker's glob characters; ``[!x]`` becomes ``[^x]``; a ``**`` that does not
  stand alone between slashes is a plain ``*`` in git and is written so;
* ``!`` lines re-include in both; they are translated but flagged, since they
  only ever send more. Git cannot re-include a path whose parent directory an
  earlier line excludes: such a ``!`` line has no effect in git and is dropped.

A line Docker cannot express exactly (a POSIX class ``[[:alpha:]]``, a
class that could match ``/``, ``//`` or ``.``/``..`` components that Docker's
filepath.Clean would rewrite, a trailing backslash) is not translated: it
comes back with ``skipped`` set to the reason, never as a wider line.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern


@dataclass(frozen=True)
class Translated:
    docker: str  # the Docker line ("" when skipped)
    source: str  # the .gitignore line as written
    gitignore: str  # path of the .gitignore in the context
    line: int
    exclusion: bool = False
    dir_only: bool = False
    skipped: str = ""  # why the line is not translated (no exact Docker line, or no effect in git)


class Untranslatable(ValueError):
    """A .gitignore line no Docker line matches exactly; the message says why."""


_GLOB = frozenset("*?[\\")


def _docker_space(c: str) -> bool:
    """Whitespace Go's strings.TrimSpace removes (unicode.IsSpace), generously."""
    return c.isspace() or c in "\x85\xa0"


def _trim_trailing_spaces(line: str) -> str:
    """git's trim_trailing_spaces: drop the unescaped spaces at the end."""
    last_space: int | None = None
    i = 0
    while i < len(line):
        c = line[i]
        if c == " ":
            if last_space is None:
                last_space = i
        elif c == "\\":
            i += 1
            if i >= len(line):
                return line  # a trailing backslash: git keeps the line as it is
            last_space = None
        else:
            last_space = None
        i += 1
    return line if last_space is None else line[:last_space]


def _class(text: str, i: int) -> tuple[str, int]:
    """The git class starting at ``text[i] == '['``: its Docker text and the index after it."""
    j = i + 1
    negate = j < len(text) and text[j] in "!^"
    if negate:
        j += 1
    members: list[str] = []  # single characters and "a-z" ranges, unescaped
    first = True
    while True:
        if j >= len(text):
            raise Untranslatable("an unterminated '[' matches nothing in git")
        c = text[j]
        if c == "]" and not first:
            j += 1
            break
        first = False
        if c == "[" and j + 1 < len(text) and text[j + 1] == ":":
            raise Untranslatable("a POSIX class like [[:alpha:]] has no Docker equivalent")
        if c == "\\":
            j += 1
            if j >= len(text):
                raise Untranslatable("a trailing backslash matches nothing in git")
            c = text[j]
        j += 1
        if j + 1 < len(text) and text[j] == "-" and text[j + 1] != "]":
            hi = text[j + 1]
            j += 2
            if hi == "\\":
                if j >= len(text):
                    raise Untranslatable("a trailing backslash matches nothing in git")
                hi = text[j]
                j += 1
            if hi < c:
                raise Untranslatable("a reversed range matches nothing in git")
            members.append(c + "-" + hi)
        else:
            members.append(c)
    if not negate and any(m[0] <= "/" <= m[-1] for m in members):
        # git never matches '/' with a class; Docker's regexp would
        raise Untranslatable("a class that includes '/' matches differently in Docker")

    def esc(c: str) -> str:
        return "\\" + c if c in "\\]-^[" else c

    body = "".join(esc(m) if len(m) == 1 else esc(m[0]) + "-" + esc(m[2]) for m in members)
    if negate and i > 0 and text[i - 1] != "/":
        # git's negated class never matches '/'; Docker's regexp would, inside a component
        # (at a component's start a '/' would make an empty component: no path has one)
        body += "/"
    return ("[^" if negate else "[") + body + "]", j


def _atoms(text: str) -> list[tuple[str, str | None]]:
    """The pattern as Docker atoms: (Docker text, the literal character or None)."""
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 1
            if i >= len(text):
                raise Untranslatable("a trailing backslash matches nothing in git")
            c = text[i]
            out.append(("\\" + c if c in _GLOB or c == "]" else c, c))
            i += 1
        elif c == "*":
            j = i
            while j < len(text) and text[j] == "*":
                j += 1
            at_start = i == 0 or text[i - 1] == "/"
            at_end = j == len(text) or text[j] == "/"
            out.append(("**" if j - i > 1 and at_start and at_end else "*", None))
            i = j
        elif c == "?":
            out.append(("?", None))
            i += 1
        elif c == "[":
            cls, i = _class(text, i)
            out.append((cls, None))
        else:
            out.append((c, c))
            i += 1
    return out


def _literal_path(path: str) -> str:
    """A directory path as Docker pattern text that matches only itself."""
    atoms: list[tuple[str, str | None]] = [("\\" + c if c in _GLOB or c == "]" else c, c) for c in path]
    return _join(atoms)


def _join(atoms: list[tuple[str, str | None]]) -> str:
    """Docker trims whitespace at both ends of a line: there it is written as a
    one-character class; whitespace inside is left as written."""

    def space(k: int) -> bool:
        lit = atoms[k][1]
        return lit is not None and _docker_space(lit)

    first = next((k for k in range(len(atoms)) if not space(k)), len(atoms))
    last = next((k for k in range(len(atoms) - 1, -1, -1) if not space(k)), -1)
    return "".join(f"[{lit}]" if (k < first or k > last) else t for k, (t, lit) in enumerate(atoms))


def translate_line(line: str, directory: str) -> tuple[str, bool, bool] | None:
    """(docker line, exclusion, dir_only) for one .gitignore line, None for a
    comment or blank line. Raises Untranslatable when no Docker line matches
    exactly the paths git's line matches."""
    text = line[:-1] if line.endswith("\n") else line
    text = text[:-1] if text.endswith("\r") else text
    if not text or text.startswith("#"):
        return None
    text = _trim_trailing_spaces(text)
    if not text:
        return None
    exclusion = text.startswith("!")
    if exclusion:
        text = text[1:]
    dir_only = text.endswith("/")
    if dir_only:
        text = text[:-1]
    if text.endswith("/"):
        raise Untranslatable("'//' at the end: Docker would clean the path")
    anchored = "/" in text
    if text.startswith("/"):
        text = text[1:]
    if not text:
        return None
    parts = text.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise Untranslatable("an empty, '.' or '..' component: Docker's filepath.Clean would rewrite it")
    atoms = _atoms(text)
    if anchored or (len(atoms) == 1 and atoms[0][0] == "**"):
        prefix: list[tuple[str, str | None]] = []
    else:
        prefix = [("**/", None)]
    if directory:
        prefix = [(_literal_path(directory) + "/", None), *prefix]
    docker = _join(prefix + atoms)
    if docker.startswith(("!", "#")):
        docker = "\\" + docker
    return (("!" if exclusion else "") + docker, exclusion, dir_only)


def _excluded_dirs(earlier: list[tuple[str, bool]], path: str) -> bool:
    """Whether git's lines so far (text, negated) leave directory ``path`` excluded."""
    verdict = False
    for text, negated in earlier:
        p = GitIgnoreSpecPattern(text)
        if p.regex is not None and p.regex.match(path + "/"):
            verdict = not negated
    return verdict


def _literal_dirs(text: str) -> list[str]:
    """The directories an anchored '!' pattern's paths all lie under (its literal leading components)."""
    body = text[1:].rstrip("/").lstrip("/")
    parts = body.split("/")[:-1]
    out: list[str] = []
    for part in parts:
        if any(c in part for c in "*?[\\"):
            break
        out.append(f"{out[-1]}/{part}" if out else part)
    return out


def translate_file(text: str, gitignore_path: str) -> list[Translated]:
    """Every line of one .gitignore, translated or skipped (``skipped`` says why), in order.

    Lines are split on "\\n" only, as git splits them (a "\\r" before it is dropped)."""
    directory = gitignore_path.rpartition("/")[0]
    out = []
    earlier: list[tuple[str, bool]] = []  # git lines so far, for the '!' rule: (pattern text, negated)
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            t = translate_line(line, directory)
        except Untranslatable as exc:
            out.append(Translated("", line, gitignore_path, number, skipped=f"no exact Docker line: {exc}"))
            continue
        if t is None:
            continue
        raw = _trim_trailing_spaces(line.rstrip("\r"))
        if t[1]:
            anchored = "/" in raw[1:].rstrip("/")
            under = [d for d in (_literal_dirs(raw) if anchored else []) if _excluded_dirs(earlier, d)]
            if under:
                why = f"no effect in git: its directory {under[0]}/ is excluded by an earlier line"
                out.append(Translated("", line, gitignore_path, number, True, t[2], skipped=why))
                continue
            earlier.append((raw[1:], True))
        else:
            earlier.append((raw, False))
        out.append(Translated(t[0], line, gitignore_path, number, t[1], t[2]))
    return out
