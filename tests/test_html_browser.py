"""The HTML report in a real browser: Debian's headless Chromium draws the treemap,
shows the numbers, drills down on a click and on the keyboard, highlights a
suggestion, loads nothing from the network and logs no error.

Skipped, with the reason, when chromium is not installed (``apt-get install -y
chromium``; .ci/run installs it when it can). ``python tests/browser.py PAGE``
runs the same checks by hand and takes a screenshot.
"""

from __future__ import annotations

import dataclasses
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import LARGEST_DIR, STATE, Browser, browser, chromium
from helpers import make_tree

from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.output import Options
from ctxaudit.output import html as html_out
from ctxaudit.pipeline import scan

REPO = Path(__file__).resolve().parent.parent
PANDAS = REPO / "sample_contexts" / "pandas-analysis"

pytestmark = pytest.mark.skipif(
    chromium() is None, reason="chromium is not installed (apt-get install -y chromium): no browser to open the page"
)

WIDTH = 1200

# [bytes, drawn area] of the rectangles of a directory's children (by its path), eligible view.
TILES = """(parent => {
  const data = JSON.parse(document.getElementById('ctxaudit-data').textContent);
  const kids = new Set(); const sizes = {}; let id = 0;
  (function walk(a, path, up) { const me = id++; sizes[me] = a[2][0];
    if (up === parent) kids.add(me);
    if (a[4]) a[4].forEach(c => walk(c, path ? path + '/' + c[0] : c[0], path)); })(data.tree, '', null);
  return [...document.querySelectorAll('#treemap svg rect[data-id]')]
    .filter(e => kids.has(+e.dataset.id))
    .map(e => [sizes[+e.dataset.id], +e.getAttribute('width') * +e.getAttribute('height')]);
})"""


@pytest.fixture(scope="module")
def page() -> Iterator[Browser]:
    with browser(WIDTH, 900) as b:
        yield b


def _open(b: Browser, tmp_path: Path, html: str, name: str = "report.html") -> dict[str, Any]:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    b.open(path.as_uri())
    state: dict[str, Any] = b.js(STATE)
    assert b.console_errors() == []  # a CSP violation would be one
    assert [u for u in b.requests() if not u.startswith("file:")] == []
    return state


ROOT = "sample_contexts/pandas-analysis"


def _pandas(tmp_path: Path, b: Browser) -> dict[str, Any]:
    ctx = dataclasses.replace(open_context(PANDAS, None, Builder.BUILDKIT), label=ROOT)  # as `ctxaudit ROOT` names it
    report = scan([ctx], full=True, tree=True)
    return _open(b, tmp_path, html_out.render(report, Options()))


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", head[16:24])
    return w, h


def test_the_treemap_renders_with_the_numbers(page: Browser, tmp_path: Path) -> None:
    state = _pandas(tmp_path, page)
    svg = state["svg"]
    assert svg is not None
    # As wide as its box (the page is 1200 px wide), as tall as the script makes it, and drawn at that size.
    assert 1000 < svg["width"] <= WIDTH and svg["height"] == 560
    assert svg["box"] == [svg["width"], svg["height"]]
    assert state["rects"] >= 20  # the sample has 18 eligible files in 9 directories
    figures = {h["figure"]: h["bytes"] for h in state["headline"]}
    assert figures == {"eligible": 20899, "transfer": 3937, "image": 3937, "ignored": 13873}
    assert "20.4 KiB" in state["headline"][0]["text"]
    assert state["crumbs"] == [ROOT]
    # The top-level rectangles tile the whole SVG, each in proportion to its bytes.
    tiles = page.js(TILES + "('')")
    area = svg["width"] * svg["height"]
    assert len(tiles) == 8  # the root's eligible entries; .venv and two files are kept out
    assert abs(sum(a for _, a in tiles) - area) < 1
    for size, a in tiles:
        assert abs(a / area - size / 20899) < 1e-6
    shot = tmp_path / "shot.png"
    page.screenshot(shot)
    width, height = _png_size(shot)
    assert width == WIDTH and height > 1500 and shot.stat().st_size > 30_000


