"""Small builders for test contexts."""

from __future__ import annotations

import os
from pathlib import Path


def make_tree(root: Path, files: dict[str, str | bytes | int]) -> Path:
    """Create files under root: str/bytes content, or an int for that many bytes."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, spec in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith("/"):
            path.mkdir(exist_ok=True)
        elif isinstance(spec, int):
            path.write_bytes(b"x" * spec)
        elif isinstance(spec, bytes):
            path.write_bytes(spec)
        else:
            path.write_text(spec, encoding="utf-8")
    return root


def run_as_nobody() -> bool:
    """Whether the tests run as root and can drop to 'nobody' for permission tests."""
    return os.geteuid() == 0
