"""Package-manager caches recognised by path (ctxaudit.classify.caches)."""

from __future__ import annotations

import pytest

from ctxaudit.classify.caches import cache_of


@pytest.mark.parametrize(
    ("path", "tool", "root"),
    [
        ("root/.cache/pip/wheels/ab/pandas.whl", "pip", "root/.cache/pip"),
        ("home/app/.cache/pip/http-v2/1/2/x", "pip", "home/app/.cache/pip"),
        ("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "apt", "var/lib/apt/lists"),
        ("var/cache/apt/archives/gcc_12_amd64.deb", "apt", "var/cache/apt"),
        ("var/cache/apt/pkgcache.bin", "apt", "var/cache/apt"),
        ("var/cache/apk/APKINDEX.abc.tar.gz", "apk", "var/cache/apk"),
        ("root/.npm/_cacache/content-v2/sha512/aa/bb", "npm", "root/.npm/_cacache"),
        ("usr/local/share/.cache/yarn/v6/npm-react-18.tgz", "yarn", "usr/local/share/.cache/yarn"),
        ("home/node/.cache/yarn/v6/x", "yarn", "home/node/.cache/yarn"),
        ("root/.yarn/berry/cache/react-npm-18.zip", "yarn", "root/.yarn/berry/cache"),
        ("root/.local/share/pnpm/store/v3/files/aa", "pnpm", "root/.local/share/pnpm/store"),
        ("app/.pnpm-store/v3/files/aa", "pnpm", "app/.pnpm-store"),
        ("root/.cache/pnpm/metadata/x.json", "pnpm", "root/.cache/pnpm"),
        ("opt/conda/pkgs/numpy-1.26-py311.conda", "conda", "opt/conda/pkgs"),
        ("root/miniconda3/pkgs/cache/abc.json", "conda", "root/miniconda3/pkgs"),
        ("root/.conda/pkgs/urls.txt", "conda", "root/.conda/pkgs"),
    ],
)
def test_caches_by_path(path: str, tool: str, root: str) -> None:
    c = cache_of(path)
    assert c is not None and (c.tool, c.root) == (tool, root)


@pytest.mark.parametrize(
    "path",
    [
        "usr/local/lib/python3.11/site-packages/pip/__init__.py",  # pip itself
        "root/.cache/pip",  # the directory's own entry holds no bytes
        "app/node_modules/react/index.js",
        "opt/conda/lib/python3.11/os.py",
        "var/lib/apt/extended_states",
        "srv/pkgs/readme.txt",  # a pkgs/ that is not conda's
        "root/.npm/_logs/debug.log",
    ],
)
def test_not_caches(path: str) -> None:
    assert cache_of(path) is None
