"""What COPY/ADD write into each stage, carried through ``COPY --from``, and
the final image's files counted as the image holds them.

Every file a COPY/ADD writes into a stage (a context file, a heredoc) is
offered to the ``COPY --from`` sources that read that stage (or a stage
built FROM it): a source takes it when it selects its path the way BuildKit
selects a path in a stage (the same wildcard and directory rules as in the
context: ctxaudit.dockerfile.sources), and writes it where that COPY puts it,
which may be read again by a later stage. Files a RUN makes are unknown and
not traced.

The final image holds one file per path: when two instructions write the
same path the last one wins. Only writes that can collide are remembered
(those inside another writer's destination), so memory stays bounded by the
overlap, not by what is copied. The layer bytes COPY/ADD write are counted
separately: every write is stored in its layer.

A stage built FROM scratch without RUN or ADD holds only what its COPY and
WORKDIR instructions create: a ``COPY --from`` (or ``RUN --mount,from=``)
of a path none of them can have created fails the build (checked on the
engine: tests/dockerfile cases ``from-*``).

A ``RUN cp``/``mv`` in a build stage is followed too: a file the stage's
COPY wrote is offered to ``COPY --from`` where the command put it (so a
secret copied around a build stage still reaches CA401).
"""

from __future__ import annotations

import os
import posixpath
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..common.counts import Count
from ..engine.gostrings import clean
from .model import Copy, Run, Source, Stage
from .shell import run_script
from .sources import Selector, contains_wildcards, image_path, resolve_links

if TYPE_CHECKING:
    from .usage import CopyUsage

Key = tuple[int, ...]  # write order: (line, source index) of each COPY on the way, outermost first


class Regions:
    """Regions writes land in (image paths), counted: how many of them may write
    a path is the sum over the path and its parents (O(depth) per path, not
    O(writes): a Dockerfile of 1,500 COPY lines stays linear)."""

    def __init__(self) -> None:
        self._count: dict[str, int] = {}
        self.total = 0  # the weights of all regions: no path is covered more often
        self._dir = "\0"  # the parent of the last path asked (no path holds NUL) ...
        self._dir_total = 0  # ... and how many regions hold it

    def add(self, region: str, weight: int = 1) -> None:
        self._count[region] = self._count.get(region, 0) + weight
        self.total += weight
        self._dir = "\0"

    def covering(self, path: str) -> int:
        """How many regions hold ``path`` (weighted)."""
        count = self._count
        if not path or path == "/":
            return count.get("/", 0)
        # The parent's figure is the same for every file of a directory (files are
        # written one directory after the other): summed once per directory.
        cut = path.rfind("/")
        parent = path[:cut] if cut > 0 else ""
        if parent != self._dir:
            total = count.get("/", 0)
            p = parent
            while p and p != "/":
                total += count.get(p, 0)
                cut = p.rfind("/")
                p = p[:cut] if cut > 0 else ""
            self._dir, self._dir_total = parent, total
        return count.get(path, 0) + self._dir_total


@dataclass(eq=False)
class Writer:
    """One source of one COPY/ADD into a stage of the final image."""

    region: str  # every path it writes is this path or below it
    wildcard: bool = False  # matched directories can merge into the same paths
    regions: Regions | None = None  # every writer's region in the image's stages (this one's included)

    def may_collide(self, path: str, through_dir: bool) -> bool:
        if self.wildcard and through_dir:
            return True
        # Another writer holds the path: its region and this one's both hold it, so they overlap.
        regions = self.regions
        return regions is not None and regions.total > 1 and regions.covering(path) > 1


@dataclass(eq=False)
class Reader:
    """One source of a ``COPY --from`` or ``RUN --mount,from=`` reading a stage."""

    selector: Selector  # on stage paths without the leading "/"
    stage: Stage  # the stage it reads
    line: int
    what: str  # "COPY", "RUN --mount"
    index: int = 0
    usage: CopyUsage | None = None  # None for a bind mount (it writes nothing)
    found: bool = False
    # Regions of the writes into the read stage's chain (COPY/ADD destinations, RUN cp/mv
    # targets): a path two of them cover (or a wildcard one) may be written there twice,
    # and the stage holds it once.
    regions: Regions = field(default_factory=Regions)  # a wildcard's weighs 2: it may write a path twice
    # Paths that may be written twice, held until the walk is done: path -> the winning
    # write so far (the stage holds the last one), forwarded once by StageFiles.finish().
    pending: dict[str, _Pending] = field(default_factory=dict)

    def may_repeat(self, path: str) -> bool:
        """Can the read stage be written at ``path`` more than once?"""
        return self.regions.total > 1 and self.regions.covering(path) > 1


