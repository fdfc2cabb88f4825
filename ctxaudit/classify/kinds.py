"""What a context entry is, decided by its path and name, and for secrets by content.

One table, read top to bottom. A directory kind (``.git``, ``node_modules``,
a virtualenv...) covers everything below it and the outermost one wins, so a
``__pycache__`` inside ``.venv`` counts as the virtualenv. Files outside any
such directory are classified by exact name, then suffix (longest first).
A directory holding ``pyvenv.cfg`` is a virtualenv whatever its name.
A file without a suffix that starts with an executable's magic number
(ELF, Mach-O, PE) is a ``binary`` (:func:`binary_magic`).
A sent regular file that ctxaudit.classify.secrets judges a secret (by name,
confirmed by its first bytes where the name is no proof) is of kind
``secret`` wherever it lies, except in third-party and VCS trees.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Collection, Iterator

from ..engine.context import Context
from ..engine.walk import Entry, EntryType, Status
from ..engine.walk import walk as engine_walk
from . import secrets, suffixes

SOURCE = "source"
TEST_DATA = "test-data"
BINARY = "binary"

# Directories whose whole subtree is one kind.
DIR_KINDS: dict[str, str] = {
    ".git": "vcs",
    ".hg": "vcs",
    ".svn": "vcs",
    ".bzr": "vcs",
    ".venv": "venv",
    "venv": "venv",
    ".tox": "venv",
    ".nox": "venv",
    "__pypackages__": "venv",
    "node_modules": "dependencies",
    "bower_components": "dependencies",
    ".pnpm-store": "dependencies",
    ".yarn": "dependencies",
    ".eggs": "dependencies",
    "wheels": "dependencies",
    "wheelhouse": "dependencies",
    "__pycache__": "cache",
    ".pytest_cache": "cache",
    ".mypy_cache": "cache",
    ".ruff_cache": "cache",
    ".hypothesis": "cache",
    ".cache": "cache",
    ".gradle": "cache",
    ".parcel-cache": "cache",
    ".turbo": "cache",
    ".ipynb_checkpoints": "cache",
    # Coverage reports: coverage.py's htmlcov/, Istanbul/nyc and Jest's coverage/, lcov.
    "htmlcov": "coverage",
    "coverage": "coverage",
    ".nyc_output": "coverage",
    # Test inputs: Go's testdata/ (never built), and the usual spellings elsewhere.
    "testdata": TEST_DATA,
    "test_data": TEST_DATA,
    "test-data": TEST_DATA,
    "__fixtures__": TEST_DATA,
    "__snapshots__": TEST_DATA,
    "dist": "build",
    "build": "build",
    "target": "build",
    "_build": "build",
    ".next": "build",
    ".nuxt": "build",
    ".idea": "litter",
    ".vscode": "litter",
    "logs": "log",
}
DIR_GLOBS: list[tuple[str, str]] = [("*.egg-info", "build")]
VENV_MARKER = "pyvenv.cfg"

FILE_NAMES: dict[str, str] = {
    ".DS_Store": "litter",
    "Thumbs.db": "litter",
    "desktop.ini": "litter",
    ".eslintcache": "cache",
    ".coverage": "coverage",
    "lcov.info": "coverage",
    "coverage.xml": "coverage",
    "coverage-final.json": "coverage",
    "a.out": BINARY,
}

# Suffixes, matched case-insensitively; longest wins ("x.tar.gz" is an archive).
FILE_SUFFIXES: dict[str, str] = {
    **dict.fromkeys(
        (
            ".csv",
            ".tsv",
            ".parquet",
            ".feather",
            ".arrow",
            ".xlsx",
            ".xls",
            ".ods",
            ".jsonl",
            ".ndjson",
            ".sqlite",
            ".sqlite3",
            ".db",
            ".npy",
            ".npz",
            ".pkl",
            ".pickle",
            ".avro",
            ".orc",
            ".dta",
            ".sav",
            ".rds",
            ".rdata",
            ".hdf5",
        ),
        "data",
    ),
    **dict.fromkeys(
        (
            ".tar",
            ".tar.gz",
            ".tgz",
            ".tar.bz2",
            ".tbz2",
            ".tar.xz",
            ".txz",
            ".tar.zst",
            ".zip",
            ".7z",
            ".rar",
            ".gz",
            ".bz2",
            ".xz",
            ".zst",
            ".bak",
            ".backup",
            ".dump",
            ".sql.gz",
            ".iso",
            ".dmg",
        ),
        "archive",
    ),
    **dict.fromkeys((".pyc", ".pyo"), "cache"),
    **dict.fromkeys((".whl", ".egg"), "dependencies"),
    **dict.fromkeys((".o", ".a", ".class", ".obj"), "build"),
    # Compiled executables and libraries (ELF, Mach-O and PE ones without a suffix are sniffed).
    **dict.fromkeys((".exe", ".dll", ".so", ".dylib"), BINARY),
    ".lcov": "coverage",
    **dict.fromkeys((".log",), "log"),
    **dict.fromkeys(
        (
            ".png",
            ".jpg",
            ".jpeg",
            ".gif",
            ".bmp",
            ".tif",
            ".tiff",
            ".webp",
            ".psd",
            ".mp4",
            ".mov",
            ".avi",
            ".mkv",
            ".webm",
            ".mp3",
            ".wav",
            ".flac",
            ".ogg",
            ".pdf",
        ),
        "media",
    ),
    **dict.fromkeys(
        (
            ".pt",
            ".pth",
            ".onnx",
            ".safetensors",
            ".h5",
            ".ckpt",
            ".pb",
            ".tflite",
            ".gguf",
            ".joblib",
            ".keras",
            ".mlmodel",
        ),
        "model",
    ),
    **dict.fromkeys((".swp", ".swo", ".orig", ".rej", "~"), "litter"),
}


def dir_kind(name: str, children: Collection[str] = ()) -> str | None:
    """The kind a directory gives its subtree, or None.

    A directory that is a Python or Go package (``__init__.py`` or ``*.go``
    among its children) is source whatever its name: Django's ``logs`` app,
    the ``build`` package of a Go module."""
    kind = DIR_KINDS.get(name)
    if kind is not None:
        if children and kind != TEST_DATA and not name.startswith((".", "__")) and _is_package(children):
            return None  # (Go never builds testdata/, whatever it holds)
        return kind
    for glob, k in DIR_GLOBS:
        if fnmatch.fnmatchcase(name, glob):
            return k
    if VENV_MARKER in children:
        return "venv"
    return None


SECRET = "secret"
# Directory kinds whose files are third-party or repository data: never judged as secrets
# (a test key inside node_modules is not the project's; .git has rules of its own).
UNJUDGED = frozenset({"vcs", "dependencies", "venv"})


def _is_package(children: Collection[str]) -> bool:
    return "__init__.py" in children or any(c.endswith(".go") for c in children)


_SHARED_LIBRARY = re.compile(r"\.so(?:\.[0-9]+)+$")  # libfoo.so.1.2


def name_kind(name: str) -> str:
    """The kind of a file outside any kinded directory, from its name alone, secrets aside."""
    kind = FILE_NAMES.get(name)
    if kind is not None:
        return kind
    if name.endswith("~") and len(name) > 1:
        return FILE_SUFFIXES["~"]
    found = suffixes.longest(name, FILE_SUFFIXES)
    if found is None:
        if name.startswith(".coverage."):  # coverage.py's parallel data files
            return "coverage"
        # (every name the expression matches holds ".so.": most names are settled without it)
        return BINARY if ".so." in name and _SHARED_LIBRARY.search(name) else SOURCE
    return found[1]


MAGIC_BYTES = 512
"""What is read of a file without a suffix to tell an executable (PE's header offset lies within it)."""
MAGIC_MIN = 128
"""Smaller files are not read: no real executable is that small."""

_MAGIC = (
    b"\x7fELF",  # ELF (Linux, BSD)
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit, big-endian
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit, big-endian
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal (and Java classes: compiled too)
)


def binary_magic(data: bytes) -> bool:
    """Whether ``data`` (a file's first bytes) starts an ELF, Mach-O or PE executable.

    PE: the DOS ``MZ`` stub, then ``PE\\0\\0`` at the offset it gives (the
    ``e_lfanew`` field at 0x3c), so that a text file starting with "MZ" is
    not one.
    """
    if data.startswith(_MAGIC):
        return True
    if data.startswith(b"MZ") and len(data) >= 0x40:
        at = int.from_bytes(data[0x3C:0x40], "little")
        return data[at : at + 4] == b"PE\0\0"
    return False


def sniff_binary(root: str, path: str, size: int) -> bool:
    """Whether the file ``root/path`` (``size`` bytes) is an executable by its first bytes
    (:func:`binary_magic`); an unreadable or small file is not."""
    if size < MAGIC_MIN:
        return False
    try:
        fd = os.open(os.path.join(root, path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        return binary_magic(os.read(fd, MAGIC_BYTES))
    except OSError:
        return False
    finally:
        os.close(fd)


def file_kind(name: str) -> str:
    """The kind of a file outside any kinded directory, from its name alone
    (a name that suggests a secret counts: :func:`walk` confirms by content)."""
    if secrets.name_reason(name) is not None:  # one table: ctxaudit.secrets
        return SECRET
    return name_kind(name)


def of(e: Entry) -> str:
    """The kind of a walked entry: its labelled directory's, else its own
    from its name (decided once, kept in ``e.label``). Entries must come
    from :func:`walk`, which labels directories and judges secrets."""
    k = e.label
    if k is None:
        name = e.path.rpartition("/")[2]
        k = e.label = SOURCE if e.type is EntryType.DIR else name_kind(name) if e.sent else file_kind(name)
    return k


def walk(ctx: Context, *, full: bool = False, sizes: bool = True) -> Iterator[Entry]:
    """The builder's walk (ctxaudit.engine.walk) with directories labelled by
    :func:`dir_kind` and every sent regular file judged by
    :func:`ctxaudit.classify.secrets.judge` (its name, and its first bytes
    where the name is no proof or the file is small), so that :func:`of`
    tells every entry's kind, ``secret`` included. Without ``sizes`` secrets
    go by name."""
    entries = engine_walk(ctx, full=full, sizes=sizes, label_dir=dir_kind)
    return _judged(entries, str(ctx.root)) if sizes else entries


def _judged(entries: Iterator[Entry], root: str) -> Iterator[Entry]:
    judge = secrets.judge
    sent, regular = Status.SENT, EntryType.FILE
    for e in entries:
        if e.status is sent and e.type is regular and e.label not in UNJUDGED:
            label = e.label
            path = e.path
            name = path[path.rfind("/") + 1 :]
            own = name_kind(name) if label is None else label
            if judge(root, path, e.size, own == SOURCE):
                e.label = SECRET
            elif label is None:
                # A name without a suffix ("server", "app") may be a compiled executable.
                if own == SOURCE and "." not in name[1:] and sniff_binary(root, e.path, e.size):
                    own = BINARY
                e.label = own
        yield e
