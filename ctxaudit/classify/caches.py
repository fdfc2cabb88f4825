"""Package-manager caches inside an image, recognised by path.

Where each tool keeps what it can download again, with its default
settings (the user's home or the system location):

========  ==========================================================================
pip       ``.cache/pip/`` in any home (``/root/.cache/pip``)
apt       ``/var/lib/apt/lists/`` (package lists), ``/var/cache/apt/`` (.deb files, pkgcache.bin)
apk       ``/var/cache/apk/``
npm       ``.npm/_cacache/`` in any home
yarn      ``/usr/local/share/.cache/yarn/`` (v1 as root), ``.cache/yarn/``, ``.yarn/berry/cache/``
pnpm      ``.local/share/pnpm/store/``, ``.pnpm-store/``, ``.cache/pnpm/``
conda     ``pkgs/`` of a conda, miniconda, miniforge, mambaforge or micromamba root, ``.conda/pkgs/``
========  ==========================================================================

Paths are relative to the image root, without a leading ``/``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cache:
    tool: str  # pip | apt | apk | npm | yarn | pnpm | conda
    root: str  # the cache directory the path is in ("root/.cache/pip")
    what: str  # for messages: "pip's cache", "apt's package lists"


_CONDA_ROOTS = {"conda", "miniconda", "miniconda3", "miniforge3", "mambaforge", "micromamba", ".conda", ".mamba"}


_HINTS = ("var/", ".cache/", ".npm/", "pnpm", ".yarn/", "pkgs/")  # every cache path holds one


def cache_of(path: str) -> Cache | None:
    """The cache ``path`` lies in, or None."""
    if not any(h in path for h in _HINTS):
        return None
    parts = path.split("/")
    n = len(parts)
    if path.startswith("var/lib/apt/lists/"):
        return Cache("apt", "var/lib/apt/lists", "apt's package lists")
    if path.startswith("var/cache/apt/"):
        return Cache("apt", "var/cache/apt", "apt's package cache")
    if path.startswith("var/cache/apk/"):
        return Cache("apk", "var/cache/apk", "apk's index cache")
    if path.startswith("usr/local/share/.cache/yarn/"):
        return Cache("yarn", "usr/local/share/.cache/yarn", "yarn's cache")
    for i in range(n - 1):
        a = parts[i]
        b = parts[i + 1] if i + 1 < n - 1 else None  # a directory below a, not the file itself
        root = "/".join(parts[: i + 2])
        if a == ".cache" and b == "pip":
            return Cache("pip", root, "pip's cache")
        if a == ".cache" and b == "yarn":
            return Cache("yarn", root, "yarn's cache")
        if a == ".cache" and b == "pnpm":
            return Cache("pnpm", root, "pnpm's cache")
        if a == ".npm" and b == "_cacache":
            return Cache("npm", root, "npm's cache")
        if a == ".pnpm-store":
            return Cache("pnpm", "/".join(parts[: i + 1]), "pnpm's store")
        if a == "pnpm" and b == "store" and i > 0 and parts[i - 1] == "share":
            return Cache("pnpm", root, "pnpm's store")
        if a == "berry" and b == "cache" and i > 0 and parts[i - 1] == ".yarn":
            return Cache("yarn", root, "yarn's cache")
        if a in _CONDA_ROOTS and b == "pkgs":
            return Cache("conda", root, "conda's package cache")
    return None