@dataclass(frozen=True)
class _Pending:
    key: Key
    size: int
    kind: str | None
    origin: str
    anchor: str | None
    anchor_at: str | None


def known_stage(stage: Stage, memo: dict[int, bool] | None = None) -> bool:
    """Does ctxaudit know every path this stage can hold? Built FROM scratch
    (through its chain), no RUN, no ADD (archives unpack, URLs download), no
    COPY --from an image or a stage it does not know, no dynamic source.
    ``memo``: stage index -> answer, shared across calls (each stage is
    decided once: a chain of stages copying from each other stays linear)."""
    memo = {} if memo is None else memo
    found = memo.get(stage.index)
    if found is None:
        found = memo[stage.index] = _known(stage, memo)
    return found


def _known(stage: Stage, memo: dict[int, bool]) -> bool:
    chain = stage.chain()
    if chain[0].base.lower() != "scratch" or chain[0].base_context is not None:
        return False
    for s in chain:
        if s.runs or s.context is not None:  # a stage a named context replaces holds that context
            return False
        for c in s.copies:
            if c.cmd == "ADD":
                return False
            if c.context_name not in ("", None):
                return False  # a named context's files: not this walk's to know
            if c.from_ is not None and (c.from_stage is None or not known_stage(c.from_stage, memo)):
                return False
            if any(src.value is None or src.unknown for src in c.sources):
                return False
    return True