def test_hover_shows_the_path_and_size(page: Browser, tmp_path: Path) -> None:
    _pandas(tmp_path, page)
    where = page.js(
        """(() => { const r = [...document.querySelectorAll('#treemap svg rect[data-id]')]
          .find(e => e.nextSibling && e.nextSibling.textContent === 'backup_2023-12.tar');
          const b = r.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })()"""
    )
    page.call("Input.dispatchMouseEvent", type="mouseMoved", x=where[0], y=where[1])
    tip = page.js("[document.getElementById('treemap-tip').hidden, document.getElementById('treemap-tip').textContent]")
    assert tip[0] is False
    assert tip[1].startswith("old/backup_2023-12.tar \u2014 10.0 KiB \u2014 archive")


def test_a_click_drills_down_and_the_path_goes_back(page: Browser, tmp_path: Path) -> None:
    _pandas(tmp_path, page)
    target = page.js(LARGEST_DIR)
    assert target is not None
    page.click(target["x"], target["y"] + 30)
    state = page.js(STATE)
    assert len(state["crumbs"]) == 2
    opened = state["crumbs"][1]
    assert opened in ("old", "data", "scripts")
    assert state["status"].startswith(opened + " \u2014 ")
    # What the opened directory holds now fills the SVG.
    tiles = page.js(TILES + f"({opened!r})")
    assert tiles and abs(sum(a for _, a in tiles) - state["svg"]["width"] * state["svg"]["height"]) < 1
    page.js("document.querySelector('#treemap-crumbs button').click()")
    assert page.js(STATE)["crumbs"] == [ROOT]


def test_keyboard_chooses_opens_and_goes_up(page: Browser, tmp_path: Path) -> None:
    _pandas(tmp_path, page)
    page.js("document.getElementById('treemap').focus()")
    page.key("ArrowRight")  # the largest directory or file first
    state = page.js(STATE)
    assert state["status"].startswith("old \u2014 10.0 KiB, 1 file") and "(Enter opens it)" in state["status"]
    assert page.js("document.querySelectorAll('#treemap rect.selected').length") == 1
    page.key("ArrowRight")
    assert page.js(STATE)["status"].startswith("data \u2014 5.5 KiB, 4 files")
    page.key("Enter")
    assert page.js(STATE)["crumbs"] == [ROOT, "data"]
    page.key("Backspace")
    state = page.js(STATE)
    assert state["crumbs"] == [ROOT]
    assert state["status"].startswith("data \u2014")


def test_a_suggestion_highlights_what_it_removes(page: Browser, tmp_path: Path) -> None:
    _pandas(tmp_path, page)
    assert page.js(STATE)["marks"] == 0
    page.js("document.querySelector('button[data-mark=\"1\"]').click()")  # **/*.csv
    marked = page.js(
        """(() => {
      const data = JSON.parse(document.getElementById('ctxaudit-data').textContent);
      const names = []; (function walk(a, path) { names.push(path);
        if (a[4]) a[4].forEach(c => walk(c, path ? path + '/' + c[0] : c[0])); })(data.tree, '');
      return [...document.querySelectorAll('#treemap svg rect.mark')].map(e => names[+e.dataset.of]);
    })()"""
    )
    # data/ goes whole (one highlight over it); nothing else has a .csv that is eligible
    assert marked == ["data"]
    state = page.js(STATE)
    assert state["status"].startswith("**/*.csv: highlighted, 5.5 KiB")
    assert page.js("document.querySelector('button[data-mark=\"1\"]').getAttribute('aria-pressed')") == "true"
    # Inside data/, what it holds is highlighted too, and the tooltip says what goes.
    where = page.js(
        """(() => { const r = [...document.querySelectorAll('#treemap svg rect[data-id]')]
          .find(e => e.nextSibling && e.nextSibling.textContent.startsWith('data '));
          const b = r.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })()"""
    )
    page.click(where[0], where[1])
    state = page.js(STATE)
    assert state["crumbs"] == [ROOT, "data"] and state["marks"] == 2  # raw/ and processed/
    assert "**/*.csv removes 5.5 KiB" in state["status"]
    page.js("document.querySelector('#treemap-crumbs button').click()")
    page.js("document.querySelector('button[data-mark=\"1\"]').click()")
    assert page.js(STATE)["marks"] == 0


