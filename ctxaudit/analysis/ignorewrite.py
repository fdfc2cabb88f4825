"""Writing ignore files: append a block, keep every existing byte, atomically."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path


def appended(old: bytes, block: str) -> bytes:
    """The file with ``block`` appended after a line break (existing bytes unchanged)."""
    sep = b"" if not old or old.endswith(b"\n") else b"\n"
    blank = b"\n" if old.strip() else b""
    return old + sep + blank + block.encode("utf-8", "surrogateescape")


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same directory and rename it over."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def unified_diff(path: Path, old: bytes, new: bytes, label: str) -> str:
    a = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    b = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, fromfile=f"a/{label}", tofile=f"b/{label}"))