class StageFiles:
    """Writes into the stages a build dispatches, traced and counted."""

    def __init__(self, copies: list[CopyUsage], image_chain: set[int], root: str) -> None:
        self.image_chain = image_chain
        self.root = root
        self.readers: dict[int, list[Reader]] = {}  # written stage index -> readers of it
        self.all_readers: list[Reader] = []
        self.writers: dict[tuple[int, int], Writer] = {}  # (COPY line, source index) -> writer
        self.layers = Count()  # every write into the image's stages (its layers hold them all)
        self._shadow: dict[str, tuple[Key, int]] = {}  # path -> (winning write, size), colliding paths only
        self._shadowed = Count()  # the writes remembered in _shadow
        self.files: dict[str, int] | None = None  # every final path -> size, when recording (tests)
        self._keys: dict[str, Key] = {}  # with self.files: the write that won each path
        self._effects: dict[int, ChainEffects] = {}  # read stage index -> its chain's RUN cp/mv/rm
        self._run_effects: dict[int, _RunEffects] = {}  # RUN line -> what it moves and removes
        # A stage another one copies from ran an rm (or a RUN) ctxaudit cannot read after
        # files were written into it: what COPY --from carried is then an upper bound.
        self.upper_bound = False
        self._regions: dict[int, list[tuple[str, bool]]] = {}  # stage index -> its writes' regions
        self.trace_calls = 0  # writes offered to a COPY --from source (linear in the copies, not exponential)
        self._ready = False
        for u in copies:
            self._plan(u)
        self._ready = True
        for r in self.all_readers:
            self._repeats(r)
        image_regions = Regions()
        for w in self.writers.values():
            image_regions.add(w.region)
            w.regions = image_regions

    def record(self) -> None:
        self.files = {}

    def _plan(self, u: CopyUsage) -> None:
        c = u.copy
        for i, src in enumerate(c.sources):
            # A stage defined later (or the stage itself) is refused by BuildKit: never traced.
            earlier = c.from_stage is not None and c.from_stage.index < c.stage.index
            if c.from_stage is not None and earlier and src.kind == "context" and src.value is not None:
                self.add_reader(Reader(_stage_selector(src), c.from_stage, c.line, c.cmd, i, u))
            region = self._region(c, src)
            self._regions.setdefault(c.stage.index, []).append((region, _is_wildcard(src)))
            if c.stage.index in self.image_chain:
                self.writers[c.line, i] = Writer(region, wildcard=_is_wildcard(src))

    def _region(self, c: Copy, src: Source) -> str:
        """Where every file this source writes lands: the destination, or for a
        literal context file copied into a directory, exactly dest/name."""
        if src.kind == "heredoc" and src.heredoc is not None:
            return posixpath.join(c.dest, src.heredoc.name) if c.dest_is_dir else c.dest
        if c.dest_is_dir and c.from_ is None and not c.parents and src.kind == "context":
            path = src.context_path
            if (
                path
                and not _is_wildcard(src)
                and not os.path.isdir(os.path.join(self.root, resolve_links(self.root, path)))
            ):
                return posixpath.join(c.dest, posixpath.basename(path))
        return c.dest

    def add_reader(self, r: Reader) -> None:
        self.all_readers.append(r)
        for s in r.stage.chain():
            self.readers.setdefault(s.index, []).append(r)
        if self._ready:
            self._repeats(r)

    def _repeats(self, r: Reader) -> None:
        """Where the stage ``r`` reads may be written more than once: the regions of
        every COPY/ADD into its chain and of every RUN cp/mv target there."""
        if r.usage is None:
            return  # a bind mount writes nothing: whether it finds something is all it tells
        chain = r.stage.chain()
        for s in chain:
            for region, wildcard in self._regions.get(s.index, []):
                r.regions.add(region, 2 if wildcard else 1)
        for alias in self._chain_effects(r.stage).aliases:
            r.regions.add(alias.region)

    def heredocs(self, u: CopyUsage) -> None:
        """The files a COPY's heredocs create (they come from the Dockerfile)."""
        c = u.copy
        for i, src in enumerate(c.sources):
            if src.kind == "heredoc" and src.heredoc is not None:
                doc = src.heredoc
                body = doc.buildah_content if u.buildah and doc.buildah_content is not None else doc.content
                size = len(body.encode("utf-8", "surrogateescape"))
                u.heredoc_files += 1
                u.heredoc_bytes += size
                path = posixpath.join(c.dest, src.heredoc.name) if c.dest_is_dir else c.dest
                self.wrote(c.stage.index, path, size, None, (c.line, i), "", False)

    def wrote(
        self,
        stage: int,
        path: str,
        size: int,
        kind: str | None,
        key: Key,
        origin: str,
        via_dir: bool,
        anchor: str | None = None,
        anchor_at: str | None = None,
    ) -> None:
        """A file of ``size`` bytes written at ``path`` into ``stage`` by the
        write ``key`` (``origin``: the context file, ``kind`` its kind).
        ``anchor``: the context path that gives a swept-in file its kind
        (usage.swept_anchor), which is at ``anchor_at`` in this stage."""
        if stage in self.image_chain:
            self._image(path, size, key, via_dir)
        readers = self.readers
        if not readers:
            return
        for r in readers.get(stage, ()):
            # The file where the COPY put it, and wherever a later RUN cp/mv of
            # the read stage put it too, unless an rm that ran after that place
            # was made removed it there.
            effects = self._chain_effects(r.stage)
            start = effects.start(stage, key[0])
            places = effects.follow(path, anchor_at, start)
            if effects.unknown_from(start) and r.usage is not None:
                self.upper_bound = True
            for there, at, since in places:
                if not effects.removes(there, since):
                    self._read(r, there, size, kind, key, origin, anchor, at)

    def _read(
        self,
        r: Reader,
        path: str,
        size: int,
        kind: str | None,
        key: Key,
        origin: str,
        anchor: str | None,
        anchor_at: str | None,
    ) -> None:
        rel = path.lstrip("/")
        root = r.selector.root_of(rel)
        if root is None:
            return
        r.found = True
        u = r.usage
        if u is None or u.excluded(root, rel):
            return
        self.trace_calls += 1
        if r.may_repeat(path):
            # The stage holds the path once, as its last write left it: decided when the walk is done.
            old = r.pending.get(path)
            if old is None or key >= old.key:
                r.pending[path] = _Pending(key, size, kind, origin, anchor, anchor_at)
            return
        self._take(r, u, root, rel, size, kind, key, origin, anchor, anchor_at)

    def finish(self) -> None:
        """Forward the paths held back because the read stage may hold them twice,
        once each: stage by stage, so that what one forwards into a stage is held
        by the readers of that stage before they forward theirs."""
        readers = [r for r in self.all_readers if r.usage is not None]
        readers.sort(key=lambda r: r.usage.copy.stage.index if r.usage is not None else 0)
        for r in readers:
            u = r.usage
            assert u is not None
            pending, r.pending = r.pending, {}
            for path in sorted(pending):
                p = pending[path]
                rel = path.lstrip("/")
                root = r.selector.root_of(rel)
                assert root is not None
                self._take(r, u, root, rel, p.size, p.kind, p.key, p.origin, p.anchor, p.anchor_at)

    def _take(
        self,
        r: Reader,
        u: CopyUsage,
        root: str,
        rel: str,
        size: int,
        kind: str | None,
        key: Key,
        origin: str,
        anchor: str | None,
        anchor_at: str | None,
    ) -> None:
        """COPY --from source ``r`` (of ``u``) takes the stage's ``rel`` (selected at ``root``)."""
        u.traced_files += 1
        u.traced_bytes += size
        if kind is not None:
            u.note_kind(origin, kind, size)
        at = None
        if anchor is not None and anchor_at is not None:
            # Still swept when COPY --from takes a directory above what gives the kind.
            if anchor_at.startswith("/" + root + "/") or (not root and anchor_at != "/"):
                u.note_swept(kind or "", anchor, size)
            at = image_path(u.copy, root, anchor_at.lstrip("/")) if _under(anchor_at, root) else None
        target = image_path(u.copy, root, rel)
        self.wrote(
            u.copy.stage.index, target, size, kind, (u.copy.line, r.index, *key), origin, root != rel, anchor, at
        )

    def _dir_source(self, src: Source) -> bool:
        """A literal COPY source that is a directory of the context (the whole context included)."""
        path = src.context_path
        if path is None or _is_wildcard(src):
            return False
        return os.path.isdir(os.path.join(self.root, resolve_links(self.root, path)))

    def _chain_effects(self, read: Stage) -> ChainEffects:
        """The ``RUN cp``/``mv``/``rm`` of the read stage's chain, indexed once
        (each RUN parsed once, however many stages and writes ask)."""
        found = self._effects.get(read.index)
        if found is None:
            found = self._effects[read.index] = ChainEffects(read.chain(), self._run_effects, self._dir_source)
        return found

    def _image(self, path: str, size: int, key: Key, via_dir: bool) -> None:
        layers = self.layers
        layers.files += 1
        layers.bytes += size
        w = self.writers.get(key if len(key) == 2 else (key[0], key[1]))
        if self.files is not None:
            self._keep(path, size, key, self.files)
        if w is None:
            return
        # may_collide's common case first: one writer alone covers the image (COPY . /app)
        regions = w.regions
        if not (w.wildcard and via_dir) and (regions is None or regions.total <= 1):
            return
        if not w.may_collide(path, via_dir):
            return
        self._shadowed.add(size)
        old = self._shadow.get(path)
        if old is None or key >= old[0]:  # the same write order: the later match wins (copied in sorted order)
            self._shadow[path] = (key, size)

    def _keep(self, path: str, size: int, key: Key, files: dict[str, int]) -> None:
        if path not in self._keys or key >= self._keys[path]:
            self._keys[path] = key
            files[path] = size

    @property
    def image(self) -> Count:
        """The final image's files and bytes from COPY/ADD: one per path, last writer wins."""
        winners = Count(len(self._shadow), sum(size for _, size in self._shadow.values()))
        return Count(
            self.layers.files - self._shadowed.files + winners.files,
            self.layers.bytes - self._shadowed.bytes + winners.bytes,
        )

    def missing(self, stage_problems: set[int]) -> list[Reader]:
        """Readers of a stage ctxaudit knows completely that found nothing
        (``stage_problems``: stages with a failing source, left alone)."""
        out = []
        memo: dict[int, bool] = {}
        for r in self.all_readers:
            if r.found or r.selector.whole or not known_stage(r.stage, memo):
                continue
            if any(s.index in stage_problems for s in r.stage.chain()):
                continue
            if r.selector.rest is None and self._workdir_holds(r.stage, r.selector.path):
                continue
            out.append(r)
        return out

    def _workdir_holds(self, stage: Stage, path: str) -> bool:
        """WORKDIR creates its directory and every parent."""
        return any(w == "/" + path or w.startswith("/" + path + "/") for s in stage.chain() for w in s.workdirs)