def test_views_size_the_map_by_what_is_transferred_or_kept_out(page: Browser, tmp_path: Path) -> None:
    _pandas(tmp_path, page)
    drawn = """[...document.querySelectorAll('#treemap svg text')].map(t => t.textContent)"""
    page.js("document.querySelector('input[name=treemap-view][value=\"2\"]').click()")
    labels = page.js(drawn)
    assert any(t.startswith("backup_2024-06.tar") for t in labels)  # kept out at the root
    assert not any(t.startswith("old") for t in labels)
    page.js("document.querySelector('input[name=treemap-view][value=\"1\"]').click()")
    labels = page.js(drawn)
    assert any(t.startswith("scripts") for t in labels) and not any(t.startswith("data") for t in labels)


def test_hostile_names_stay_text(page: Browser, tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "ctx",
        {
            "<img src=x onerror=alert(1)>.txt": 3000,
            "q\"'&amp;.csv": 2000,
            "esc\x1b[31m.py": 1000,
            ".dockerignore": "</script><script>alert(1)</script>\n",
        },
    )
    with open(os.path.join(os.fsencode(root), b"bad\xff.bin"), "wb") as f:
        f.write(b"x" * 500)
    report = scan([open_context(root, None, Builder.BUILDKIT)], full=True, tree=True)
    state = _open(page, tmp_path, html_out.render(report, Options()), "hostile.html")
    assert state["rects"] >= 4
    assert page.js("document.querySelectorAll('img, b').length") == 0
    labels = page.js("[...document.querySelectorAll('#treemap svg text')].map(t => t.textContent)")
    assert "<img src=x onerror=alert(1)>.txt" in labels
    assert "q\"'&amp;.csv" in labels and "esc\\x1b[31m.py" in labels and "bad\\xff.bin" in labels
    assert not [e for e in page.events if e.get("method") == "Page.javascriptDialogOpening"]


def test_the_layers_page_drills_into_a_layer(page: Browser, tmp_path: Path) -> None:
    from ctxaudit import layerreport
    from ctxaudit.engine.context import open_context as oc

    seed = REPO / "tests" / "layers"
    ctx = oc(PANDAS, seed / "cases" / "seed-single.Dockerfile", Builder.BUILDKIT)
    report = layerreport.layers(str(seed / "fixtures" / "seed-single.tar"), ctx)
    state = _open(page, tmp_path, html_out.layers_render(report, Options()), "layers.html")
    assert state["svg"]["height"] == 560 and state["rects"] >= 7
    assert {h["figure"]: h["bytes"] for h in state["headline"]} == {"stored": 23483, "wasted": 3905, "efficiency": None}
    target = page.js(LARGEST_DIR)
    page.click(target["x"], target["y"] + 30)
    state = page.js(STATE)
    assert len(state["crumbs"]) == 2 and state["crumbs"][1].startswith("#")


def test_a_project_page_draws_every_build(page: Browser, tmp_path: Path) -> None:
    from ctxaudit.builds import scan_builds
    from ctxaudit.project import select

    project = select.find(REPO / "sample_contexts" / "compose-webapp")
    assert project is not None
    p = scan_builds(project, project.builds, Builder.BUILDKIT, tree=True)
    state = _open(page, tmp_path, html_out.render_project(p, Options()), "project.html")
    assert state["crumbs"] == ["every build"] and state["rects"] >= 3
    drawn = page.js("[...document.querySelectorAll('#treemap svg text.head')].map(t => t.textContent.split('  ')[0])")
    assert {"service web", "service api", "service worker"} <= set(drawn)
    target = page.js(LARGEST_DIR)
    page.click(target["x"], target["y"] + 30)
    assert page.js(STATE)["crumbs"][1].startswith("service ")
    page.js("document.querySelector('button[data-mark=\"0\"]').click()")
    assert page.js(STATE)["status"].startswith("node_modules: highlighted")
