"""The package layout is the data flow: a module imports only from its own layer or below.

The table is the README's "Development" table; a new module lands in one of
these layers or this test fails until it is given one.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import ctxaudit

# Bottom to top. Top-level modules are listed by name, packages by prefix.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("common", ("ctxaudit", "ctxaudit.common")),
    ("engine", ("ctxaudit.engine", "ctxaudit.archive", "ctxaudit.project")),
    ("classify", ("ctxaudit.classify",)),
    ("dockerfile", ("ctxaudit.dockerfile",)),
    ("rules", ("ctxaudit.rules",)),
    ("analysis", ("ctxaudit.analysis",)),
    (
        "pipeline",
        (
            "ctxaudit.pipeline",
            "ctxaudit.builds",
            "ctxaudit.gates",
            "ctxaudit.config",
            "ctxaudit.suppress",
            "ctxaudit.layerreport",
        ),
    ),
    ("output", ("ctxaudit.output",)),
    ("cli", ("ctxaudit.cli", "ctxaudit.__main__", "ctxaudit.dockerplugin")),
]

ROOT = Path(ctxaudit.__file__).parent


def _modules() -> list[str]:
    names = ["ctxaudit"]
    for info in pkgutil.walk_packages([str(ROOT)], prefix="ctxaudit."):
        names.append(info.name)
    return sorted(names)


def layer(module: str) -> int:
    """The layer index of a ctxaudit module (the longest matching prefix wins)."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or (module.startswith(prefix + ".") and prefix != "ctxaudit")
            if inside and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and the README table")
    return best[0]


def _source(module: str) -> tuple[Path, bool]:
    rel = module.split(".")[1:]
    pkg = ROOT.joinpath(*rel, "__init__.py")
    if pkg.exists():
        return pkg, True
    return ROOT.joinpath(*rel[:-1], rel[-1] + ".py"), False


def imported(module: str) -> set[str]:
    """Every ctxaudit module ``module`` imports, at any depth of its code
    (function-level and TYPE_CHECKING imports included)."""
    path, is_pkg = _source(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if is_pkg else module.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("ctxaudit"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("ctxaudit"):
                target = node.module or ""
            else:
                continue
            for alias in node.names:
                # "from . import kinds" imports a module; "from .kinds import X" a name.
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in MODULES else target)
    return out


MODULES = set(_modules())


@pytest.mark.parametrize("module", sorted(MODULES - {"ctxaudit.__main__"}))  # importing it runs the CLI
def test_module_imports(module: str) -> None:
    importlib.import_module(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    own = layer(module)
    upward = sorted(t for t in imported(module) if layer(t) > own)
    names = [f"{t} ({LAYERS[layer(t)][0]})" for t in upward]
    assert not upward, f"{module} ({LAYERS[own][0]}) imports from a layer above: {', '.join(names)}"


def test_layer_rule_catches_an_upward_import() -> None:
    # The checker itself: the engine may not import a classification.
    assert layer("ctxaudit.engine.walk") < layer("ctxaudit.classify.kinds")
    assert layer("ctxaudit.output.progress") > layer("ctxaudit.pipeline")
    with pytest.raises(AssertionError):
        layer("ctxaudit.nowhere")


def test_readme_table_lists_the_layers_in_order() -> None:
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| layer | what it knows | may import |", 1)[1].split("\n\n", 1)[0]
    firsts = [row.split("|")[1] for row in table.splitlines()[2:]]
    order = [next(i for i, (name, _) in enumerate(LAYERS) if f"`{name}" in first) for first in firsts]
    assert order == list(range(len(LAYERS))), firsts