@dataclass(frozen=True)
class Alias:
    """A ``RUN cp``/``mv`` of a build stage: what it put at ``target`` from ``source``
    (image paths). ``into``: the target is a directory that exists, so ``source``
    lands inside it under its own name (GNU cp/mv: several sources, ``-t DIR``, or
    one source and a target that is a directory); otherwise the source becomes the
    target. ``file_into``: the target was written with a trailing ``/``, so a file
    source lands inside it (cp fails otherwise), while a directory source becomes
    the target (ctxaudit does not know the directory exists). ``moves``: an
    ``mv``, the source is gone afterwards."""

    source: str
    target: str
    into: bool
    file_into: bool = False
    moves: bool = False  # mv: the source is gone afterwards

    def apply(self, ipath: str) -> str | None:
        """Where ``ipath`` is after the copy, or None when the copy does not take it."""
        if ipath == self.source:
            rest = ""  # the source is this file
            inside = self.into or self.file_into
        elif _below(ipath, self.source):
            rest = ipath[len(self.source.rstrip("/")) :]
            inside = self.into
        else:
            return None
        base = posixpath.join(self.target, posixpath.basename(self.source)) if inside else self.target
        return base.rstrip("/") + rest if rest else base

    @property
    def region(self) -> str:
        """Every path the copy may write lies here or below."""
        return posixpath.join(self.target, posixpath.basename(self.source)) if self.into else self.target


