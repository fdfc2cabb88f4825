#!/usr/bin/env python3
"""Open an HTML report in headless Chromium, check what it shows, take a screenshot.

    python tests/browser.py REPORT.html [--screenshot OUT.png] [--until SELECTOR] [--mark N] [--width 1200]

A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``
(NUL-separated JSON on file descriptors 3 and 4), standard library only:
no websocket, no node. It runs Debian's ``chromium`` (``apt-get install -y
chromium``) with a new empty profile and no network features, loads the page
from a file: URL, and reports what a person would see: the treemap's SVG and
its size, the rectangles drawn, the headline figures, console errors (a
Content-Security-Policy violation is one) and every request the page made.
``tests/test_html_browser.py`` drives the same class; this script prints the
checks and exits 1 when one fails.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
]


def chromium() -> str | None:
    """The Chromium binary, or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, binary: str, profile: str, width: int = 1200, height: int = 900) -> None:
        cmd_in_r, self._cmd_w = os.pipe()  # we write commands, Chromium reads fd 3
        self._out_r, out_w = os.pipe()  # Chromium writes fd 4, we read
        args = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"]

        def fds() -> None:
            # In the child: its fd 3 reads our commands, its fd 4 writes the answers
            # (copied away first, in case a pipe end already is 3 or 4).
            a, b = os.dup(cmd_in_r), os.dup(out_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,  # the pipe mode needs fds 3 and 4
            close_fds=False,  # else 3 and 4 would be closed after preexec_fn
        )
        os.close(cmd_in_r)
        os.close(out_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    # -- protocol ------------------------------------------------------------

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out_r], [], [], left)[0]:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._out_r, 1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)  # type: ignore[no-any-return]

    def call(self, method: str, timeout: float = 20, **params: Any) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            got = self._read(timeout)
            if got.get("id") == self._next:
                if "error" in got:
                    raise BrowserError(f"{method}: {got['error']}")
                return got.get("result", {})  # type: ignore[no-any-return]
            self.events.append(got)

    def wait_for(self, method: str, timeout: float = 20) -> dict[str, Any]:
        for e in self.events:
            if e.get("method") == method:
                self.events.remove(e)
                return e
        while True:
            got = self._read(timeout)
            if got.get("method") == method:
                return got
            self.events.append(got)

    # -- what a person does ----------------------------------------------------

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def js(self, expression: str) -> Any:
        """Evaluate in the page (promises awaited) and return the value."""
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise BrowserError(f"{expression}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        self.js("new Promise(r => requestAnimationFrame(r))")

    def key(self, key: str) -> None:
        codes = {"Enter": 13, "Escape": 27, "Backspace": 8, "ArrowRight": 39, "ArrowLeft": 37, "ArrowDown": 40}
        code = codes.get(key, 0)
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code)

    def screenshot(self, path: Path, until: str | None = None) -> None:
        """The whole page as PNG, or from its top to the bottom of the element ``until`` (a CSS selector)."""
        width = self.js("document.documentElement.scrollWidth")
        if until is None:
            height = self.js("document.documentElement.scrollHeight")
        else:
            bottom = f"document.querySelector({json.dumps(until)}).getBoundingClientRect().bottom"
            height = self.js(f"Math.ceil({bottom} + 8)")
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and CSP violations since the page was opened."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
            elif m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value")) for a in p.get("args", [])))
        return out

    def requests(self) -> list[str]:
        """Every URL the page asked for since it was opened (itself included)."""
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        with suppress(BrowserError, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._out_r)


@contextmanager
def browser(width: int = 1200, height: int = 900) -> Iterator[Browser]:
    binary = chromium()
    if binary is None:
        raise BrowserError("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="ctxaudit-chromium-") as profile:
        b = Browser(binary, profile, width, height)
        try:
            yield b
        finally:
            b.close()


STATE = """(() => {
  const svg = document.querySelector('#treemap svg');
  const rects = svg ? [...svg.querySelectorAll('rect[data-id]')] : [];
  const r = svg ? svg.getBoundingClientRect() : null;
  return {
    svg: svg ? {width: +svg.getAttribute('width'), height: +svg.getAttribute('height'),
                box: [r.width, r.height]} : null,
    rects: rects.length,
    area: rects.reduce((a, e) => a + (+e.getAttribute('width')) * (+e.getAttribute('height')), 0),
    crumbs: [...document.querySelectorAll('#treemap-crumbs button')].map(b => b.textContent),
    status: (document.getElementById('treemap-status') || {}).textContent || '',
    headline: [...document.querySelectorAll('#headline tr')].map(tr => ({
      figure: tr.dataset.figure, text: tr.textContent,
      bytes: tr.querySelector('[data-bytes]') ? +tr.querySelector('[data-bytes]').dataset.bytes : null})),
    marks: svg ? svg.querySelectorAll('rect.mark').length : 0,
  };
})()"""

LARGEST_DIR = """(() => {
  // The largest directory drawn at the top level (a head label sits in it): its centre, away from its label.
  const data = JSON.parse(document.getElementById('ctxaudit-data').textContent);
  const isDir = []; (function walk(a) { isDir.push(!!a[4]); if (a[4]) a[4].forEach(walk); })(data.tree);
  let best = null;
  for (const e of document.querySelectorAll('#treemap svg rect[data-id]')) {
    const id = +e.dataset.id, w = +e.getAttribute('width'), h = +e.getAttribute('height');
    if (!isDir[id] || id === 0) continue;
    if (!best || w * h > best.w * best.h) best = {id, w, h, x: +e.getAttribute('x'), y: +e.getAttribute('y')};
  }
  if (!best) return null;
  const box = document.querySelector('#treemap svg').getBoundingClientRect();
  return {id: best.id, x: box.left + best.x + best.w / 2, y: box.top + best.y + 8, w: best.w, h: best.h};
})()"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("page", type=Path)
    ap.add_argument("--screenshot", type=Path)
    ap.add_argument("--until", help="clip the screenshot below this element (a CSS selector: #treemap-section)")
    ap.add_argument("--mark", type=int, help="press the 'show' button of this suggestion (0: the first) first")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args()
    failures = []
    with browser(args.width, args.height) as b:
        b.open(args.page.resolve().as_uri())
        if args.mark is not None:
            b.js(f"document.querySelector('button[data-mark=\"{args.mark}\"]').click()")
            b.js("window.scrollTo(0, 0)")
        state = b.js(STATE)
        print(json.dumps(state, indent=1))
        if args.screenshot:
            b.screenshot(args.screenshot, args.until)
            print(f"screenshot: {args.screenshot}")
        if not state["svg"] or not state["rects"]:
            failures.append("no treemap drawn")
        errors = b.console_errors()
        if errors:
            failures.append(f"console errors: {errors}")
        outside = [u for u in b.requests() if not u.startswith("file:")]
        if outside:
            failures.append(f"requests beyond the file: {outside}")
    for f in failures:
        print(f"FAIL: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
