"""The context walk of each builder, as a stream of entries.

Both builders decide a path with ``MatchesUsingParentResults`` and differ in
when they may skip an excluded directory without entering it:

* BuildKit (fsutil's filter walk, 2023+): only while every ``!`` exception is
  a literal path once a trailing ``/*`` or ``/**`` is dropped, and then only
  when no exception starts with ``<dir>/``. One wildcard exception and every
  excluded directory is entered, each path decided with its parents' results.
  An excluded directory that is entered is sent only as the parent of
  something sent below it.
* legacy (the CLI's tar): unless the text of some exception starts with
  ``<dir>/``. The CLI appends ``!.dockerignore`` and ``!<Dockerfile>`` when
  they are ignored, so both are always sent (the daemon then drops them
  before COPY sees the context).

buildah (and ``podman build``) sends nothing: each COPY/ADD walks the
context itself. Its copier decides every path alone with storage's old
matcher (no parent results) and skips an excluded directory unless the text
of some exception plus ``/`` *starts with* the directory's path
(:mod:`.containers`); the Dockerfile and the ignore file are ordinary files.
The walk here is what ``COPY . dest`` takes.

Entries come out sorted bytewise by path, one at a time: memory is bounded
by the largest directory and the depth, not by the tree. A directory is
held as one compact key per child (:class:`Listing`, about 70 bytes for a
short name; past 65,536 children the keys are packed, about 12 bytes), and
files are stat'ed one at a time as the walk reaches them: a million files
in one directory cost about 20 MB, not a gigabyte.

Special files, as a real engine treats them (recorded in the conformance
goldens): symlinks are sent as links, never followed. BuildKit sends a
socket or a device node as an empty regular file and drops FIFOs; the legacy
tar keeps FIFOs and device nodes as such and drops sockets with an error
in the CLI log; buildah's copier does the same (sockets skipped with a
warning; tests/buildah goldens).
"""

from __future__ import annotations

import enum
import os
import stat as st
import sys
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import cast

from ..common.errors import InputError
from . import containers
from .builder import Builder
from .buildfiles import root_path
from .context import Context
from .ignorefile import ROOT_IGNORE, parse
from .matcher import Matcher
from .pattern import DockerIgnorePattern, PatternError


class EntryType(enum.StrEnum):
    FILE = "file"
    SYMLINK = "symlink"
    DIR = "dir"
    FIFO = "fifo"
    SOCKET = "socket"
    DEVICE = "device"


class Status(enum.StrEnum):
    SENT = "sent"  # the builder receives it
    IGNORED = "ignored"  # visited and excluded by a line of the ignore file
    PRUNED = "pruned"  # below an excluded directory the builder never enters
    DROPPED = "dropped"  # let through, but a file type this builder does not send


DirLabeller = Callable[[str, Collection[str]], str | None]
"""``(directory name, names of its children) -> label or None``: a hook for
the layers above (ctxaudit.classify gives directories their kind). The
outermost labelled directory gives its label to everything below it, in
``Entry.label``; the walk never reads the label."""


@dataclass(slots=True)
class Entry:
    path: str
    type: EntryType
    size: int
    status: Status
    rule: DockerIgnorePattern | None
    label: str | None = None  # opaque to the walk: see DirLabeller; later layers may fill it in
    forced: bool = False  # legacy: sent only because the CLI keeps build files
    removed: bool = False  # legacy: the daemon drops it before COPY sees it
    problem: str | None = None  # why a real build fails on this entry
    hardlink_of: str | None = None  # sent as a hard link to an earlier path
    implied: bool = False  # an excluded directory sent only as the parent of sent paths
    link: str | None = None  # a symlink's target (read when sizes are)
    stat: os.stat_result | None = None  # lstat of files and symlinks (when sizes are read)
    special: bool = False  # BuildKit: a socket or device node, sent as an empty regular file

    @property
    def sent(self) -> bool:
        return self.status is Status.SENT

    @property
    def is_file(self) -> bool:
        """A regular file or symlink: what ``ls`` lists and COPY copies as content."""
        return self.type in (EntryType.FILE, EntryType.SYMLINK)