@dataclass(frozen=True)
class _Move:
    """One ``cp``/``mv`` as written: its sources and target (image paths, cleaned),
    ``mode`` (``into``: several sources or ``-t``; ``onto``: ``-T``; ``slash``: one
    source and a target ending in ``/``; ``plain``), which sources name their
    directory's contents (``dir/.``), and ``cp -r``/``-a``."""

    cmd: str
    sources: tuple[str, ...]
    target: str
    mode: str
    contents: tuple[bool, ...]
    recursive: bool


@dataclass
class _RunEffects:
    """What one RUN moves (``cp``/``mv``), creates (``mkdir``) and removes (``rm``),
    in command order (``steps``): ``("move", m)``, ``("mkdir", dir)``, ``("rm", path)``
    (``rm -rf /app/.git``: the path and everything below) and ``("empty", dir)``
    (``rm -rf /app/cache/*``: everything below). ``unknown``: it does something
    ctxaudit cannot resolve (an rm of a variable or another wildcard, or a
    shell it cannot read)."""

    steps: list[tuple[str, _Move | str]] = field(default_factory=list)
    unknown: bool = False


# Options of GNU cp/mv (coreutils 9) and busybox that take the next word as their value.
_CP_VALUE_SHORT = frozenset("tS")
_CP_VALUE_LONG = frozenset({"--target-directory", "--suffix"})


def _move(cmd: str, args: list[str], workdir: str) -> _Move | None:
    """A ``cp``/``mv`` command's arguments read as GNU cp/mv read them
    (coreutils cp.c/mv.c ``do_copy``: ``-t DIR`` / ``--target-directory=DIR``
    names the directory every operand goes into; ``-T`` / ``--no-target-directory``
    makes the last operand the destination itself; ``--`` ends the options).
    None when it names something ctxaudit cannot resolve (a variable)."""
    operands: list[str] = []
    target_dir: str | None = None
    no_target = recursive = False
    it = iter(args)
    options = True
    for w in it:
        if options and w == "--":
            options = False
        elif options and w.startswith("--"):
            name, eq, value = w.partition("=")
            if name in _CP_VALUE_LONG and not eq:
                value = next(it, "")
            if name == "--target-directory":
                target_dir = value
            elif name == "--no-target-directory":
                no_target = True
            elif name in ("--recursive", "--archive"):
                recursive = True
        elif options and w.startswith("-") and len(w) > 1:
            for i, ch in enumerate(w[1:], 1):
                if ch in "rRa":
                    recursive = True
                elif ch == "T":
                    no_target = True
                elif ch in _CP_VALUE_SHORT:
                    value = w[i + 1 :] or next(it, "")
                    if ch == "t":
                        target_dir = value
                    break
        else:
            operands.append(w)
    if target_dir is not None:
        sources, target, mode = operands, target_dir, "into"
    elif len(operands) < 2:
        return None
    else:
        *sources, target = operands
        if len(sources) > 1:
            mode = "into"
        elif no_target:
            mode = "onto"
        else:
            mode = "slash" if target.endswith("/") else "plain"
    if not sources or any("$" in w or "`" in w for w in [*sources, target]):
        return None
    contents = tuple(posixpath.basename(w.rstrip("/")) == "." for w in sources)
    return _Move(
        cmd,
        tuple(clean(posixpath.join(workdir, w)) for w in sources),
        clean(posixpath.join(workdir, target)),
        mode,
        contents,
        recursive,
    )


