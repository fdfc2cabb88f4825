"""Build a conformance case on disk and compare listings with its golden file.

A case (``cases/NAME.json``) names a base tree from ``trees.json``, extra
files, the ``.dockerignore`` text (or ``dockerignore_hex``, its bytes) and
optionally a Dockerfile path inside the context. File specs: a string
(content), ``{"hex": "..."}`` (raw bytes), ``{"size": N}`` (N deterministic
bytes), ``{"symlink": T}``, ``{"hardlink": P}``, ``{"dir": true}``,
``{"fifo": true}``, ``{"socket": true}``, ``{"chardev": [MAJ, MIN]}``. A name
``hex:...`` is raw bytes (for names that are not UTF-8).

Build files that are links or live outside the context (``buildfile-*``
cases): ``outside`` holds files created beside the context (paths relative
to its parent), a file spec ``"@dockerfile"`` is the oracle's Dockerfile
text, a symlink target starting with ``@where/`` is made absolute under the
case's directory, ``dockerfile_outside`` names a Dockerfile beside the
context (``-f`` to it), and ``no_f`` builds without ``-f`` (the builder
finds ``CONTEXT/Dockerfile`` itself).

The golden (``golden/NAME.json``) holds what the oracles printed:
``modernwalk`` (current BuildKit walk on the real moby/patternmatcher),
``engine_buildkit`` and ``engine_legacy`` (a real dockerd), each either
``{"ok": true, "files": [[path, size], ...]}`` or ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
GOLDEN = HERE / "golden"
DOCKERFILE_TEXT = "FROM scratch\nCOPY . /ctx/\n"


def case_names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.json"))


def read_json(path: Path) -> dict[str, Any]:
    """A case or golden file (the three golden suites share this)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_case(name: str) -> dict[str, Any]:
    return read_json(CASES / f"{name}.json")


def load_golden(name: str) -> dict[str, Any]:
    return read_json(GOLDEN / f"{name}.json")


