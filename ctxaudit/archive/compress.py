"""Decompression of layer blobs and archives, by their first bytes.

Registries and ``docker save`` carry layers uncompressed, gzip-compressed
or zstd-compressed (the OCI image spec's ``tar``, ``tar+gzip`` and
``tar+zstd`` media types). The media type can lie (``docker save`` names
every layer ``layer.tar``), so the magic number decides, as containerd's
``compression.DecompressStream`` does.

gzip comes from the standard library. zstd comes from the standard
library's ``compression.zstd`` (Python 3.14+) or else the ``zstandard``
package (BSD), an optional dependency: ``pip install 'ctxaudit[zstd]'``.
Without either, a zstd layer raises :class:`ArchiveError` saying so.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from typing import IO, Any

from ..common.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BLOCK = 512  # a tar header
# tarfile's stream mode reads this much at a time and copies what is left after
# every read: 64 KiB is the fastest here (its default, 10 KiB, and 1 MiB cost 20-90% more).
BUFSIZE = 64 << 10


class ArchiveError(InputError):
    """An image archive or layer that cannot be read (exit 2)."""


class Prefixed(io.RawIOBase):
    """``head`` followed by the rest of ``stream``: peek at a non-seekable stream."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def read_full(stream: IO[bytes], n: int) -> bytes:
    """Up to ``n`` bytes: fewer only at the end of the stream."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def kind(head: bytes) -> str:
    """ "gzip", "zstd", "tar", "json" or "other", from a blob's first 512 bytes.

    An all-zero first block is a tar with no entries (the empty layer a
    ``RUN`` that changes nothing commits: 1,024 zero bytes).
    """
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if len(head) >= BLOCK and not any(head[:BLOCK]):
        return "tar"
    if head.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "other"


def seekable(stream: IO[bytes]) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def open_tar(stream: IO[bytes]) -> tarfile.TarFile:
    """A tar reader: random access (skips file data by seeking) when the stream
    can seek, else a stream."""
    if seekable(stream):
        return tarfile.open(fileobj=stream, mode="r:", errorlevel=1)
    return tarfile.open(fileobj=stream, mode="r|", errorlevel=1, bufsize=BUFSIZE)


def open_stream(stream: IO[bytes], what: str, head: bytes | None = None) -> tuple[IO[bytes], str]:
    """The decompressed content of ``stream`` and its compression ("none",
    "gzip", "zstd"); ``what`` names it in errors. ``head``: the first bytes,
    already read from ``stream`` (read here when None). An uncompressed
    seekable stream is returned itself, rewound."""
    if head is None:
        head = read_full(stream, BLOCK)
    found = kind(head)
    if found not in ("gzip", "zstd") and seekable(stream):
        stream.seek(-len(head), io.SEEK_CUR)
        return stream, "none"
    raw = io.BufferedReader(Prefixed(head, stream), 1 << 16)
    if found == "gzip":
        # GzipFile is a BufferedIOBase, not typeshed's IO[bytes]; io.BufferedReader makes it one.
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), 1 << 16), "gzip"
    if found == "zstd":
        return zstd_reader(raw, what), "zstd"
    return raw, "none"


def zstd_reader(stream: IO[bytes], what: str) -> IO[bytes]:
    """A zstd-decompressing reader, from the standard library or ``zstandard``."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+

        return zstd.ZstdFile(stream, mode="rb")  # type: ignore[no-any-return]
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise ArchiveError(
            f"{what} is zstd-compressed and this Python has no zstd decoder: "
            "pip install 'ctxaudit[zstd]' (the zstandard package), or use Python 3.14+"
        ) from None
    reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
    return io.BufferedReader(_OSErrors(reader), 1 << 16)


class _OSErrors(io.RawIOBase):
    """A reader whose decoding errors are OSError, like gzip's and tarfile's."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            n: int = self._reader.readinto(buffer)
        except OSError:
            raise
        except Exception as exc:  # zstandard.ZstdError
            raise OSError(f"zstd: {exc}") from None
        return n