def _mkdirs(args: list[str], workdir: str) -> list[str]:
    """The directories ``mkdir`` creates (with ``-p``, every parent too, which
    ChainEffects adds for every known directory anyway)."""
    out = []
    it = iter(args)
    for w in it:
        if w in ("-m", "--mode"):
            next(it, None)
        elif w.startswith("-") and len(w) > 1:
            continue
        elif "$" not in w and "`" not in w and not contains_wildcards(w):
            out.append(clean(posixpath.join(workdir, w)))
    return out


def run_effects(r: Run) -> _RunEffects:
    """The ``cp``/``mv``, ``mkdir`` and ``rm`` commands of one RUN (its shell script, ctxaudit.dockerfile.shell)."""
    out = _RunEffects()
    script = run_script(r)
    out.unknown = script.approximate
    for cmd in script.commands:
        if cmd.name in ("cp", "mv"):
            m = _move(cmd.name, cmd.args(), r.workdir)
            if m is not None:
                out.steps.append(("move", m))
        elif cmd.name == "mkdir":
            out.steps += [("mkdir", d) for d in _mkdirs(cmd.args(), r.workdir)]
        elif cmd.name == "rm":
            for w in cmd.args():
                if w.startswith("-"):
                    continue
                if "$" in w or "`" in w:
                    out.unknown = True
                elif w.endswith("/*") and not contains_wildcards(w[:-2]):
                    out.steps.append(("empty", clean(posixpath.join(r.workdir, w[:-2]))))
                elif contains_wildcards(w):
                    out.unknown = True
                else:
                    out.steps.append(("rm", clean(posixpath.join(r.workdir, w))))
    return out


# Directories a Linux base image holds (FHS): checked on ctxaudit-base:bookworm
# (Debian) and present in Alpine and the -slim images too. A base ctxaudit
# cannot see may hold more; these are the ones a RUN cp most often targets.
BASE_DIRS = frozenset(
    {
        "/bin", "/etc", "/home", "/lib", "/mnt", "/opt", "/root", "/run", "/sbin", "/srv", "/tmp",
        "/usr", "/usr/bin", "/usr/lib", "/usr/local", "/usr/local/bin", "/usr/local/lib",
        "/usr/local/share", "/usr/share", "/var", "/var/cache", "/var/lib", "/var/log", "/var/tmp",
    }
)  # fmt: skip


class _Dirs:
    """The directories known to exist at a point of a stage's chain (image paths)."""

    def __init__(self, base_image: bool) -> None:
        self.known: set[str] = {"/"} | (BASE_DIRS if base_image else set())

    def add(self, path: str) -> None:
        """``path`` is a directory, and so is every parent (nothing else can hold it)."""
        while path not in self.known:
            self.known.add(path)
            path = posixpath.dirname(path)

    def forget(self, path: str) -> None:
        """``path`` and everything below it are gone."""
        if path in self.known and path != "/":
            self.known -= {d for d in self.known if d == path or _below(d, path)}

    def copied(self, source: str, target: str) -> None:
        """The directories below ``source`` now exist below ``target`` too."""
        self.known |= {target + d[len(source) :] for d in self.known if _below(d, source)}


def _aliases(m: _Move, dirs: _Dirs) -> list[Alias]:
    """What one cp/mv puts where, decided as cp/mv decide it at run time: a
    single source goes inside the target when the target is a directory that
    exists (``dirs``), else it becomes the target. Where ctxaudit cannot know
    (a target written ``dir/`` that no instruction made): a file source goes
    inside (the only reading under which cp succeeds) and a directory source
    becomes the target, which is what ``cp -r src/ dest/`` in a Dockerfile
    most often means (a target the base image already holds goes unseen, and
    its files are then placed one level too high, never counted twice).
    ``dirs`` is updated with what the command leaves behind."""
    out = []
    mv = m.cmd == "mv"
    for source, contents in zip(m.sources, m.contents, strict=True):
        if contents:  # cp -r dir/. target: the contents merge into the target, which is or becomes a directory
            alias = Alias(source, m.target, False, moves=mv)
        elif m.mode == "into":
            alias = Alias(source, m.target, True, moves=mv)
        elif m.mode == "onto":
            alias = Alias(source, m.target, False, moves=mv)
        elif m.target in dirs.known:
            alias = Alias(source, m.target, True, moves=mv)
        else:
            alias = Alias(source, m.target, False, file_into=m.mode == "slash", moves=mv)
        out.append(alias)
        landed = alias.region
        if alias.into or contents or m.mode == "slash":
            dirs.add(m.target)
        if source in dirs.known or contents or m.recursive:  # cp -r: most often of a directory
            dirs.add(landed)
        if source in dirs.known:
            dirs.copied(source, landed)
        if mv:
            dirs.forget(source)
    return out