_FILE, _PRUNED = EntryType.FILE, Status.PRUNED  # module constants: read per entry of a full walk


@dataclass(slots=True)
class _Frame:
    prefix: str  # "a/b/" (root: "")
    bits: int
    label: str | None
    children: Iterator[str]  # Listing keys, as str (see Listing.walk_keys)
    pending: Entry | None = None  # excluded dir, sent only as a parent
    pruned_by: DockerIgnorePattern | None = None
    pruned: bool = False


def _euid_readable() -> tuple[int, frozenset[int]]:
    try:
        return os.geteuid(), frozenset(os.getgroups()) | {os.getegid()}
    except AttributeError:  # pragma: no cover - not POSIX
        return 0, frozenset()


DIR, FILE, LINK, OTHER = "/", "f", "l", "o"
"""Kinds of a :class:`Listing` child, from readdir's d_type: a directory, a
regular file, a symlink, anything else (FIFO, socket, device; decided by
lstat when the walk reaches it)."""


class Listing:
    """The children of one directory, sorted so that a depth-first walk yields
    full paths in bytewise order (a directory sorts as ``name/``).

    One compact key per child and nothing else (no ``DirEntry``, no stat):
    the name of a regular file (most children), ``name + "/"`` for a
    directory, ``name + "\\0" + kind`` for the rest. NUL cannot occur in a
    name, so the suffix sorts below any longer name and the order of the
    keys is the order of the paths. Keys are ``str`` when
    every name is ASCII; otherwise the names' own bytes (as the file system
    encoding gave them to Python), since code-point order is not byte order
    for surrogate escapes. Iterating yields ``(name, kind)``; :meth:`has` is a binary
    search (the directory labeller asks for marker files). A big directory
    is a :class:`_PackedListing` (same answers, a fifth of the memory).
    """

    __slots__ = ("__weakref__", "keys", "raw")

    def __init__(self, keys: list[str] | list[bytes], raw: bool) -> None:
        self.keys = keys
        self.raw = raw  # keys are bytes

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        # The suffixes ("/", NUL + kind) are single ASCII bytes: decoding the whole
        # key, then cutting them, gives the name a raw key's bytes decode to.
        for k in self.walk_keys():
            if k[-1] == "/":
                yield k[:-1], DIR
            elif len(k) > 1 and k[-2] == "\0":
                yield k[:-2], k[-1]
            else:
                yield k, FILE

    def walk_keys(self) -> Iterator[str]:
        """The keys in order, as ``str`` (the walk's hot loop decodes them itself)."""
        if not self.raw:
            return iter(cast(list[str], self.keys))
        return (b.decode(_FS, "surrogateescape") for b in cast(list[bytes], self.keys))

    @property
    def names(self) -> Collection[str]:
        """The children's names, for the directory labeller."""
        return _Names(self)

    def has(self, name: str) -> bool:
        """Is there a child of this name? A binary search."""
        keys = self.keys
        for probe in (name, name + "/", name + "\0"):  # a file, a directory, anything else
            key: str | bytes = probe.encode(_FS, "surrogateescape") if self.raw else probe
            i = bisect_left(keys, key)
            if i < len(keys) and (keys[i][: len(key)] == key if probe[-1:] == "\0" else keys[i] == key):
                return True
        return False


def _key(de: os.DirEntry[str]) -> str:
    """One child's Listing key, for an entry that may vanish while it is read."""
    try:
        if de.is_dir(follow_symlinks=False):
            return de.name + "/"
        if de.is_file(follow_symlinks=False):
            return de.name
        return de.name + ("\0l" if de.is_symlink() else "\0o")
    except OSError:  # vanished since readdir: lstat will say so
        return de.name + "\0o"


