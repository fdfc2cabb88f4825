"""One layer: the files its tar stream holds, its whiteouts and opaque directories.

A layer is a changeset (OCI image spec, "Image Layer Filesystem Changeset"):
a tar of the files added or changed, where ``DIR/.wh.NAME`` deletes
``DIR/NAME`` from the layers below and ``DIR/.wh..wh..opq`` hides
everything the layers below hold under ``DIR``. Other ``.wh..wh.`` names
(AUFS bookkeeping) carry nothing and are skipped, as the engine does.

Sizes are the tar headers' sizes: the bytes of regular files; directories,
symlinks and hard links count 0. That is what ``docker history`` reports
for a layer (the daemon sums the header sizes while applying the tar) and
what dive shows.
"""

from __future__ import annotations

import hashlib
import posixpath
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import IO

from .compress import BUFSIZE, ArchiveError, open_tar

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_META = ".wh..wh."

FILE, DIR, SYMLINK, HARDLINK, OTHER = "file", "dir", "symlink", "hardlink", "other"


@dataclass(slots=True)
class FileRec:
    """One entry of a layer. ``path`` is relative to the image root, without a
    leading ``/`` (``usr/bin/gcc``); ``digest`` identifies the content of a
    regular file (and of a hard link: its target's), None otherwise."""

    path: str
    type: str  # FILE | DIR | SYMLINK | HARDLINK | OTHER
    size: int  # bytes the layer stores for it (regular files only)
    mode: int
    uid: int
    gid: int
    mtime: float
    link: str = ""  # symlink target, or the path a hard link points to
    digest: bytes | None = None

    @property
    def is_dir(self) -> bool:
        return self.type == DIR

    def same_content(self, other: FileRec) -> bool:
        """Same bytes and same kind of entry: what a chmod, chown or touch leaves."""
        if self.type == SYMLINK or other.type == SYMLINK:
            return self.type == other.type and self.link == other.link
        if self.type == DIR or other.type == DIR or self.digest is None:
            return False
        return self.digest == other.digest

    def same_metadata(self, other: FileRec) -> bool:
        return (self.mode, self.uid, self.gid) == (other.mode, other.uid, other.gid)


@dataclass
class LayerFiles:
    """The entries of one layer tar, in tar order (whiteouts apart)."""

    entries: list[FileRec] = field(default_factory=list)
    whiteouts: list[str] = field(default_factory=list)  # paths deleted from the layers below
    opaque: list[str] = field(default_factory=list)  # directories whose lower content is hidden

    @property
    def bytes(self) -> int:
        """What ``docker history`` shows for the layer."""
        return sum(e.size for e in self.entries)

    @property
    def files(self) -> int:
        """Entries that are not directories."""
        return sum(1 for e in self.entries if e.type != DIR)


def clean(name: str) -> str:
    """A tar member name as a path below the image root ("" for the root itself)."""
    return posixpath.normpath("/" + name).lstrip("/")


def _type(m: tarfile.TarInfo) -> str:
    if m.isreg():
        return FILE
    if m.isdir():
        return DIR
    if m.issym():
        return SYMLINK
    if m.islnk():
        return HARDLINK
    return OTHER


def read_layer(stream: IO[bytes], what: str) -> LayerFiles:
    """Read a decompressed layer tar as a stream, hashing every regular file.

    Raises ArchiveError when the stream is not a tar (``what`` names it)."""
    out = LayerFiles()
    own: dict[str, FileRec] = {}
    try:
        with open_tar(stream) as tar:
            while (m := tar.next()) is not None:
                # tarfile keeps every TarInfo it reads: dropping them keeps memory to our records
                tar.members.clear()  # type: ignore[attr-defined]  # (not in typeshed)
                path = clean(m.name)
                if not path:
                    continue
                base = posixpath.basename(path)
                if base.startswith(WHITEOUT):
                    parent = posixpath.dirname(path)
                    if base == OPAQUE:
                        out.opaque.append(parent)
                    elif not base.startswith(_META):
                        out.whiteouts.append(posixpath.join(parent, base[len(WHITEOUT) :]))
                    continue
                kind = _type(m)
                rec = FileRec(path, kind, m.size if kind == FILE else 0, m.mode, m.uid, m.gid, m.mtime)
                if kind == FILE:
                    rec.digest = _digest(tar, m)
                elif kind == SYMLINK:
                    rec.link = m.linkname
                elif kind == HARDLINK:
                    rec.link = clean(m.linkname)
                    target = own.get(rec.link)
                    rec.digest = target.digest if target is not None else None
                own[path] = rec
                out.entries.append(rec)
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise ArchiveError(f"{what}: cannot read the layer tar: {exc}") from None
    return out


def _digest(tar: tarfile.TarFile, m: tarfile.TarInfo) -> bytes:
    # Identity of content between layers, not security: SHA-1 is the fastest hash here (SHA-NI).
    h = hashlib.sha1(usedforsecurity=False)
    f = tar.extractfile(m)
    if f is not None:
        while chunk := f.read(BUFSIZE):
            h.update(chunk)
    return h.digest()