MAX_PLACES = 64  # places one file is followed to through RUN cp/mv


class ChainEffects:
    """The ``RUN cp``/``mv``/``rm`` of a stage's chain (base first), indexed by
    path, for the question a write into the chain asks: where do the RUNs after
    it move a file, and does one remove it?

    A write at line ``after`` into chain stage ``written`` is followed by the
    RUNs of that stage and of the later stages in the chain from that line on.
    Stages are numbered and their instructions lined up in Dockerfile order,
    so those RUNs are a suffix of the chain's RUNs: one index (``start``)
    answers, and each question costs O(depth of the path), not O(RUNs) (a
    Dockerfile of 100,000 lines stays linear).

    Positions count steps, not RUNs: each cp/mv/mkdir/rm of a RUN's script has
    its own, in the order the shell runs them (a RUN with none has one), so
    ``rm -rf /dest && cp -r /src /dest`` keeps the fresh copy while
    ``cp -r /src /dest && rm -rf /dest`` takes it away.
    """

    def __init__(
        self,
        chain: list[Stage],
        parsed: dict[int, _RunEffects] | None = None,
        dir_source: Callable[[Source], bool] | None = None,
    ) -> None:
        """``dir_source``: does a COPY source name a directory (of the context)?"""
        parsed = {} if parsed is None else parsed
        self._stage_first: dict[int, int] = {}  # stage index -> its first RUN's first position
        self._lines: list[int] = []  # position -> the line of its RUN (ascending)
        self.aliases: list[Alias] = []  # every cp/mv of the chain, in order
        self._alias_run: list[int] = []  # the position of each alias's cp/mv
        self._exact: dict[str, list[int]] = {}  # alias source -> alias numbers
        self._below: dict[str, list[int]] = {}  # alias source without a trailing "/" -> alias numbers
        self._paths: dict[str, int] = {}  # removed path -> last position removing it
        self._contents: dict[str, int] = {}  # directory emptied -> last position
        self._unknown = -1  # last position of an rm (or a RUN's shell) ctxaudit cannot read
        # The directories that exist as each RUN runs: WORKDIR, COPY/ADD destinations, mkdir, cp/mv.
        dirs = _Dirs(bool(chain) and (chain[0].base.lower() != "scratch" or chain[0].base_context is not None))
        for s in chain:
            self._stage_first[s.index] = len(self._lines)
            workdir = s.base_stage.workdir if s.base_stage is not None else "/"
            for command in s.commands:
                if isinstance(command, Copy):
                    _copied_dirs(command, dirs, dir_source)
                    continue
                if not isinstance(command, Run):
                    if command.cmd == "workdir" and "$" not in command.rest:  # WORKDIR creates its directory
                        workdir = clean(posixpath.join(workdir, command.rest.strip()))
                        dirs.add(workdir)
                    continue
                r = command
                workdir = r.workdir
                dirs.add(r.workdir)
                fx = parsed.get(r.line)
                if fx is None:
                    fx = parsed[r.line] = run_effects(r)
                lines = self._lines
                first = len(lines)
                for kind, step in fx.steps:
                    at = len(lines)  # one position per step: an rm counts only against what exists when it runs
                    lines.append(r.line)
                    if isinstance(step, _Move):
                        for alias in _aliases(step, dirs):
                            n = len(self.aliases)
                            self.aliases.append(alias)
                            self._alias_run.append(at)
                            self._exact.setdefault(alias.source, []).append(n)
                            self._below.setdefault(alias.source.rstrip("/"), []).append(n)
                    elif kind == "mkdir":
                        dirs.add(step)
                    elif kind == "rm":
                        dirs.forget(step)
                        self._paths[step] = at
                    else:  # "empty"
                        self._contents[step] = at
                if len(lines) == first:  # a RUN with no step ctxaudit follows still has its position
                    lines.append(r.line)
                if fx.unknown:
                    self._unknown = len(lines) - 1

    def start(self, written: int, after: int) -> int:
        """The first position of the first RUN that follows a write at line
        ``after`` into chain stage ``written`` (past the end when none does)."""
        first = self._stage_first.get(written, len(self._lines))  # not in the chain: no RUN follows
        return max(first, bisect_left(self._lines, after))

    def moves(self, ipath: str, start: int) -> list[Alias]:
        """The cp/mv from position ``start`` on that take the image path ``ipath``
        (``Alias.apply`` is not None), in the order the RUNs run them."""
        runs = self._alias_run
        return [self.aliases[n] for n in self._taking(ipath) if runs[n] >= start]

    def _taking(self, ipath: str) -> list[int]:
        """The numbers of the cp/mv whose source is ``ipath`` or a parent, in order."""
        found = list(self._exact.get(ipath, ()))
        below = self._below
        cut = ipath.find("/")
        while cut >= 0:  # every source ``ipath`` lies strictly below: a prefix ending at a "/"
            found += below.get(ipath[:cut], ())
            cut = ipath.find("/", cut + 1)
        return sorted(set(found))

    def follow(self, ipath: str, anchor_at: str | None, start: int) -> list[tuple[str, str | None, int]]:
        """Every place the file at ``ipath`` is once the RUNs from position
        ``start`` on ran (with where ``anchor_at`` went along): each cp/mv that
        takes a place adds the copy, which later ones take in turn (``cp -r /x /y``
        then ``cp -r /y /q``), and an ``mv`` takes the place away. At most
        ``MAX_PLACES`` places (copies of copies of a parent could multiply).
        Each place comes with the position from which an ``rm`` removes it
        (``removes``): ``start`` for ``ipath`` itself, the position after the
        cp/mv that made it for the others."""
        runs = self._alias_run
        first = bisect_left(runs, start)
        todo: list[tuple[str, str | None, int, int]] = [(ipath, anchor_at, first, start)]
        out: list[tuple[str, str | None, int]] = []
        while todo:
            path, at, nxt, since = todo.pop()
            kept = True
            for n in self._taking(path):
                if n < nxt:
                    continue
                alias = self.aliases[n]
                moved = alias.apply(path)
                if moved is None:
                    continue
                if len(out) + len(todo) < MAX_PLACES:
                    todo.append((moved, (alias.apply(at) or at) if at else None, n + 1, runs[n] + 1))
                if alias.moves:
                    kept = False
                    break
            if kept:
                out.append((path, at, since))
        return out

    def unknown_from(self, start: int) -> bool:
        """Does a RUN from position ``start`` on remove what ctxaudit cannot tell?"""
        return self._unknown >= start

    def removes(self, ipath: str, start: int) -> bool:
        """Does an ``rm`` from position ``start`` on remove the image path ``ipath``
        (it or a parent named, or a parent's contents)? The last position
        removing each path is kept, so this costs O(depth of ``ipath``)."""
        paths, contents = self._paths, self._contents
        if not paths and not contents:
            return False
        p = ipath
        first = True
        while p:
            if paths.get(p, -1) >= start or (not first and contents.get(p, -1) >= start):
                return True
            first = False
            cut = p.rfind("/")
            p = p[:cut] if cut > 0 else ("/" if p != "/" else "")
        return False


