"""Bytes on BuildKit's context-transfer wire, as its progress line counts them.

``transferring context: 593B`` is the sum of the protobuf sizes of the
fsutil packets the builder receives: one STAT packet per entry sent (parent
directories included), the file contents in DATA packets of at most 32 KiB,
an empty DATA packet closing each file, an empty STAT after the walk and a
FIN. This module computes those sizes from the entries' stat data; checked
against a real engine in tests/dockerfile goldens. Extended attributes are
not read (assumed absent).
"""

from __future__ import annotations

import os
import stat as st

CHUNK = 32 * 1024

# Go's os.FileMode bits
_MODE_DIR = 1 << 31
_MODE_SYMLINK = 1 << 27
_MODE_DEVICE = 1 << 26
_MODE_PIPE = 1 << 25
_MODE_SETUID = 1 << 23
_MODE_SETGID = 1 << 22
_MODE_CHARDEV = 1 << 21
_MODE_STICKY = 1 << 20


def varint_len(n: int) -> int:
    if n < 0:
        return 10  # negative int64: always ten bytes
    return (n.bit_length() + 6) // 7 or 1


def _field_varint(n: int) -> int:
    return 0 if n == 0 else 1 + varint_len(n)


def _field_bytes(length: int) -> int:
    return 0 if length == 0 else 1 + varint_len(length) + length


def go_mode(mode: int) -> int:
    """The os.FileMode Go derives from a Unix st_mode (sockets cleared, as fsutil does)."""
    out = mode & 0o777
    if st.S_ISREG(mode) and not mode & 0o7000:
        return out  # the common case
    fmt = st.S_IFMT(mode)
    if fmt == st.S_IFDIR:
        out |= _MODE_DIR
    elif fmt == st.S_IFLNK:
        out |= _MODE_SYMLINK
    elif fmt == st.S_IFIFO:
        out |= _MODE_PIPE
    elif fmt == st.S_IFCHR:
        out |= _MODE_DEVICE | _MODE_CHARDEV
    elif fmt == st.S_IFBLK:
        out |= _MODE_DEVICE
    if mode & st.S_ISUID:
        out |= _MODE_SETUID
    if mode & st.S_ISGID:
        out |= _MODE_SETGID
    if mode & st.S_ISVTX:
        out |= _MODE_STICKY
    return out


def stat_packet(
    path: str, s: os.stat_result, linkname: str = "", hardlink: bool = False, hardlink_size: bool = False
) -> int:
    """Size of a Packet{STAT} for one entry (called for every entry sent: kept lean).

    Current fsutil sends a hard link with size 0; older versions (the 20.10
    engine used for the goldens) kept the file's size: ``hardlink_size``.
    """
    mode = s.st_mode
    is_dir = st.S_ISDIR(mode)
    size = 0 if is_dir or (hardlink and not hardlink_size) else s.st_size
    plen = len(path.encode("utf-8", "surrogateescape"))
    body = 1 + varint_len(plen) + plen  # path: tag, length, bytes
    body += 1 + varint_len(go_mode(mode))
    if s.st_uid:
        body += 1 + varint_len(s.st_uid)
    if s.st_gid:
        body += 1 + varint_len(s.st_gid)
    if size:
        body += 1 + varint_len(size)
    if s.st_mtime_ns:
        body += 1 + varint_len(s.st_mtime_ns)
    if linkname:
        llen = len(linkname.encode("utf-8", "surrogateescape"))
        body += 1 + varint_len(llen) + llen
    if st.S_ISCHR(mode) or st.S_ISBLK(mode):
        body += _field_varint(os.major(s.st_rdev)) + _field_varint(os.minor(s.st_rdev))
    return 1 + varint_len(body) + body


def data_packets(size: int, file_id: int) -> int:
    """DATA packets carrying a file of ``size`` bytes, plus the closing one."""
    head = 2 + _field_varint(file_id)  # type=DATA, ID
    total = head  # the empty packet that ends the file
    full, rest = divmod(size, CHUNK)
    total += full * (head + _field_bytes(CHUNK))
    if rest:
        total += head + _field_bytes(rest)
    return total


_PLAIN_FILE = 0o100000  # S_IFREG without setuid, setgid or sticky bits: Go's mode is the permission bits
_DATA_CHUNK = 1 + varint_len(CHUNK) + CHUNK  # a full DATA packet's data field


def file_bytes(path: str, s: os.stat_result, size: int, file_id: int) -> int:
    """``stat_packet(path, s) + data_packets(size, file_id)`` for a regular file
    sent as itself (no link target, not a hard link): the same sum, computed
    inline. A walk sends tens of thousands of such files, and the separate calls
    (a dozen ``varint_len`` calls per file) were a fifth of a scan's own time.
    Anything else (a directory, a symlink, a special or setuid file) goes
    through :func:`stat_packet`, and ``can_request_data`` holds for every file
    this takes. ``size``: the bytes sent as data (0 for a file BuildKit cannot read)."""
    mode = s.st_mode
    if mode & 0o177000 != _PLAIN_FILE:
        return stat_packet(path, s) + (data_packets(size, file_id) if can_request_data(s, False) else 0)
    plen = len(path) if path.isascii() else len(path.encode("utf-8", "surrogateescape"))
    # Each field: a tag byte, then a varint ((bit_length + 6) // 7 bytes, at least one).
    body = 1 + ((plen.bit_length() + 6) // 7 or 1) + plen + (2 if mode & 0o777 < 0x80 else 3)
    n = s.st_uid
    if n:
        body += 1 + (n.bit_length() + 6) // 7
    n = s.st_gid
    if n:
        body += 1 + (n.bit_length() + 6) // 7
    n = s.st_size
    if n:
        body += 1 + (n.bit_length() + 6) // 7
    n = s.st_mtime_ns
    if n > 0:
        body += 1 + (n.bit_length() + 6) // 7
    elif n:
        body += 11  # negative int64: ten bytes
    total = 1 + (body.bit_length() + 6) // 7 + body
    head = 2 + (1 + (file_id.bit_length() + 6) // 7 if file_id else 0)  # type=DATA, ID
    total += head  # the empty packet that ends the file
    if size:
        full, rest = divmod(size, CHUNK)
        total += full * (head + _DATA_CHUNK)
        if rest:
            total += head + 1 + (rest.bit_length() + 6) // 7 + rest
    return total


def can_request_data(s: os.stat_result, hardlink: bool) -> bool:
    """fsutil's fileCanRequestData: regular files (sockets count, once cleared)."""
    fmt = st.S_IFMT(s.st_mode)
    return not hardlink and fmt in (st.S_IFREG, st.S_IFSOCK)


TRAILER = 0 + 2  # the empty STAT that ends the walk (0 bytes) and FIN