class _Names(Collection[str]):
    __slots__ = ("listing",)

    def __init__(self, listing: Listing) -> None:
        self.listing = listing

    def __len__(self) -> int:
        return len(self.listing)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.listing)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.listing.has(name)


_FS = sys.getfilesystemencoding()  # how Python turned the names' bytes into str (and back)
_live: weakref.WeakValueDictionary[str, Listing] = weakref.WeakValueDictionary()


def _listing(path: str) -> Listing:
    """``list_dir(path)``, shared with any other walk that is inside the same
    directory at this moment (lint walks both builders side by side): one
    copy of a huge directory in memory, and both walks see the same snapshot."""
    found = _live.get(path)
    if found is None:
        found = _live[path] = list_dir(path)
    return found


def _fast_keys(entries: Iterator[os.DirEntry[str]]) -> list[str]:
    """The Listing keys of ``entries`` (see :func:`_key` for the careful way);
    raises OSError when an entry vanished while it is read."""
    # d_type answers without a system call, except on some file systems
    return [
        de.name + "/"
        if de.is_dir(follow_symlinks=False)
        else de.name
        if de.is_file(follow_symlinks=False)
        else de.name + ("\0l" if de.is_symlink() else "\0o")
        for de in entries
    ]


def _careful_keys(entries: Iterator[os.DirEntry[str]]) -> list[str]:
    return [_key(de) for de in entries]


def list_dir(path: str) -> Listing:
    """The children of ``path`` as a sorted :class:`Listing` (a packed one
    past ``_CHUNK`` children). Raises OSError when the directory cannot be read."""
    try:
        with os.scandir(path) as it:
            keys = _fast_keys(islice(it, _CHUNK))
            if len(keys) == _CHUNK:
                return _packed(keys, it, _fast_keys)
    except OSError as exc:
        if exc.filename is not None and os.fsdecode(exc.filename) == path:
            raise  # the directory itself
        with os.scandir(path) as it:  # an entry vanished while it was read: again, carefully
            keys = _careful_keys(islice(it, _CHUNK))
            if len(keys) == _CHUNK:
                return _packed(keys, it, _careful_keys)
    ascii_only = all(map(str.isascii, keys))
    if ascii_only:
        keys.sort()
        return Listing(keys, False)
    raw: list[bytes] = [k.encode(_FS, "surrogateescape") for k in keys]
    del keys
    raw.sort()
    return Listing(raw, True)


# A big directory: a list of a million short str keys is ~70 MB (a 60-byte
# object and a pointer each), the same names packed ~12 MB.
_CHUNK = 1 << 16  # children read and sorted at a time (~5 MB as str keys)
_BLOCK = 1024  # keys per packed block


class _PackedListing(Listing):
    """A :class:`Listing` of a directory too big to hold one object per child.

    The keys (as bytes, the names' own, sorted bytewise) are packed in
    blocks of ``_BLOCK``: one ``bytes`` each, the keys joined by NUL, so a
    block turns back into keys with one ``decode`` and one ``split`` at C
    speed. A key that holds NUL itself (``name + "\\0" + kind``) is written
    ``name + "/" + kind`` in a block: no name holds ``/``, which otherwise
    only ends a directory's key. ``firsts`` (the first key of each block)
    lets :meth:`has` find its block by binary search.
    """

    __slots__ = ("blocks", "count", "firsts")

    def __init__(self, blocks: list[bytes], count: int) -> None:
        super().__init__([], True)
        self.blocks = blocks
        self.count = count
        self.firsts = [_bytes_keys(b.partition(b"\0")[0])[0] for b in blocks]

    def __len__(self) -> int:
        return self.count

    def walk_keys(self) -> Iterator[str]:
        return chain.from_iterable(map(_text_keys, self.blocks))

    def has(self, name: str) -> bool:
        firsts = self.firsts
        for probe in (name, name + "/", name + "\0"):  # a file, a directory, anything else
            key = probe.encode(_FS, "surrogateescape")
            j = bisect_right(firsts, key) - 1  # the block that would hold it
            found: bytes | None = firsts[0]
            if j >= 0:
                keys = _bytes_keys(self.blocks[j])
                i = bisect_left(keys, key)
                found = keys[i] if i < len(keys) else firsts[j + 1] if j + 1 < len(firsts) else None
            if found is not None and (found[: len(key)] == key if probe[-1:] == "\0" else found == key):
                return True
        return False