def _copied_dirs(c: Copy, dirs: _Dirs, dir_source: Callable[[Source], bool] | None) -> None:
    """The directories a COPY/ADD leaves: its destination's parent, and the
    destination when it is one (written ``dir/``, several sources, or a source
    that is a directory of the context)."""
    dirs.add(posixpath.dirname(c.dest))
    if c.dest_is_dir or (dir_source is not None and c.from_ is None and any(dir_source(s) for s in c.sources)):
        dirs.add(c.dest)


def _below(ipath: str, top: str) -> bool:
    """``ipath`` lies strictly below the image path ``top``."""
    return ipath.startswith(top.rstrip("/") + "/")


def _under(ipath: str, root: str) -> bool:
    """The image path ``ipath`` is the stage path ``root`` or below it."""
    return not root or ipath == "/" + root or ipath.startswith("/" + root + "/")


def _is_wildcard(src: Source) -> bool:
    return src.value is not None and contains_wildcards(src.value)


def _stage_selector(src: Source) -> Selector:
    """A COPY --from source: a path from the stage's root (not its WORKDIR)."""
    assert src.value is not None
    return Selector.of(src, clean("/" + src.value).lstrip("/"))


__all__ = ["Alias", "ChainEffects", "Reader", "StageFiles", "Writer", "known_stage", "run_effects"]
