"""Bytes of the context tar the legacy CLI sends, as Go's archive/tar writes it.

moby/go-archive writes each entry with ``Format = PAX``, mtime truncated to
the second and no uid/gid names, so Go picks USTAR whenever it can: a 512-byte
header, the content padded to 512 bytes, and two zero blocks at the end. A
PAX extended header (512 bytes plus records padded to 512) is added only for
what USTAR cannot hold: a non-ASCII path, a path over 100 bytes that cannot
be split into a 155-byte prefix and a 100-byte name, a link target that is
non-ASCII or over 100 bytes, a size of 8 GiB or more. Hard links to a file
already in the tar carry no data; directories sent only as parents of a
re-included path are not in the tar.
"""

from __future__ import annotations

from .walk import Entry, EntryType

BLOCK = 512
END_OF_ARCHIVE = 2 * BLOCK
_NAME, _PREFIX = 100, 155
_MAX_OCTAL_SIZE = 8**11 - 1


def _pad(n: int) -> int:
    return (n + BLOCK - 1) // BLOCK * BLOCK


def pad(n: int) -> int:
    """``n`` bytes of content rounded up to whole 512-byte blocks."""
    return _pad(n)


def _ustar_path_ok(name: bytes) -> bool:
    if not name.isascii():
        return False
    if len(name) <= _NAME:
        return True
    # archive/tar's splitUSTARPath
    length = len(name)
    if length > _PREFIX + 1:
        length = _PREFIX + 1
    elif name[length - 1 : length] == b"/":
        length -= 1
    i = name.rfind(b"/", 0, length)
    nlen = len(name) - i - 1
    return not (i <= 0 or nlen > _NAME or nlen == 0 or i > _PREFIX)


def _record(key: str, value: bytes) -> int:
    """Length of one PAX record "%d key=value\\n", the length counting itself."""
    base = len(key) + len(value) + 3  # space, '=', newline
    n = base + len(str(base))
    return base + len(str(n))


def header_bytes(name: bytes, linkname: bytes = b"", size: int = 0) -> int:
    records = 0
    if not _ustar_path_ok(name):
        records += _record("path", name)
    if linkname and (not linkname.isascii() or len(linkname) > _NAME):
        records += _record("linkpath", linkname)
    if size > _MAX_OCTAL_SIZE:
        records += _record("size", str(size).encode())
    extra = BLOCK + _pad(records) if records else 0
    return extra + BLOCK


def entry_bytes(e: Entry) -> int:
    """Bytes one walk entry adds to the legacy context tar."""
    if e.implied:
        return 0
    name = e.path.encode("utf-8", "surrogateescape")
    if e.type is EntryType.DIR:
        return header_bytes(name + b"/")
    if e.type is EntryType.SYMLINK:
        target = (e.link or "x" * e.size).encode("utf-8", "surrogateescape")
        return header_bytes(name, target)
    if e.type is EntryType.FILE:
        if e.hardlink_of is not None:
            return header_bytes(name, e.hardlink_of.encode("utf-8", "surrogateescape"))
        return header_bytes(name, size=e.size) + _pad(e.size)
    return header_bytes(name)


# The CLI names the copy ".dockerfile." + 20 hex digits.
_DOCKERFILE_NAME = 32


def with_outside_dockerfile(tar_bytes: int, ignore_size: int | None, dockerfile_size: int) -> int:
    """The tar once the legacy CLI adds a Dockerfile that lives outside the context.

    docker/cli's AddDockerfileToBuildContext appends the Dockerfile as
    ``.dockerfile.<random>`` and its name to ``.dockerignore`` (creating it
    with ``.dockerignore`` as first line when missing), through go-archive's
    ReplaceFileTarWrapper, which closes its pipe before the tar writer: the
    stream ends right after the last entry's data, without its padding and
    without the end-of-archive blocks (measured with the fake daemon). When
    both entries are appended their order follows Go's map order; this
    assumes the Dockerfile comes last.
    """
    size = tar_bytes - END_OF_ARCHIVE
    extra = 1 + _DOCKERFILE_NAME + 1  # "\n" + name + "\n"
    if ignore_size is None:
        size += BLOCK + _pad(len(".dockerignore") + extra)
    else:
        size += _pad(ignore_size + extra) - _pad(ignore_size)
    return size + BLOCK + dockerfile_size