def _pack(keys: list[bytes]) -> bytes:
    """Sorted keys -> one block (see :class:`_PackedListing`)."""
    block = b"\0".join(keys)
    if block.count(b"\0") != len(keys) - 1:  # some key holds NUL + kind: written "/" + kind
        block = b"\0".join([k.replace(b"\0", b"/") for k in keys])
    return block


def _others(block: bytes) -> bool:
    """Does the block hold a ``name/kind`` key? Each ``/`` of a block ends a
    directory's key (followed by NUL or the end) or is one of those."""
    return block.count(b"/") != block.count(b"/\0") + block.endswith(b"/")


def _bytes_keys(block: bytes) -> list[bytes]:
    keys = block.split(b"\0")
    if _others(block):
        return [k[:-2] + b"\0" + k[-1:] if k[-2:-1] == b"/" else k for k in keys]
    return keys


def _text_keys(block: bytes) -> list[str]:
    """The block's keys as str, as :meth:`Listing.walk_keys` gives them."""
    keys = block.decode(_FS, "surrogateescape").split("\0")
    if _others(block):
        return [k[:-2] + "\0" + k[-1] if k[-2:-1] == "/" else k for k in keys]
    return keys


def _packed(
    first: list[str], it: Iterator[os.DirEntry[str]], read: Callable[[Iterator[os.DirEntry[str]]], list[str]]
) -> _PackedListing:
    """The rest of a big directory read ``_CHUNK`` children at a time: each
    chunk is sorted and packed (a run), then the runs are merged. Memory: the
    packed keys twice at most, and one chunk as str."""
    runs: list[list[bytes]] = []
    count = 0
    chunk = first
    while chunk:
        count += len(chunk)
        # One encode for the chunk (the names' bytes, NUL-separated), split
        # back at C speed unless some key holds NUL itself.
        joined = "\0".join(chunk).encode(_FS, "surrogateescape")
        if joined.count(b"\0") == len(chunk) - 1:
            raw = joined.split(b"\0")
        else:
            raw = [k.encode(_FS, "surrogateescape") for k in chunk]
        del joined
        chunk.clear()  # the caller holds the first chunk: free its keys now
        raw.sort()
        runs.append([_pack(raw[i : i + _BLOCK]) for i in range(0, len(raw), _BLOCK)])
        del raw
        chunk = read(islice(it, _CHUNK))
    return _PackedListing(runs[0] if len(runs) == 1 else _merge(runs), count)


def _merge(runs: list[list[bytes]]) -> list[bytes]:
    """Sorted runs of packed blocks -> one, a window at a time.

    Every key up to the smallest last key of the runs' current blocks can
    be placed now (a later block of any run holds only bigger keys): those
    are sorted together (timsort merges the sorted pieces at C speed), the
    emptied blocks are replaced by their runs' next ones. Each input block
    is freed as it is unpacked; at most one block per run is unpacked.
    """
    for r in runs:
        r.reverse()  # pop() gives the next block
    heads = [_bytes_keys(r.pop()) for r in runs]
    pos = [0] * len(runs)
    live = list(range(len(runs)))
    out: list[bytes] = []
    pending: list[bytes] = []  # sorted, below every key not yet taken; fewer than _BLOCK between rounds
    while live:
        bound = min(heads[i][-1] for i in live)
        for i in live:
            cut = bisect_right(heads[i], bound, pos[i])
            pending += heads[i][pos[i] : cut]
            pos[i] = cut
        pending.sort()
        full = len(pending) - len(pending) % _BLOCK
        out += [_pack(pending[j : j + _BLOCK]) for j in range(0, full, _BLOCK)]
        del pending[:full]
        for i in live:
            if pos[i] == len(heads[i]) and runs[i]:
                heads[i], pos[i] = _bytes_keys(runs[i].pop()), 0
        live = [i for i in live if pos[i] < len(heads[i])]
    if pending:
        out.append(_pack(pending))
    return out


