"""Output formats, one module each, behind one interface.

A formatter is ``render(report, options) -> str``; it reads the Report and
never walks, matches or decides anything itself.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..pipeline import Report

if TYPE_CHECKING:
    from ..builds import ProjectReport
    from ..layerreport import LayersReport


@dataclass(frozen=True)
class Options:
    raw_bytes: bool = False  # exact byte counts instead of KiB/MiB/GiB
    color: bool = False
    width: int | None = None  # columns to fit (ctxaudit.output.layout.width); None: the stable layout


Renderer = Callable[[Report, Options], str]


def color_wanted(stream: object = None) -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (no-color.org)."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _format_function(name: str, functions: dict[str, str]) -> Any:
    """``functions[name]`` from the format module called ``name``; only that module is imported
    (start-up time: each format module costs milliseconds to import). KeyError for an unknown name."""
    function = functions[name]
    return getattr(importlib.import_module(f".{name}", __name__), function)


def renderer(name: str) -> Renderer:
    """The formatter for a format name (table, json, markdown, sarif, html)."""
    functions = {"table": "render", "json": "render", "markdown": "render", "sarif": "render", "html": "render"}
    return cast(Renderer, _format_function(name, functions))


def lint_renderer(name: str) -> Renderer:
    """The formatter of ``ctxaudit lint``: the ignore file and its findings, not a scan report."""
    functions = {"table": "lint_text", "json": "lint_render", "markdown": "lint_render", "sarif": "render"}
    return cast(Renderer, _format_function(name, functions))


def image_renderer(name: str) -> Renderer:
    """The formatter of ``ctxaudit image``: the final image and its layer traps, not a scan report."""
    functions = {"table": "image_text", "json": "image_render", "markdown": "image_render", "sarif": "render"}
    return cast(Renderer, _format_function(name, functions))


def layers_renderer(name: str) -> Callable[[LayersReport, Options], str]:
    """The formatter of ``ctxaudit layers`` for a format name."""
    functions = {
        "table": "layers_text",
        "json": "layers_render",
        "markdown": "layers_render",
        "sarif": "layers_render",
        "html": "layers_render",
    }
    return cast(Callable[["LayersReport", Options], str], _format_function(name, functions))


ProjectRenderer = Callable[["ProjectReport", Options], str]


def project_renderer(name: str) -> ProjectRenderer:
    """The renderer of a project report (every build, then the totals)."""
    functions = {
        "table": "render_project",
        "json": "render_project",
        "markdown": "render_project",
        "sarif": "render_project",
    }
    return cast(ProjectRenderer, _format_function(name, functions))
