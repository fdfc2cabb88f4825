"""``pip install ctxaudit`` brings no GPL or AGPL package.

Reads the licence metadata of the installed distributions in ctxaudit's
runtime dependency closure (its requirements without extras, their
requirements, and so on), as ``importlib.metadata`` sees them.
"""

from __future__ import annotations

import importlib.metadata as md
import re

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# GPL-2.0, GPLv3+, AGPL-3.0-only, "GNU General Public License", "GNU Affero ..."; LGPL is not matched
_COPYLEFT = re.compile(r"(?<![L\w])A?GPL|GNU (AFFERO )?GENERAL PUBLIC", re.I)


def runtime_closure() -> dict[str, md.Distribution]:
    """Installed distributions ctxaudit needs at run time, by canonical name."""
    found: dict[str, md.Distribution] = {}
    todo = ["ctxaudit"]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        dist = md.distribution(name)
        found[name] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


def licences(dist: md.Distribution) -> list[str]:
    """Every licence statement in a distribution's metadata."""
    meta = dist.metadata
    out = [v for v in (meta.get("License-Expression"), meta.get("License")) if v]
    out += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return out


def test_runtime_dependencies_are_not_gpl() -> None:
    closure = runtime_closure()
    assert {"pathspec", "tree-sitter", "tree-sitter-bash"} <= set(closure)
    assert "bashlex" not in closure
    for name, dist in closure.items():
        stated = licences(dist)
        assert stated, f"{name} states no licence"
        assert not any(_COPYLEFT.search(s) for s in stated), f"{name}: {stated}"


def test_the_check_recognises_gpl_statements() -> None:
    for text in (
        "GPLv3+",
        "GPL-3.0-or-later",
        "AGPL-3.0-only",
        "License :: OSI Approved :: GNU General Public License v3",
    ):
        assert _COPYLEFT.search(text), text
    for text in (
        "MIT",
        "BSD-2-Clause",
        "MPL-2.0 AND MIT",
        "LGPL-2.1-or-later",
        "License :: OSI Approved :: ISC License",
    ):
        assert not _COPYLEFT.search(text), text
