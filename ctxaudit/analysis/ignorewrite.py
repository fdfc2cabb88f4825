"""The safe writer: ignore files (``suggest --write``, ``init``) and reports (``-O``).

A write never loses a byte, and each promise is a row of the adversarial
matrix (``tests/test_adversarial.py``):

* **atomic**: the new bytes go to a temporary file in the target's
  directory, are flushed to disk (fsync), then renamed over the target. A
  reader sees the old file or the new one, never a part; a failure (full
  disk, no permission, a ``verify`` hook that raises, Ctrl-C) leaves the
  target as it was and no temporary file behind.
* **through symlinks**: a symlinked target (a ``.dockerignore`` shared by
  several services) is resolved and the file it points to is replaced; the
  link stays a link. An ignore file whose link leads outside the allowed
  directories (``within``: the context and the current directory) is
  refused unless forced, so a cloned repository cannot make ctxaudit write
  to ``~/.bashrc``.
* **metadata kept**: owner, group, mode and extended attributes (ACLs,
  SELinux labels) of the old file go to the new one; when the owner cannot
  be kept (not root), the write is refused.
* **protected files refused** unless ``force``: a read-only file (no write
  bit, or not writable by this user), a file with several hard links (the
  rename would split them), a directory or a device in the ignore file's
  place.
* **concurrent writers**: :func:`update` holds an advisory lock
  (``flock``) on the file from the read to the rename, so a second
  ``ctxaudit suggest --write`` waits and then sees the first one's lines.
  Programs that do not lock (``echo x >> .dockerignore``) are caught by a
  re-read just before the rename: when the bytes changed, the new content
  is computed again from them. Bytes still appended to the old file between
  that re-read and the rename are copied to the end of the new one.

Special targets (``-O /dev/stdout``, a FIFO, a device) cannot be replaced by
a rename and are written in place.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..common.errors import CtxauditError, InputError

Verify = Callable[[bytes], None]
"""A check of the bytes about to replace the file, read back from the
temporary file just before the rename. It raises (any exception, usually
:class:`~ctxaudit.common.errors.InputError`) to abort the write; the target
is then unchanged. Issue 12 plugs "read it as Docker would" in here."""

Change = Callable[[bytes | None], bytes | None]
"""``current bytes (None: no file) -> new bytes, or None for nothing to write``.
May be called more than once: again with the newer bytes when another
program changed the file meanwhile."""

_BOM = b"\xef\xbb\xbf"
_ATTEMPTS = 20  # re-reads when other writers keep changing the file


class WriteError(InputError):
    """The file could not be written, or was protected; it is unchanged."""


def newline_of(data: bytes) -> bytes:
    """The line ending a file uses: CRLF when its first line ends with one, else LF."""
    i = data.find(b"\n")
    return b"\r\n" if i > 0 and data[i - 1 : i] == b"\r" else b"\n"


def styled(text: str, like: bytes) -> bytes:
    """``text`` (LF line endings) encoded as the file ``like`` is written:
    its line ending (CRLF or LF) and, when it has one, its UTF-8 BOM."""
    data = text.encode("utf-8", "surrogateescape")
    if newline_of(like) == b"\r\n":
        data = data.replace(b"\n", b"\r\n")
    return _BOM + data if like.startswith(_BOM) and not data.startswith(_BOM) else data


def appended(old: bytes, block: str) -> bytes:
    """The file with ``block`` appended after a line break and a blank line.

    Every existing byte is kept, the BOM included; the block takes the
    file's line ending (a CRLF file gets CRLF lines).
    """
    nl = newline_of(old)
    body = block.encode("utf-8", "surrogateescape")
    if nl == b"\r\n":
        body = body.replace(b"\n", b"\r\n")
    content = old[len(_BOM) :] if old.startswith(_BOM) else old
    sep = b"" if not content or content.endswith(b"\n") else nl
    blank = nl if content.strip() else b""
    return old + sep + blank + body


# -- resolving the target ------------------------------------------------------


def _inside(path: str, roots: Sequence[Path]) -> bool:
    for root in roots:
        r = os.path.realpath(root)
        if path == r or path.startswith(r.rstrip("/") + "/"):
            return True
    return False


def resolve(path: Path, *, within: Sequence[Path] | None = None, force: bool = False) -> Path:
    """The file a write to ``path`` must replace: ``path`` itself, or the end
    of its symlink chain. Raises WriteError for a directory, for a link
    outside ``within`` (unless ``force``) and for a link loop."""
    if not os.path.islink(path):
        real = Path(os.path.abspath(path))
    else:
        try:
            real = Path(os.path.realpath(path, strict=False))
        except OSError as exc:  # pragma: no cover - realpath(strict=False) only fails on loops in 3.13+
            raise WriteError(f"cannot follow the symlink {path}: {exc.strerror or exc}") from None
        if os.path.islink(real):
            raise WriteError(f"{path} is a symlink loop; not written")
        if within is not None and not force and not _inside(str(real), within):
            shown = ", ".join(str(w) for w in within)
            raise WriteError(
                f"{path} is a symlink to {real}, outside {shown}; not written (use --force to write there)"
            )
    if real.is_dir():
        raise WriteError(f"{path} is a directory, not a file; not written")
    return real


def _protected(path: Path, real: Path, st: os.stat_result) -> str | None:
    """Why replacing the existing ``real`` would do more than change its bytes."""
    shown = str(path) if real == Path(os.path.abspath(path)) else f"{path} (-> {real})"
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222 or not os.access(real, os.W_OK):
        return f"{shown} is read-only (mode {mode:04o})"
    if st.st_nlink > 1:
        return f"{shown} has {st.st_nlink} hard links: replacing it would split them"
    euid = os.geteuid()
    if euid != 0 and st.st_uid != euid:
        return f"{shown} belongs to uid {st.st_uid}: a new file would belong to you"
    return None


# -- writing -------------------------------------------------------------------


def write_atomic(
    path: Path,
    data: bytes,
    *,
    verify: Verify | None = None,
    force: bool = False,
    within: Sequence[Path] | None = None,
    hint: str = "use --force to write it anyway",
) -> Path:
    """Replace (or create) ``path`` with ``data`` atomically; return the file written.

    ``verify`` sees the bytes read back from the temporary file before the
    rename (see :data:`Verify`). ``force`` writes a protected file anyway
    (read-only, hard-linked, another user's, a link outside ``within``).
    Raises WriteError, naming the file and the reason, when nothing was
    written; the target is then unchanged. ``hint`` ends the message for a
    protected file.
    """
    if _special(path):
        if within is not None:
            raise WriteError(f"{path} is not a regular file; not written")
        _write_in_place(path, data)
        return path
    real = resolve(path, within=within, force=force)
    try:
        meta: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        meta = None
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    if meta is not None and not force:
        _refuse_protected(path, real, meta, hint)
    _replace(path, real, data, meta, verify, check=None)
    return real


def update(
    path: Path,
    change: Change,
    *,
    verify: Verify | None = None,
    force: bool = False,
    within: Sequence[Path] | None = None,
) -> tuple[Path, bytes | None, bytes | None]:
    """Read ``path``, ask ``change`` for its new bytes and write them atomically,
    under an advisory lock, re-reading before the rename (see the module doc).

    Returns ``(file, old bytes or None, new bytes or None)``; new is None
    when ``change`` found nothing to write. A file that does not exist is
    created only if it still does not exist at the rename (no other writer's
    file is ever replaced unseen). Errors as :func:`write_atomic`.
    """
    real = _regular_target(path, within, force)
    for _ in range(_ATTEMPTS):
        with _locked(path, real) as (fd, old):
            new = change(old)
            if new is None:
                return real, old, None
            meta = os.fstat(fd) if fd is not None else None
            if meta is not None and not force:
                _refuse_protected(path, real, meta, "use --force to write it anyway")
            if _replace(path, real, new, meta, verify, check=(old,)):
                if fd is not None and old is not None:
                    _carry_over(fd, len(old), real)
                return real, old, new
    raise WriteError(f"cannot write {path}: it kept changing while ctxaudit wrote it; try again")


def _regular_target(path: Path, within: Sequence[Path] | None, force: bool) -> Path:
    """The file ``path`` resolves to (:func:`resolve`), refused with WriteError
    when it or the path is not a regular file a rename can replace."""
    real = resolve(path, within=within, force=force)
    if _special(path) or _special(real):
        raise WriteError(f"{path} is not a regular file; not written")
    return real


Item = tuple[Path, Change, Verify | None, Sequence[Path] | None]
"""One file of :func:`update_all`: ``(path, change, verify, within)``, as :func:`update` takes them."""


def update_all(items: Sequence[Item], *, force: bool = False) -> list[tuple[Path, bytes | None, bytes | None]]:
    """:func:`update` several files (a project's ignore files), all or nothing.

    First every file is checked without writing: resolved, refused when
    protected (see :func:`write_atomic`), and its ``change`` and ``verify``
    run on its current bytes; a refusal there writes nothing. Then the files
    are updated in turn. When one fails (full disk, a file changed into one
    that no longer reads back, Ctrl-C), the ones already written are put
    back: their old bytes again, followed by any bytes another program
    appended after ours (a file created is removed). The error raised is the
    failure's, its message saying what was put back, or naming each file
    that keeps the new bytes because it could not be (rewritten meanwhile).
    Returns what :func:`update` returns, per file.
    """
    for path, change, verify, within in items:
        real = _regular_target(path, within, force)
        try:
            old: bytes | None = real.read_bytes()
            meta = os.stat(real)
        except FileNotFoundError:
            old, meta = None, None
        except OSError as exc:
            raise WriteError(f"cannot read {path}: {exc.strerror or exc}; nothing written") from None
        if meta is not None and not force:
            _refuse_protected(path, real, meta, "use --force to write it anyway")
        new = change(old)
        if new is not None and verify is not None:
            verify(new)
    done: list[tuple[Path, Path, bytes | None, bytes | None]] = []
    try:
        for path, change, verify, within in items:
            real, old, new = update(path, change, verify=verify, force=force, within=within)
            done.append((path, real, old, new))
    except BaseException as exc:
        written = [(path, real, old, new) for path, real, old, new in done if new is not None]
        kept = []
        for path, real, old, new in reversed(written):
            why = _put_back(path, real, old, new)
            if why is not None:
                kept.append(f"{path} ({why})")
        if written and isinstance(exc, CtxauditError):
            if kept:
                note = f"not put back, so written: {'; '.join(reversed(kept))}"
            else:
                note = f"put back as it was before: {', '.join(str(w[0]) for w in written)} (nothing written)"
            exc.args = (f"{exc}; {note}",)
        raise
    return [(real, old, new) for _, real, old, new in done]


def _put_back(path: Path, real: Path, old: bytes | None, new: bytes) -> str | None:
    """Undo one write of :func:`update_all`: None when done, else why not."""
    try:
        with _locked(path, real) as (fd, current):
            if fd is None or current is None or not current.startswith(new):
                return "it changed since ctxaudit wrote it"
            tail = current[len(new) :]  # another program's lines, appended after ours
            if old is None and not tail:
                os.unlink(real)
                _sync_dir(real.parent)
                return None
            if not _replace(path, real, (old or b"") + tail, os.fstat(fd), None, check=(current,)):
                return "it changed since ctxaudit wrote it"
            _carry_over(fd, len(current), real)
            return None
    except (OSError, CtxauditError) as exc:
        return str(exc)


def _special(path: Path) -> bool:
    """A target a rename cannot replace: a device, a FIFO, a socket (through
    any symlinks), or a path under /dev or /proc (``-O /dev/stdout`` is the
    shell's open file, whatever it is)."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _refuse_protected(path: Path, real: Path, meta: os.stat_result, hint: str) -> None:
    reason = _protected(path, real, meta)
    if reason is not None:
        raise WriteError(f"{reason}; not written ({hint})")


@contextlib.contextmanager
def _locked(path: Path, real: Path) -> Iterator[tuple[int | None, bytes | None]]:
    """An open descriptor of the current file with an exclusive flock, and its bytes.

    ``(None, None)`` when there is no file. The lock is on the inode: when
    another writer renamed a new file in while we waited, lock that one.
    """
    while True:
        try:
            fd = os.open(real, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            yield None, None
            return
        except OSError as exc:
            raise WriteError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:  # no locks on this file system: the re-read still guards
                if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                    raise WriteError(f"cannot lock {path}: {exc.strerror or exc}") from None
            try:
                now = os.stat(real)
            except FileNotFoundError:
                now = None
            mine = os.fstat(fd)
            if now is None or (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino):
                continue  # replaced while we waited: lock the new file
            yield fd, _read_all(fd)
            return
        finally:
            os.close(fd)


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    offset = 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _still(real: Path, old: bytes | None) -> bool:
    """Does the file still hold ``old`` (None: still no file), perhaps with bytes appended?"""
    try:
        with open(real, "rb") as f:
            return old is not None and f.read(len(old)) == old
    except FileNotFoundError:
        return old is None


def _new_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _replace(
    path: Path,
    real: Path,
    data: bytes,
    meta: os.stat_result | None,
    verify: Verify | None,
    *,
    check: tuple[bytes | None] | None,
) -> bool:
    """Temporary file, metadata, verify, re-read, rename.

    ``check``: the bytes the new content was computed from. When the file
    no longer starts with them (rewritten, truncated), nothing is renamed and
    False returned: the caller computes again. Bytes only appended meanwhile
    are fine: :func:`_carry_over` copies them after the rename (a program that
    appends all the time would otherwise starve the writer). With a check
    and no file (``meta`` None) the file is created only if still absent.
    Raises WriteError on failure.
    """
    directory = real.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".ctxaudit-tmp", dir=directory)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: cannot create a file in {directory}: {exc.strerror or exc}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                if meta is not None:
                    _copy_metadata(f.fileno(), meta, real)
                else:
                    os.fchmod(f.fileno(), _new_mode())
                os.fsync(f.fileno())
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}; {path} is unchanged") from None
        if verify is not None:
            verify(Path(tmp).read_bytes())
        if check is not None and not _still(real, check[0]):
            os.unlink(tmp)
            return False
        try:
            if check is not None and meta is None:
                try:
                    os.link(tmp, real)  # create, never replace
                except FileExistsError:
                    os.unlink(tmp)
                    return False
                os.unlink(tmp)
            else:
                os.replace(tmp, real)
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}; {path} is unchanged") from None
        _sync_dir(directory)
        return True
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _copy_metadata(fd: int, meta: os.stat_result, real: Path) -> None:
    """Owner, group, mode and extended attributes of the old file onto the new one."""
    try:
        os.fchown(fd, meta.st_uid, meta.st_gid)
    except PermissionError:
        # Not root: the owner check in _protected already passed; keep the group if we may.
        with contextlib.suppress(PermissionError):
            os.fchown(fd, -1, meta.st_gid)
    os.fchmod(fd, stat.S_IMODE(meta.st_mode))
    try:
        names = os.listxattr(real)
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.setxattr(fd, name, os.getxattr(real, name))


def _sync_dir(directory: Path) -> None:
    """fsync the directory so that the rename itself survives a crash."""
    try:
        dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _carry_over(old_fd: int, length: int, real: Path) -> None:
    """Bytes appended to the old file after our re-read landed in the replaced
    inode: append them to the new file too."""
    try:
        size = os.fstat(old_fd).st_size
        if size <= length:
            return
        tail = os.pread(old_fd, size - length, length)
        with open(real, "ab") as f:
            f.write(tail)
    except OSError:
        return


def _write_in_place(path: Path, data: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None


def unified_diff(path: Path, old: bytes, new: bytes, label: str) -> str:
    """The change as a unified diff of ``label`` (what ``--dry-run`` prints)."""
    a = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    b = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, fromfile=f"a/{label}", tofile=f"b/{label}"))
