#!/usr/bin/env python3
"""Compare two shell readers of RUN lines: tree-sitter-bash (now) and bashlex (before).

    python tests/shell/compare.py dump OUT.json      # with the ctxaudit to read them
    python tests/shell/compare.py diff BEFORE.json AFTER.json
    python tests/shell/compare.py record             # rewrite real_runs.golden.json

``dump`` reads every RUN instruction of the test corpus with the
``ctxaudit.dockerfile.shell`` of the interpreter that runs it: the Dockerfiles
under tests/ (files named like ``Dockerfile``, ``*.Dockerfile``,
``Containerfile``), every string constant of tests/*.py that holds a RUN
instruction (the inline Dockerfiles and test_shell.py's cases), and
real_runs.Dockerfile: RUN lines written after public Dockerfiles, one fixture
per instruction. bashlex is GPL-3.0 and no dependency of ctxaudit: to dump
with it, run ``dump`` in an environment holding a ctxaudit from before the
replacement (commit 054d5b8 or older) and ``pip install bashlex``.

``diff`` prints how many instructions both read alike and each one they read
differently. ``record`` writes what the current reader finds in every
fixture of real_runs.Dockerfile to real_runs.golden.json, which
tests/test_shell_corpus.py checks.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
FIXTURES = HERE / "real_runs.Dockerfile"
GOLDEN = HERE / "real_runs.golden.json"


def _dockerfiles() -> list[tuple[str, str]]:
    """(label, Dockerfile text) for every Dockerfile of the test corpus."""
    out = []
    for p in sorted(TESTS.rglob("*")):
        name = p.name.lower()
        if not p.is_file() or p == FIXTURES or "__pycache__" in p.parts:
            continue
        if "dockerfile" in name or name.startswith("containerfile"):
            if p.suffix in (".json", ".py", ".txt", ".md", ".dockerignore", ".containerignore"):
                continue
            try:
                out.append((str(p.relative_to(TESTS)), p.read_text(encoding="utf-8")))
            except (UnicodeDecodeError, OSError):
                continue
    for p in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body and isinstance(n.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "RUN " in node.value:
                text = node.value if node.value.lstrip().upper().startswith("FROM") else "FROM scratch\n" + node.value
                out.append((f"{p.name}:{node.lineno}", text))
    return out


def runs(text: str) -> list[tuple[int, str, object]]:
    """(line, instruction text, Run) for each RUN of a Dockerfile; [] when it does not parse."""
    from ctxaudit.dockerfile.model import build_model

    try:
        model = build_model(text)
    except Exception:  # a test's deliberately broken Dockerfile
        return []
    return [(r.line, r.ins.original, r) for s in model.stages for r in s.runs]


def read(run: object) -> dict[str, object]:
    """The commands of a RUN as ``[env..., words..., > redirects...]`` and whether the reading is approximate."""
    from ctxaudit.dockerfile.shell import run_script

    try:
        script = run_script(run)  # type: ignore[arg-type]
    except Exception as e:  # a crash is a finding too
        return {"error": f"{type(e).__name__}: {e}"}
    commands = [
        [f"{k}={v}" for k, v in c.env.items()] + c.words + [f"> {t}" for t in c.redirects] for c in script.commands
    ]
    return {"commands": commands, "approximate": script.approximate}


def dump(out: Path) -> None:
    found: dict[str, dict[str, object]] = {}
    sources = [("real_runs.Dockerfile", FIXTURES.read_text(encoding="utf-8")), *_dockerfiles()]
    for label, text in sources:
        for line, original, run in runs(text):
            key = f"{original}"  # the same RUN in many files is read once
            found.setdefault(key, {"where": f"{label}:{line}", **read(run)})
    out.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(found)} distinct RUN instructions from {len(sources)} Dockerfiles -> {out}")


def diff(before_path: Path, after_path: Path) -> int:
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = json.loads(after_path.read_text(encoding="utf-8"))
    shared = sorted(set(before) & set(after))
    differ = [k for k in shared if before[k].get("commands") != after[k].get("commands")]
    flags = [k for k in shared if k not in differ and before[k].get("approximate") != after[k].get("approximate")]
    real = [k for k in shared if after[k]["where"].startswith("real_runs.Dockerfile")]
    print(f"{len(shared)} RUN instructions read by both ({len(real)} real-world fixtures)")
    print(f"  same commands: {len(shared) - len(differ)}, different: {len(differ)}")
    approx_before = sum(bool(before[k].get("approximate")) for k in shared)
    approx_after = sum(bool(after[k].get("approximate")) for k in shared)
    print(f"  approximate (syntax error) before: {approx_before}, after: {approx_after}")
    print(f"  same commands, approximate flag differs: {len(flags)}")
    for k in differ + flags:
        print(f"\n== {after[k]['where']}\n{k}")
        for name, side in (("bashlex", before[k]), ("tree-sitter", after[k])):
            approx = " (approximate)" if side.get("approximate") else ""
            print(f"  {name}{approx}: {side.get('commands', side.get('error'))}")
    return 0


def record() -> None:
    golden = {}
    for line, original, run in runs(FIXTURES.read_text(encoding="utf-8")):
        golden[f"{line}"] = {"run": original, **read(run)}
    GOLDEN.write_text(json.dumps(golden, indent=1) + "\n", encoding="utf-8")
    print(f"{len(golden)} fixtures -> {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"] and len(sys.argv) == 3:
        dump(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["diff"] and len(sys.argv) == 4:
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
    elif sys.argv[1:] == ["record"]:
        record()
    else:
        sys.exit(__doc__)