def _content(spec: Any, path: bytes) -> bytes:
    if isinstance(spec, str):
        return spec.encode("utf-8")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    n = int(spec["size"])
    seed = path + b"\n"
    return (seed * (n // len(seed) + 1))[:n]


def _name(key: str) -> bytes:
    return bytes.fromhex(key[4:]) if key.startswith("hex:") else key.encode("utf-8")


def materialize(case: dict[str, Any], where: Path) -> tuple[Path, Path | None]:
    """Create the case's context under ``where``; return (context, dockerfile).

    The dockerfile is what ``-f`` names (None for ``no_f`` cases).
    """
    ctx = where / "ctx"
    ctx.mkdir(parents=True)
    files: dict[str, Any] = {}
    if case.get("tree"):
        trees = json.loads((HERE / "trees.json").read_text(encoding="utf-8"))
        files.update(trees[case["tree"]])
    files.update(case.get("files", {}))
    if "dockerignore" in case:
        files[".dockerignore"] = case["dockerignore"]
    if "dockerignore_hex" in case:
        files[".dockerignore"] = {"hex": case["dockerignore_hex"]}
    dockerfile = None
    if case.get("dockerfile"):
        files.setdefault(case["dockerfile"], DOCKERFILE_TEXT)
        dockerfile = ctx / case["dockerfile"]
    _create(where, case.get("outside", {}), where)
    links = _create(ctx, files, where)
    for src, dst in links:
        os.link(src, dst)
    if case.get("dockerfile_outside"):
        outside = where / case["dockerfile_outside"]
        if not os.path.lexists(outside):
            outside.write_text(DOCKERFILE_TEXT)
        return ctx, outside
    if case.get("no_f"):
        return ctx, None
    if dockerfile is None:
        # The oracle's Dockerfile lives outside the context.
        dockerfile_out = where / "Dockerfile"
        dockerfile_out.write_text(DOCKERFILE_TEXT)
        return ctx, dockerfile_out
    return ctx, dockerfile


def _create(base: Path, files: dict[str, Any], where: Path) -> list[tuple[bytes, bytes]]:
    """Create ``files`` under ``base``; return the hard links still to make."""
    root = os.fsencode(base)
    links: list[tuple[bytes, bytes]] = []
    for key, spec in files.items():
        rel = _name(key)
        full = os.path.join(root, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if spec == "@dockerfile":
            spec = DOCKERFILE_TEXT
        if isinstance(spec, dict) and "symlink" in spec:
            target = str(spec["symlink"])
            if target.startswith("@where/"):
                target = str(where / target[len("@where/") :])
            os.symlink(target, full)
        elif isinstance(spec, dict) and "hardlink" in spec:
            links.append((os.path.join(root, _name(spec["hardlink"])), full))
        elif isinstance(spec, dict) and spec.get("dir"):
            os.makedirs(full, exist_ok=True)
        elif isinstance(spec, dict) and spec.get("fifo"):
            os.mkfifo(full)
        elif isinstance(spec, dict) and spec.get("socket"):
            s = socket.socket(socket.AF_UNIX)
            s.bind(full)
            s.close()
        elif isinstance(spec, dict) and "chardev" in spec:
            major, minor = spec["chardev"]
            os.mknod(full, stat.S_IFCHR | 0o644, os.makedev(major, minor))
        else:
            with open(full, "wb") as f:
                f.write(_content(spec, rel))
    return links


def needs_root(case: dict[str, Any]) -> bool:
    return any(isinstance(v, dict) and "chardev" in v for v in case.get("files", {}).values())


def listing_from_bytes(rows: list[tuple[bytes, int]]) -> list[list[Any]]:
    """Oracle rows (raw path bytes, size) -> golden rows, in ctxaudit's display form."""
    from ctxaudit.common import display

    return [[display.path(os.fsdecode(p)), size] for p, size in sorted(rows)]


def truth_key(case: dict[str, Any], builder: str) -> str:
    """Which oracle a builder profile must agree with.

    legacy: the engine. buildkit: modernwalk (the current BuildKit walk; the
    engine's 20.10 BuildKit differs only for wildcard exceptions), or the
    engine where the case says so (special files, which modernwalk does not
    model).
    """
    if builder == "legacy":
        return "engine_legacy"
    return "engine_buildkit" if case.get("buildkit_truth") == "engine" else "modernwalk"


def ctxaudit_listing(ctx: Path, dockerfile: Path | None, builder: str) -> dict[str, Any]:
    """What ctxaudit says COPY . sees: sent files minus what the daemon drops."""
    from ctxaudit.common import display
    from ctxaudit.common.errors import InputError
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.pattern import PatternError
    from ctxaudit.engine.walk import walk

    try:
        c = open_context(ctx, dockerfile, Builder(builder))
        fatal = [p.reason for p in c.problems if p.fatal]
        if fatal:
            return {"ok": False, "error": fatal[0]}
        rows = [[display.path(e.path), e.size] for e in walk(c) if e.sent and e.is_file and not e.removed]
    except (InputError, PatternError) as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "files": rows}


def _comparable(listing: dict[str, Any], builder: str) -> Any:
    if not listing["ok"]:
        return "build fails"
    rows = listing["files"]
    if builder == "legacy":
        # The CLI appends a line to the .dockerignore it sends when the
        # Dockerfile lives outside the context: compare it by presence.
        rows = [[p, None if p == ".dockerignore" else s] for p, s in rows]
    return rows


def compare(case: dict[str, Any], golden: dict[str, Any], builder: str) -> list[str]:
    """Differences between ctxaudit and the case's oracle for one builder."""
    import tempfile

    expected = _comparable(golden[truth_key(case, builder)], builder)
    with tempfile.TemporaryDirectory() as tmp:
        ctx, dockerfile = materialize(case, Path(tmp))
        actual = _comparable(ctxaudit_listing(ctx, dockerfile, builder), builder)
    if actual == expected:
        return []
    if isinstance(actual, str) or isinstance(expected, str):
        want = expected if isinstance(expected, str) else "a build"
        got = actual if isinstance(actual, str) else "it builds"
        return [f"expected {want}, ctxaudit says {got}"]
    exp = {p: s for p, s in expected}
    act = {p: s for p, s in actual}
    out = [f"missing {p}" for p in exp if p not in act]
    out += [f"extra {p}" for p in act if p not in exp]
    out += [f"size of {p}: expected {exp[p]}, got {act[p]}" for p in exp if p in act and exp[p] != act[p]]
    if not out:
        out = ["order differs"]
    return out
