"""What chmod, chown and chgrp in a RUN do to a file an earlier COPY/ADD wrote.

A RUN that gives a file the mode or owner it already has stores nothing:
recorded on the engine here (tests/image goldens), the layer of
``chown --from=root:root -R 1000:1000`` after ``COPY --chown=1000:1000`` is
0 B (GNU chown skips files whose owner does not match ``--from``), and so is
``chmod -R 755`` after ``COPY --chmod=755`` or ``chown -R 1000:1000`` after
``COPY --chown=1000:1000`` (the snapshot differ finds nothing changed).

A copied file's state: the owner ``COPY --chown`` gave (``root:root``
without it; a UID alone means the same GID, as Docker documents), and the
mode ``COPY --chmod`` gave or else the context file's own permission bits.
Owners are compared as written, ``root`` being ``0``; a name ctxaudit cannot
resolve (``app``, ``$UID``) matches only the same name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .model import Copy

UMASK = 0o022  # the default in a RUN: chmod +w and = without who respect it

_OPTS_WITH_VALUE = {"--from", "--reference"}
_OCTAL = re.compile(r"[0-7]{1,4}")
_MODE_WORD = re.compile(r"^[ugoa]*([-+=]([rwxXst]*|[ugo]))+$")


@dataclass
class Change:
    """One chmod/chown/chgrp command: what it sets and on which paths (as written)."""

    verb: str
    spec: str | None  # the mode, OWNER[:GROUP] or GROUP; None when given by --reference or absent
    paths: list[str] = field(default_factory=list)
    recursive: bool = False
    from_: str | None = None  # chown --from=CURRENT_OWNER[:CURRENT_GROUP]
    reference: bool = False


def parse(verb: str, args: list[str]) -> Change:
    """GNU chmod/chown/chgrp arguments: options (``--from X`` or ``--from=X``),
    the spec, then paths. chmod's ``-x``/``-w`` are modes, not options."""
    ch = Change(verb, None)
    positional: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            positional += args[i:]
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if name in _OPTS_WITH_VALUE and not eq and i < len(args):
                value = args[i]
                i += 1
            if name == "--from":
                ch.from_ = value
            elif name == "--reference":
                ch.reference = True
            elif name == "--recursive":
                ch.recursive = True
            continue
        if a.startswith("-") and len(a) > 1:
            if verb == "chmod" and ch.spec is None and not positional and _MODE_WORD.match(a):
                positional.append(a)  # `chmod -x file`: a mode
                continue
            ch.recursive = ch.recursive or "R" in a
            continue
        positional.append(a)
    if ch.reference:
        ch.paths = positional
    else:
        ch.spec = positional[0] if positional else None
        ch.paths = positional[1:]
    return ch


def apply_mode(spec: str, mode: int, is_dir: bool = False) -> int | None:
    """The permission bits chmod ``spec`` leaves on a file of ``mode``; None when
    ``spec`` is not a mode ctxaudit can read."""
    mode &= 0o7777
    if _OCTAL.fullmatch(spec):
        new = int(spec, 8)
        if is_dir and len(spec) < 4:
            new |= mode & 0o6000  # GNU chmod keeps a directory's setuid/setgid bits for short octal modes
        return new
    for clause in spec.split(","):
        m = re.fullmatch(r"([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)", clause)
        if m is None:
            return None
        who = m.group(1) or ""
        masked = not who
        if "a" in who or not who:
            who = "ugo"
        for op, perms in re.findall(r"([-+=])([ugo]|[rwxXst]*)", m.group(2)):
            bits = 0
            if perms in ("u", "g", "o"):
                shift = {"u": 6, "g": 3, "o": 0}[perms]
                src = (mode >> shift) & 0o7
                for w in who:
                    bits |= src << {"u": 6, "g": 3, "o": 0}[w]
            else:
                for p in perms:
                    for w in who:
                        shift = {"u": 6, "g": 3, "o": 0}[w]
                        if p == "r":
                            bits |= 0o4 << shift
                        elif p == "w":
                            bits |= 0o2 << shift
                        elif p == "x" or (p == "X" and (is_dir or mode & 0o111)):
                            bits |= 0o1 << shift
                        elif p == "s" and w in "ug":
                            bits |= 0o4000 if w == "u" else 0o2000
                        elif p == "t":
                            bits |= 0o1000
            if masked:
                bits &= ~UMASK | 0o7000
            if op == "+":
                mode |= bits
            elif op == "-":
                mode &= ~bits
            else:
                clear = 0
                for w in who:
                    clear |= 0o7 << {"u": 6, "g": 3, "o": 0}[w]
                    clear |= {"u": 0o4000, "g": 0o2000, "o": 0o1000}[w]
                if masked:
                    clear &= ~UMASK | 0o7000
                mode = (mode & ~clear) | bits
    return mode


def _norm(name: str) -> str:
    return "0" if name == "root" else name


def copy_owner(c: Copy) -> tuple[str | None, str | None]:
    """(user, group) a COPY/ADD gives its files; None where it cannot be told."""
    if not c.chown:
        return "0", "0"
    user, sep, group = c.chown.partition(":")
    if "$" in c.chown:
        return None, None
    user = _norm(user)
    if not sep:
        return user, user if user.isdigit() else None  # a UID alone: the same GID
    return user, _norm(group) if group else None


def _owner_spec(spec: str, verb: str) -> tuple[str | None, str | None]:
    """(user, group) a chown/chgrp spec sets: None for a part it leaves alone,
    ``"?"`` for a group ctxaudit cannot tell (``OWNER:`` means the owner's login group)."""
    if verb == "chgrp":
        return None, _norm(spec)
    user, sep, group = spec.partition(":")
    u = _norm(user) if user else None
    if not sep:
        return u, None
    if not group:
        return u, "?" if user else None
    return u, _norm(group)


def unchanged(ch: Change) -> Callable[[Copy, int], bool] | None:
    """A test ``(copy, file mode) -> True`` when ``ch`` leaves such a copied file
    as it is (no bytes stored again); None when it always counts (touch, mv,
    --reference, specs ctxaudit cannot read)."""
    spec = ch.spec
    if ch.reference or spec is None or "$" in spec:
        return None
    if ch.verb == "chmod":

        def same_mode(c: Copy, mode: int) -> bool:
            if c.chmod:
                if not _OCTAL.fullmatch(c.chmod):
                    return False  # a symbolic or variable --chmod: not modelled, the file counts
                before = int(c.chmod, 8)
            else:
                before = mode & 0o7777
            return apply_mode(spec, before) == before

        return same_mode
    if ch.verb in ("chown", "chgrp"):
        user, group = _owner_spec(spec, ch.verb)
        want_from = _owner_spec(ch.from_, "chown") if ch.from_ else None

        def same_owner(c: Copy, mode: int) -> bool:
            have_user, have_group = copy_owner(c)
            if want_from is not None:
                fu, fg = want_from
                if (fu is not None and have_user is not None and fu != have_user) or (
                    fg not in (None, "?") and have_group is not None and fg != have_group
                ):
                    return True  # --from does not match: chown skips the file
            if user is not None and (have_user is None or user != have_user):
                return False
            return group is None or (group != "?" and have_group is not None and group == have_group)

        return same_owner
    return None
