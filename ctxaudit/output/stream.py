"""Writing a rendered report: to standard output, or atomically to ``-O FILE``.

``-O`` goes through ctxaudit.analysis.ignorewrite (a temporary file and a
rename), so an existing report is never left truncated. Standard output is
guarded by ctxaudit.common.streams for the whole run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..analysis import ignorewrite
from ..common import display
from ..common.streams import OutputError, ascii_json


def emit(text: str, output: Path | None = None, *, machine: bool = False) -> None:
    """Write a rendered report to stdout, or atomically to ``output``.

    ``machine``: the text is JSON (json, sarif): on a stdout whose encoding
    is not UTF-8 it is written ASCII-only (``\\uXXXX``), still valid. Files
    are UTF-8. Raises OutputError naming the file when it cannot be written.
    """
    if output is None:
        if machine and (sys.stdout.encoding or "").replace("-", "").lower() != "utf8":
            text = ascii_json(text)
        sys.stdout.write(text)
        return
    try:
        ignorewrite.write_atomic(output, display.encode(text), hint="make it writable or choose another file")
    except ignorewrite.WriteError as exc:
        raise OutputError(str(exc)) from None
