"""Tables and prose that fit the terminal.

The width is ``COLUMNS`` when it is set, else the terminal's when stdout is
one; otherwise there is none and the layout is the stable one scripts and
logs see (tables as wide as their content, messages wrapped at 80
columns), the same on every machine.

With a width, a table keeps its narrow columns (sizes, counts, rule ids)
whole, shortens long paths in the middle (``packages/…/lib/router.js``:
the start says where, the end says what) and wraps its message column to
what is left, the way ruff and hadolint fit a terminal.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import tabulate as _tabulate
from tabulate import tabulate

STABLE_WRAP = 80
"""Where the message column and prose wrap when no width is known."""

MIN_WIDTH = 40
"""Narrower than this, a table cannot fit anyway: the layout stays readable instead."""

ELLIPSIS = "…"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_GAP = 2  # tabulate's "simple" format: two spaces between columns


def width(stream: object = None) -> int | None:
    """The width to fit, in columns, or None for the stable layout.

    ``COLUMNS`` (a positive integer) wins, as for ``ls`` and Python's own
    help; else the size of the terminal ``stream`` (stdout) is, when it is
    one. Never below :data:`MIN_WIDTH`.
    """
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return max(int(env), MIN_WIDTH)
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    try:
        columns = os.get_terminal_size(stream.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        columns = shutil.get_terminal_size().columns
    return max(columns, MIN_WIDTH) if columns > 0 else None


def visible(text: str) -> int:
    """The widest line of ``text`` on screen, colour codes left out."""
    return max((len(_ANSI.sub("", line)) for line in text.split("\n")), default=0)


def shorten_middle(text: str, limit: int) -> str:
    """``text`` cut in the middle to at most ``limit`` characters, with an ellipsis.

    Cuts fall on ``/`` where that costs little, so a path keeps its first
    directories and its file name: ``packages/api/node_modules/express/lib/router.js``
    at 30 is ``packages/api/…/lib/router.js``. A ``:LINE`` suffix stays.
    """
    if len(text) <= limit:
        return text
    if limit <= 4:
        return text[: max(limit, 0)]
    keep = limit - 1
    base = text.rsplit("/", 1)[-1]
    if "/" in text and keep // 3 * 2 < len(base) + 1 <= keep:
        # The file name is longer than the usual tail but fits: keep it whole, and what
        # the room leaves of the start ("tests/…/seed-single.Dockerfile:6").
        head = text[: keep - len(base) - 1]
        cut = head.rfind("/")
        head = head[: cut + 1] if cut >= 0 else ""
        return head + ELLIPSIS + "/" + base
    tail_len = keep - keep // 3
    tail = text[-tail_len:]
    cut = tail.find("/")
    if 0 < cut <= len(tail) // 2:
        tail = tail[cut:]
    head = text[: keep - len(tail)]
    cut = head.rfind("/")
    if cut >= len(head) // 2:
        head = head[: cut + 1]
    return head + ELLIPSIS + tail


_NBSP = "\u00a0"
_UNIT = re.compile(r"(?<=\d) (?=(?:B|KiB|MiB|GiB|TiB|PiB|bytes?|files?)\b)")


def _lines(text: str, limit: int, indent: str, more: str, break_words: bool) -> list[str]:
    """textwrap, keeping a figure with its unit ("3.3 KiB", "4 files") on one line.

    ``break_words``: a word longer than the line is cut at the line's end if
    it is a command (the line is indented: a fix), else shortened in the
    middle (a path in a message), so that no path is cut in two.
    """
    glued = _UNIT.sub(_NBSP, text)
    room = limit - len(more)
    if break_words and indent:
        return [line.replace(_NBSP, " ") for line in _code_lines(glued, limit, indent, more)]
    if break_words and not indent and room > 8:
        glued = " ".join(shorten_middle(w, room) if len(w) > room else w for w in glued.split(" "))
    lines = textwrap.wrap(
        glued,
        limit,
        initial_indent=indent,
        subsequent_indent=more,
        break_long_words=break_words,
        break_on_hyphens=False,
    )
    return [line.replace(_NBSP, " ") for line in lines]


def _code_lines(text: str, limit: int, indent: str, more: str) -> list[str]:
    """A fix (a command) wrapped between words; a word too long for any line
    starts a line of its own and is cut after a ``,`` or before a ``/`` where
    it can (``--mount=type=cache,`` / ``target=/root/.cache/pip``), never
    inside a flag's name (textwrap fills a line's end with the word's head:
    ``RUN --`` / ``mount=...``)."""
    lines: list[str] = []
    cur = indent
    fresh = True  # nothing but the indent on the current line yet
    for word in text.split():
        if not fresh and len(cur) + 1 + len(word) <= limit:
            cur += " " + word
            continue
        if not fresh:
            if len(more) + len(word) > limit:
                # Too long for any line: its head fills this one when it ends at a separator.
                cut = _separator_cut(word, limit - len(cur) - 1)
                if cut:
                    cur, word = cur + " " + word[:cut], word[cut:]
            lines.append(cur)
            cur, fresh = more, True
        while len(cur) + len(word) > limit:
            room = max(limit - len(cur), 1)
            cut = _separator_cut(word, room) or room
            lines.append(cur + word[:cut])
            cur, word = more, word[cut:]
        cur += word
        fresh = False
    if not fresh:
        lines.append(cur)
    return lines


def _separator_cut(word: str, room: int) -> int:
    """Where to cut a command word to fit ``room``: after the last ``,`` that
    fits, else before the last ``/`` or ``=``; 0 when there is none."""
    if room < 1:
        return 0
    head = word[: room + 1]
    for seps, after in ((",;", True), ("/=", False)):
        best = max(head.rfind(c) for c in seps)
        cut = best + 1 if after else best
        if 0 < cut <= room:
            return cut
    return 0


def shorten_end(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` characters, the last one an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def prose(text: str, columns: int | None) -> str:
    """A paragraph wrapped at ``columns`` (:data:`STABLE_WRAP` without a width); an indent is kept."""
    limit = columns or STABLE_WRAP
    indent = text[: len(text) - len(text.lstrip(" "))]
    return "\n".join(_lines(text.strip(" "), limit, indent, indent, False)) or text


def table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    *,
    right: Sequence[int] = (),
    wrap: int | None = None,
    paths: Sequence[int] = (),
    cut: Sequence[int] = (),
    squeeze: Sequence[int] = (),
    split: Sequence[int] = (),
    columns: int | None = None,
) -> str:
    """A plain-text table (tabulate's "simple" format).

    ``wrap``: the column that wraps (a message): at :data:`STABLE_WRAP`
    without ``columns``, else at what the other columns leave. ``paths``:
    columns whose cells may be shortened in the middle to fit ``columns``;
    ``cut``: columns whose cells may lose their end (an instruction).
    ``squeeze``: columns whose cells may wrap between words when nothing
    else makes the table fit (headers of several words wrap then too).
    ``split``: columns never shortened (ignore lines: what gets written);
    when nothing else makes the table fit, their cells break after a ``/``
    (the next line continues the same text).
    Cells may hold several lines.
    """
    align = ["right" if i in right else "left" for i in range(len(headers))]
    cells = [[str(c) for c in r] for r in rows]
    limits: list[int | None] = [None] * len(headers)
    head_limits: list[int | None] = [None] * len(headers)
    if columns is not None:
        limits, head_limits = _fit(cells, headers, wrap, paths, cut, squeeze, split, columns)
        for i in split:
            limit = limits[i]
            if limit is not None:
                for r in cells:
                    if i < len(r):
                        r[i] = "\n".join(piece for line in r[i].split("\n") for piece in split_after_slash(line, limit))
                limits[i] = None  # broken already: tabulate must not wrap them again
        for r in cells:
            for i in [*paths, *cut]:
                limit = limits[i]
                if limit is not None and i < len(r):
                    r[i] = "\n".join(
                        shorten_middle(line, limit) if i in paths else shorten_end(line, limit)
                        for line in r[i].split("\n")
                    )
        for i in [*paths, *cut]:  # shortened already: tabulate must not wrap them again
            limits[i] = None
    if wrap is not None and (columns is not None or wrap == len(headers) - 1):
        # The stable layout wraps a last column (messages) only, at 80 columns.
        limit = limits[wrap] or STABLE_WRAP
        for r in cells:
            if wrap < len(r):
                r[wrap] = wrap_cell(r[wrap], limit)
        limits[wrap] = None  # wrapped already
    padding = _tabulate.MIN_PADDING
    if columns is not None:
        _tabulate.MIN_PADDING = 0  # fitting: no column wider than its widest cell or header
    try:
        return tabulate(
            cells,
            headers=list(headers),
            tablefmt="simple",
            colalign=align,
            disable_numparse=True,
            maxcolwidths=limits if any(x is not None for x in limits) else None,
            maxheadercolwidths=head_limits if any(x is not None for x in head_limits) else None,  # type: ignore[arg-type]
        )
    finally:
        _tabulate.MIN_PADDING = padding


def wrap_cell(text: str, limit: int) -> str:
    """Each line of ``text`` wrapped at ``limit`` columns between words; the
    continuation of an indented line ("  fix: ...") is indented twice as far.
    A word longer than the column is cut."""
    out: list[str] = []
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip(" "))]
        out += _lines(line.strip(" "), limit, indent, indent * 2, True) or [""]
    return "\n".join(out)


def split_after_slash(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, each ending after a
    ``/`` where one fits (a piece longer than ``limit`` when there is none):
    nothing is left out, the pieces joined are ``text``."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("/", 0, limit) + 1
        if cut <= 0:
            cut = text.find("/", limit) + 1 or len(text)
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text] if text or not pieces else pieces


def _longest_piece(text: str) -> int:
    """The longest ``/``-ended piece of ``text``'s lines: how narrow a split column may get."""
    return max((len(p) + 1 for line in text.split("\n") for p in line.split("/")), default=0)


def _longest_word(text: str) -> int:
    return max((len(w) for w in _ANSI.sub("", text).split()), default=0)


def _fit(
    cells: list[list[str]],
    headers: Sequence[str],
    wrap: int | None,
    paths: Sequence[int],
    cut: Sequence[int],
    squeeze: Sequence[int],
    split: Sequence[int],
    columns: int,
) -> tuple[list[int | None], list[int | None]]:
    """Column and header limits so that the table is at most ``columns`` wide, where it can be."""
    n = len(headers)
    body = [max([0, *(visible(r[i]) for r in cells if i < len(r))]) for i in range(n)]
    head = [visible(h) for h in headers]
    flexible = [i for i in range(n) if i == wrap or i in paths or i in cut]
    limits: list[int | None] = [None] * n
    head_limits: list[int | None] = [None] * n

    def fixed() -> int:
        return sum(max(body[i], head[i]) for i in range(n) if i not in flexible) + _GAP * (n - 1)

    natural = [max(body[i], head[i]) for i in range(n)]

    names = [
        max([0, *(len(line.rsplit("/", 1)[-1]) + 2 for r in cells if i < len(r) for line in r[i].split("\n"))])
        for i in range(n)
    ]

    def floor(i: int) -> int:
        """How narrow a flexible column may get: its header, and 20 (a path: more to keep its file
        names whole, up to 32; an instruction) or 16 (a message)."""
        least = max(20, min(names[i], 32)) if i in paths else 20 if i in cut else 16
        return max(head[i], min(natural[i], least))

    def least() -> int:
        return fixed() + sum(floor(i) for i in flexible)

    if sum(natural[i] for i in flexible) + fixed() <= columns:
        return limits, head_limits
    if least() > columns:
        # Too narrow for the table as it is: headers wrap between words, then the squeezable cells.
        for i in range(n):
            if " " in headers[i]:
                head[i] = _longest_word(headers[i])
                head_limits[i] = head[i]
        for col in squeeze:
            if least() <= columns:
                break
            words = max(_longest_word(r[col]) for r in cells if col < len(r)) if cells else 0
            body[col] = max(words, head[col])
            limits[col] = body[col]
        for col in split:  # last: an ignore line breaks after a '/', only as far as needed
            if least() <= columns:
                break
            pieces = max(_longest_piece(r[col]) for r in cells if col < len(r)) if cells else 0
            body[col] = max(pieces, head[col], body[col] - (least() - columns))
            limits[col] = body[col]
    room = columns - fixed()
    # Paths give way first: together they keep a third of the room (each
    # at least its header); the message wraps in what is left.
    share = max(room // 3, sum(floor(i) for i in flexible if i != wrap)) if wrap is not None else room
    path_cols = [i for i in flexible if i != wrap]
    left = len(path_cols)
    for i in sorted(path_cols, key=lambda c: natural[c]):  # the short ones take what they need
        each = share // left
        limits[i] = min(natural[i], max(each, floor(i)))
        share -= limits[i] or 0
        left -= 1
    used = sum(limits[i] or 0 for i in path_cols)
    if wrap is not None:
        limits[wrap] = max(room - used, floor(wrap))
        if path_cols and room - used > natural[wrap]:  # the message needs less: give the rest back to the paths
            spare = room - used - natural[wrap]
            for i in path_cols:
                grow = min(spare, natural[i] - (limits[i] or 0))
                limits[i] = (limits[i] or 0) + grow
                spare -= grow
    return limits, head_limits
