"""Go standard-library string helpers that Docker's ignore handling relies on.

Docker is written in Go; where Python's near-equivalents differ (``str.strip``
strips ``\\x1c``-``\\x1f``, ``posixpath.normpath`` keeps a leading ``//``), these
ports reproduce Go byte for byte.
"""

from __future__ import annotations

# unicode.IsSpace: the Latin-1 spaces plus the White_Space property.
_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_GO_SPACE_STR = "".join(sorted(_GO_SPACE))


def trim_space(s: str) -> str:
    """strings.TrimSpace."""
    return s.strip(_GO_SPACE_STR)


def clean(path: str) -> str:
    """filepath.Clean on Unix: lexical normalisation, "." for an empty result."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    for part in path.split("/"):
        if part == "" or part == ".":
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    body = "/".join(out)
    if rooted:
        return "/" + body
    return body or "."
