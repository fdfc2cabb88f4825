"""Standard output and standard error that never crash a run.

* A character the stream's encoding cannot hold (``PYTHONIOENCODING=ascii``,
  ``LC_ALL=C`` without UTF-8 mode) is written ``\\xNN`` per UTF-8 byte, the
  escaping every format uses (ctxaudit.common.display); JSON and SARIF are
  written with ``\\uXXXX`` escapes instead, so they stay valid JSON.
* A reader that went away (``ctxaudit scan | head -1``, ``| true``) is not an
  error: the rest of the output is discarded and the exit status is what it
  would have been (a gate still fails).
* Any other failure to write standard output (``> /dev/full``) is one line
  on standard error and exit 2.

Report files (``-O``) are written by ctxaudit.output.stream. Standard
library only, so that ``ctxaudit ls`` and ``--help`` start fast.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from typing import TextIO

from . import display
from .errors import CtxauditError


class OutputError(CtxauditError):
    """Standard output or the report file cannot be written."""


class _Guarded(io.TextIOWrapper):
    """A text stream over the process's stdout or stderr buffer that escapes
    what the encoding cannot hold and turns write failures into OutputError
    (or, for a closed pipe and for stderr, into silence)."""

    gone = False

    def __init__(self, original: io.TextIOWrapper, name: str) -> None:
        super().__init__(
            original.buffer,
            encoding=original.encoding,
            errors=display.ERRORS,
            line_buffering=original.line_buffering,
            write_through=original.write_through,
        )
        self._label = name

    def write(self, s: str) -> int:
        if self.gone:
            return len(s)
        try:
            return super().write(s)
        except OSError as exc:
            self._failed(exc)
            return len(s)

    def flush(self) -> None:
        if self.gone:
            return
        try:
            super().flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        # Whatever is still buffered goes nowhere, and the interpreter's own
        # flush at exit cannot fail again (it would print a traceback).
        self.gone = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.buffer.fileno())
            os.close(null)
        except OSError:  # pragma: no cover - /dev/null missing
            pass
        if isinstance(exc, BrokenPipeError) or self._label == "stderr":
            return
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}")


class Streams:
    """The guarded stdout and stderr of one run; :meth:`finish` flushes and restores."""

    def __init__(self) -> None:
        self.saved: list[tuple[str, TextIO]] = []
        for name in ("stdout", "stderr"):
            original = getattr(sys, name)
            if type(original) is not io.TextIOWrapper:  # captured by a test, or replaced: leave it
                continue
            try:
                original.flush()
                original.buffer.fileno()
            except (OSError, ValueError, AttributeError):
                continue
            setattr(sys, name, _Guarded(original, name))
            self.saved.append((name, original))

    def finish(self) -> None:
        """Flush and put the original streams back; raises OutputError when stdout failed."""
        error: OutputError | None = None
        for name, original in self.saved:
            guarded = getattr(sys, name)
            try:
                guarded.flush()
            except OutputError as exc:
                error = exc
            if isinstance(guarded, _Guarded):
                guarded.detach()  # keep the buffer open for the original stream
            setattr(sys, name, original)
        self.saved = []
        if error is not None:
            raise error


def stdout_gone() -> bool:
    """Has the reader of standard output gone away (``ctxaudit ls | head``)?"""
    return bool(getattr(sys.stdout, "gone", False))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def ascii_json(text: str) -> str:
    """JSON text with every non-ASCII character as ``\\uXXXX``: the same document."""
    return _NON_ASCII.sub(lambda m: json.dumps(m.group())[1:-1], text)