class Walker:
    """One walk of one context under one builder profile."""

    def __init__(
        self, ctx: Context, *, full: bool = False, sizes: bool = True, label_dir: DirLabeller | None = None
    ) -> None:
        self.ctx = ctx
        self.label_dir = label_dir
        self.full = full
        self.sizes = sizes
        self.legacy = ctx.builder is Builder.LEGACY
        self.buildah = ctx.builder is Builder.BUILDAH
        # Lines read for another builder are compiled again as this one reads them.
        self.user_patterns = containers.for_builder(ctx.ignore.lines, self.buildah)
        patterns = list(self.user_patterns)
        self._build_files: set[str] = set()
        if self.legacy:
            patterns += self._kept_build_files(patterns)
        self.matcher: Matcher = containers.BuildahMatcher(patterns) if self.buildah else Matcher(patterns)
        self.user_count = len(self.user_patterns)
        # FIFOs and device nodes kept, sockets dropped (legacy tar, buildah's copier)
        self._keeps_special = self.legacy or self.buildah
        if self.buildah:
            self._may_prune = True
            self._exception_dirs = []
        elif self.legacy:
            self._may_prune = not self.matcher.exclusions
            self._exception_dirs = self.matcher.exception_prefixes(trim_glob=False)
        else:
            self._may_prune = not self.matcher.wildcard_exceptions
            self._exception_dirs = self.matcher.exception_prefixes(trim_glob=True)
        self._user = Matcher(self.user_patterns) if self.legacy else self.matcher
        self._uid, self._groups = _euid_readable()
        self._links: dict[tuple[int, int], str] = {}
        self._daemon = self._daemon_matcher() if self.legacy else None

    def _daemon_matcher(self) -> Matcher:
        """The lines the daemon removes build files with (legacy).

        The daemon reads ``.dockerignore`` from the context it received, a
        symlink resolved inside it (moby builder/remotecontext/detect.go,
        ``removeDockerfile`` through ``FullPath``), while the CLI read it on
        the host: a link to a file outside the context excludes files for
        the CLI and removes nothing in the daemon.
        """
        link = os.path.join(str(self.ctx.root), ROOT_IGNORE)
        if not os.path.islink(link):
            return self._user
        rel = root_path(self.ctx.root, ROOT_IGNORE)
        if rel is None or not rel or not self.sends(rel):
            return Matcher([])
        try:
            with open(os.path.join(str(self.ctx.root), rel), "rb") as f:
                return Matcher([p for p in parse(f.read(), ROOT_IGNORE, []) if p.include is not None])
        except OSError:
            return Matcher([])

    def sends(self, rel: str) -> bool:
        """Does this builder's walk send ``rel``? Decided along its ancestors
        as the walk decides them (an excluded directory is entered only when
        the builder may not prune it); reads nothing from disk."""
        parts = rel.split("/")
        bits = 0
        for i in range(len(parts)):
            sub = "/".join(parts[: i + 1])
            try:
                d = self.matcher.using_parent_results(sub, bits)
            except PatternError:
                return False
            if i == len(parts) - 1:
                return not d.matched
            if d.matched and self.prunes(sub):
                return False
            bits = d.bits
        return True

    def _kept_build_files(self, patterns: list[DockerIgnorePattern]) -> list[DockerIgnorePattern]:
        """TrimBuildFilesFromExcludes: exceptions the CLI appends for build files."""
        m = Matcher(patterns)
        extra = []
        names = [ROOT_IGNORE]
        rel = self.ctx.dockerfile_rel
        if rel is not None:
            names.append(rel)
        for name in names:
            self._build_files.add(name)
            try:
                keep = m.matches_one_parent(name)
            except PatternError:
                keep = False
            if keep:
                extra.append(DockerIgnorePattern("!" + name))
        return extra

    # -- decisions ---------------------------------------------------------

    def prunes(self, rel: str) -> bool:
        """May the builder skip this excluded directory without entering it?"""
        if isinstance(self.matcher, containers.BuildahMatcher):
            return not self.matcher.enters(rel)
        if self.legacy:
            if self._may_prune:
                return True
        elif not self._may_prune:
            return False
        elif not self.matcher.exclusions:
            return True
        dir_slash = rel + "/"
        return not any(p.startswith(dir_slash) for p in self._exception_dirs)

    def _rule(self, index: int | None) -> DockerIgnorePattern | None:
        return None if index is None else self.matcher.patterns[index]

    def _readable(self, s: os.stat_result) -> bool:
        if self._uid == 0:
            return True
        mode = s.st_mode
        if s.st_uid == self._uid:
            return bool(mode & 0o400)
        if s.st_gid in self._groups:
            return bool(mode & 0o040)
        return bool(mode & 0o004)

    def _legacy_validation_reaches(self, rel: str) -> bool:
        """Does the CLI's ValidateContextDirectory walk reach ``rel``?

        It prunes at the first excluded ancestor, exceptions notwithstanding.
        """
        parts = rel.split("/")[:-1]
        for i in range(len(parts)):
            try:
                if self._user.or_parent_matches("/".join(parts[: i + 1])).matched:
                    return False
            except PatternError:
                return False
        return True

    # -- the walk ------------------------------------------------------------

    def __iter__(self) -> Iterator[Entry]:
        root = str(self.ctx.root)
        try:
            children = _listing(root)
        except OSError as exc:
            raise InputError(f"cannot read context directory {root}: {exc.strerror or exc}") from None
        base = root.rstrip("/") + "/"  # absolute path of a child: base + rel
        full = self.full
        decide = self.matcher.using_parent_results
        shortcut = self.matcher.shortcut
        user_count = self.user_count
        stack = [_Frame("", 0, None, children.walk_keys())]
        npending = 0
        lstat, sizes = os.lstat, self.sizes
        while stack:
            frame = stack[-1]
            prefix = frame.prefix
            if frame.pruned:
                # --full, below a directory the builder skips: most entries of a
                # full walk (270,000 of 300,000 in a typical monorepo), so a bare
                # loop: a regular file is one lstat for its size and one Entry
                # (its readability is nobody's concern: the builder never reads it).
                rule, label, at = frame.pruned_by, frame.label, base + prefix
                for key in frame.children:
                    if key[-1] == "/":
                        name = key[:-1]
                        entry, child = self._enter_pruned(at + name, name, prefix + name, label, rule)
                        yield entry
                        stack.append(child)
                        break
                    if len(key) > 1 and key[-2] == "\0":  # a symlink or a special file
                        etype, size, _, _ = self._inspect(at + key[:-2], key[:-2], key[-1])
                        yield Entry(prefix + key[:-2], etype, size, _PRUNED, rule, label)
                        continue
                    if not sizes:
                        size = 0
                    else:
                        try:
                            size = lstat(at + key).st_size
                        except OSError:
                            size = 0  # vanished since readdir (_inspect's answer: a file of 0 bytes)
                    yield Entry(prefix + key, _FILE, size, _PRUNED, rule, label)
                else:
                    stack.pop()  # a pruned frame holds no pending entry
                continue
            bits = frame.bits
            # Docker's decision for most children of this directory from
            # one cheap test (see Matcher.shortcut).
            quick, usual = shortcut(bits)
            descended = False
            for key in frame.children:
                # Inline Listing decoding: this loop runs once per path of the context.
                if key[-1] == "/":
                    name, kind, is_dir = key[:-1], DIR, True
                elif len(key) > 1 and key[-2] == "\0":
                    name, kind, is_dir = key[:-2], key[-1], False
                else:
                    name, kind, is_dir = key, FILE, False
                rel = prefix + name
                decision = usual if quick is not None and not quick(rel) else decide(rel, bits)
                if is_dir:
                    if decision.matched and self.prunes(rel):
                        if self.legacy and self._uid != 0:
                            problem = self._pruned_dir_problem(base + rel, rel)
                            if problem is not None:
                                yield Entry(rel, EntryType.DIR, 0, Status.PRUNED, None, frame.label, problem=problem)
                        if full:
                            entry, child = self._enter_pruned(
                                base + rel, name, rel, frame.label, self._rule(decision.rule)
                            )
                            yield entry
                            stack.append(child)
                            descended = True
                            break
                        continue
                    sub, label = self._open_dir(base + rel, name, frame.label)
                    entry = Entry(rel, EntryType.DIR, 0, Status.SENT, self._rule(decision.rule), label)
                    if sub is None:
                        entry.problem = self._dir_problem(rel, decision.matched)
                    child = _Frame(rel + "/", decision.bits, label, sub.walk_keys() if sub else iter(()))
                    if decision.matched:
                        entry.status = Status.IGNORED
                        child.pending = entry
                        npending += 1
                        if entry.problem is not None:
                            yield entry
                    else:
                        if npending:
                            yield from self._flush(stack)
                            npending = 0
                        yield entry
                    stack.append(child)
                    descended = True
                    break

                if decision.matched:
                    if full:
                        etype, size, _, _ = self._inspect(base + rel, name, kind)
                        yield Entry(rel, etype, size, Status.IGNORED, self._rule(decision.rule), frame.label)
                    continue
                etype, size, problem, st_ = self._inspect(base + rel, name, kind)
                entry = Entry(rel, etype, size, Status.SENT, self._rule(decision.rule), frame.label)
                entry.stat = st_
                if etype is EntryType.SYMLINK and self.sizes:
                    entry.link = _readlink(base + rel)
                if decision.rule is not None and decision.rule >= user_count:
                    entry.forced = True
                if self.legacy and rel in self._build_files:
                    entry.removed = self._daemon_removes(rel)
                self._finish_sent(entry, problem, st_, etype)
                if entry.status is Status.DROPPED:
                    yield entry
                    continue
                if npending:
                    yield from self._flush(stack)
                    npending = 0
                yield entry
            if not descended:
                stack.pop()
                if frame.pending is not None:
                    npending -= 1

    def _finish_sent(self, entry: Entry, problem: str | None, s: os.stat_result | None, etype: EntryType) -> None:
        """Builder-specific fate of a non-directory that the ignore file lets through."""
        if etype is EntryType.FIFO and not self._keeps_special:
            entry.status = Status.DROPPED  # BuildKit does not send FIFOs
            return
        if etype is EntryType.SOCKET and self._keeps_special:
            entry.status = Status.DROPPED  # archive/tar: sockets not supported; buildah skips them
            return
        if etype in (EntryType.SOCKET, EntryType.DEVICE) and not self._keeps_special:
            entry.type = EntryType.FILE  # arrives as an empty regular file
            entry.size = 0
            entry.special = True
        entry.problem = problem
        if s is not None and etype is EntryType.FILE and s.st_nlink > 1:
            key = (s.st_dev, s.st_ino)
            first = self._links.get(key)
            if first is None:
                self._links[key] = entry.path
            else:
                entry.hardlink_of = first

    def removed(self, rel: str) -> bool:
        """legacy: is this build file sent and then removed by the daemon before COPY?"""
        return self.legacy and rel in self._build_files and self._daemon_removes(rel)

    def _daemon_removes(self, rel: str) -> bool:
        try:
            return (self._daemon or self._user).or_parent_matches(rel).matched
        except PatternError:
            return False

    def _flush(self, stack: list[_Frame]) -> Iterator[Entry]:
        """Send excluded directories that turn out to be parents of sent paths."""
        for f in stack:
            if f.pending is not None:
                f.pending.status = Status.SENT
                f.pending.implied = True
                yield f.pending
                f.pending = None

    def _open_dir(self, path: str, name: str, parent_label: str | None) -> tuple[Listing | None, str | None]:
        """A directory's sorted children (None when unreadable) and its label:
        the labelled directory it sits in, else its own from the labeller."""
        try:
            children: Listing | None = _listing(path)
        except OSError:
            children = None
        if parent_label is not None or self.label_dir is None:
            return children, parent_label
        return children, self.label_dir(name, children.names if children is not None else ())

    def _enter_pruned(
        self, path: str, name: str, rel: str, parent_label: str | None, rule: DockerIgnorePattern | None
    ) -> tuple[Entry, _Frame]:
        """--full: the entry of a directory the builder skips, and the frame that lists what it holds."""
        children, label = self._open_dir(path, name, parent_label)
        entry = Entry(rel, EntryType.DIR, 0, Status.PRUNED, rule, label)
        keys = children.walk_keys() if children else iter(())
        return entry, _Frame(rel + "/", 0, label, keys, pruned_by=rule, pruned=True)

    def _pruned_dir_problem(self, path: str, rel: str) -> str | None:
        """The legacy CLI reads a directory before asking whether it is excluded."""
        try:
            readable = self._readable(os.lstat(path))
        except OSError:
            readable = False
        if readable or not self._legacy_validation_reaches(rel):
            return None
        return f'cannot read directory {rel}: the legacy CLI fails with "can\'t stat" (excluded or not)'

    def _dir_problem(self, rel: str, excluded: bool) -> str | None:
        if self.legacy:
            if self._legacy_validation_reaches(rel):
                return f'cannot read directory {rel}: the legacy CLI fails with "can\'t stat"'
            return None
        if self.buildah:
            # The copier reads every directory it enters, excluded or not.
            return f"cannot read directory {rel}: buildah's COPY fails (copier: get: error reading)"
        if excluded:
            return None  # fsutil tolerates a permission error on an excluded path
        return f"cannot read directory {rel}: BuildKit fails the build"

    def _inspect(self, path: str, name: str, kind: str) -> tuple[EntryType, int, str | None, os.stat_result | None]:
        """Type, size, readability problem and stat of a non-directory entry
        (``kind`` from the Listing), stat'ed now and kept by nobody here.

        Without sizes nothing is stat'ed: the type comes from readdir.
        """
        try:
            if kind == FILE:
                if not self.sizes:
                    return EntryType.FILE, 0, None, None
                s = os.lstat(path)
                problem = None if self._readable(s) else f"cannot read {name}: permission denied"
                return EntryType.FILE, s.st_size, problem, s
            if kind == LINK:
                if not self.sizes:
                    return EntryType.SYMLINK, 0, None, None
                s = os.lstat(path)
                return EntryType.SYMLINK, s.st_size, None, s
            s = os.lstat(path)
        except OSError as exc:
            return EntryType.FILE, 0, f"cannot stat: {exc.strerror or exc}", None
        mode = s.st_mode
        if st.S_ISFIFO(mode):
            return EntryType.FIFO, 0, None, s
        if st.S_ISSOCK(mode):
            return EntryType.SOCKET, 0, None, s
        return EntryType.DEVICE, 0, None, s


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def walk(
    ctx: Context, *, full: bool = False, sizes: bool = True, label_dir: DirLabeller | None = None
) -> Iterator[Entry]:
    """Stream the entries of ``ctx`` as its builder sees them (see :class:`Walker`)."""
    return iter(Walker(ctx, full=full, sizes=sizes, label_dir=label_dir))
