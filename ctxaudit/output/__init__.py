"""Output formats, one module each, behind one interface.

A formatter is ``render(report, options) -> str``; it reads the Report and
never walks, matches or decides anything itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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


def renderer(name: str) -> Renderer:
    from . import html, markdown, sarif, table
    from . import json as json_out

    formats: dict[str, Renderer] = {
        "table": table.render,
        "json": json_out.render,
        "markdown": markdown.render,
        "sarif": sarif.render,
        "html": html.render,
    }
    return formats[name]


def lint_renderer(name: str) -> Renderer:
    """The formatter of ``ctxaudit lint``: the ignore file and its findings, not a scan report."""
    from . import json as json_out
    from . import markdown, sarif, table

    formats: dict[str, Renderer] = {
        "table": table.lint_text,
        "json": json_out.lint_render,
        "markdown": markdown.lint_render,
        "sarif": sarif.render,
    }
    return formats[name]


def image_renderer(name: str) -> Renderer:
    """The formatter of ``ctxaudit image``: the final image and its layer traps, not a scan report."""
    from . import json as json_out
    from . import markdown, sarif, table

    formats: dict[str, Renderer] = {
        "table": table.image_text,
        "json": json_out.image_render,
        "markdown": markdown.image_render,
        "sarif": sarif.render,
    }
    return formats[name]


def layers_renderer(name: str) -> Callable[[LayersReport, Options], str]:
    """The formatter of ``ctxaudit layers`` for a format name."""
    from . import html, markdown, sarif, table
    from . import json as json_out

    formats: dict[str, Callable[[LayersReport, Options], str]] = {
        "table": table.layers_text,
        "json": json_out.layers_render,
        "markdown": markdown.layers_render,
        "sarif": sarif.layers_render,
        "html": html.layers_render,
    }
    return formats[name]


ProjectRenderer = Callable[["ProjectReport", Options], str]


def project_renderer(name: str) -> ProjectRenderer:
    """The renderer of a project report (every build, then the totals)."""
    from . import json as json_out
    from . import markdown, sarif, table

    formats: dict[str, ProjectRenderer] = {
        "table": table.render_project,
        "json": json_out.render_project,
        "markdown": markdown.render_project,
        "sarif": sarif.render_project,
    }
    return formats[name]
