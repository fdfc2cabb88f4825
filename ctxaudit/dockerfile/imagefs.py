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
            target = posixpath.join(alias.target, posixpath.basename(alias.source)) if alias.into else alias.target
            r.regions.add(target)

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
            # the read stage put it too, unless a later RUN rm removed it there.
            effects = self._chain_effects(r.stage)
            start = effects.start(stage, key[0])
            places = [(path, anchor_at)]
            for alias in effects.moves(path, start):
                moved = alias.apply(path)
                if moved is not None:
                    places.append((moved, (alias.apply(anchor_at) or anchor_at) if anchor_at else None))
            if effects.unknown_from(start) and r.usage is not None:
                self.upper_bound = True
            for there, at in places:
                if not effects.removes(there, start):
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

    def _chain_effects(self, read: Stage) -> ChainEffects:
        """The ``RUN cp``/``mv``/``rm`` of the read stage's chain, indexed once
        (each RUN parsed once, however many stages and writes ask)."""
        found = self._effects.get(read.index)
        if found is None:
            found = self._effects[read.index] = ChainEffects(read.chain(), self._run_effects)
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
    (image paths). ``into``: the target is a directory (written with a trailing
    ``/``, or several sources): ``source`` lands inside it under its own name."""

    source: str
    target: str
    into: bool

    def apply(self, ipath: str) -> str | None:
        """Where ``ipath`` is after the copy, or None when the copy does not take it."""
        if ipath == self.source:
            rest = ""
        elif _below(ipath, self.source):
            rest = ipath[len(self.source.rstrip("/")) :]
        else:
            return None
        base = posixpath.join(self.target, posixpath.basename(self.source)) if self.into else self.target
        return base.rstrip("/") + rest if rest else base


@dataclass
class _RunEffects:
    """What one RUN moves (``cp``/``mv``, in command order) and removes (``rm``):
    literal image paths (``rm -rf /app/.git``: the path and everything below),
    contents (``rm -rf /app/cache/*``: everything below), and whether it does
    something ctxaudit cannot resolve (a variable, another wildcard, a shell
    it cannot read)."""

    aliases: list[Alias] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    unknown: bool = False


def run_effects(r: Run) -> _RunEffects:
    """The ``cp``/``mv`` and ``rm`` commands of one RUN (its shell script, ctxaudit.dockerfile.shell)."""
    out = _RunEffects()
    script = run_script(r)
    out.unknown = script.approximate
    for cmd in script.commands:
        if cmd.name in ("cp", "mv"):
            words = [w for w in cmd.args() if not w.startswith("-") and "$" not in w]
            if len(words) < 2:
                continue
            *sources, target = words
            into = target.endswith("/") or len(sources) > 1
            dest = clean(posixpath.join(r.workdir, target))
            out.aliases += [Alias(clean(posixpath.join(r.workdir, w)), dest, into) for w in sources]
        elif cmd.name == "rm":
            for w in cmd.args():
                if w.startswith("-"):
                    continue
                if "$" in w or "`" in w:
                    out.unknown = True
                    continue
                if w.endswith("/*") and not contains_wildcards(w[:-2]):
                    out.contents.append(clean(posixpath.join(r.workdir, w[:-2])))
                elif contains_wildcards(w):
                    out.unknown = True
                else:
                    out.paths.append(clean(posixpath.join(r.workdir, w)))
    return out


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
    """

    def __init__(self, chain: list[Stage], parsed: dict[int, _RunEffects] | None = None) -> None:
        parsed = {} if parsed is None else parsed
        self._stage_first: dict[int, int] = {}  # stage index -> its first RUN's position
        self._lines: list[int] = []
        self.aliases: list[Alias] = []  # every cp/mv of the chain, in order
        self._alias_run: list[int] = []  # the position of the RUN of each alias
        self._exact: dict[str, list[int]] = {}  # alias source -> alias numbers
        self._below: dict[str, list[int]] = {}  # alias source without a trailing "/" -> alias numbers
        self._paths: dict[str, int] = {}  # removed path -> last RUN position removing it
        self._contents: dict[str, int] = {}  # directory emptied -> last RUN position
        self._unknown = -1  # last RUN position with an rm (or a shell) ctxaudit cannot read
        for s in chain:
            self._stage_first[s.index] = len(self._lines)
            for r in s.runs:
                at = len(self._lines)
                self._lines.append(r.line)
                fx = parsed.get(r.line)
                if fx is None:
                    fx = parsed[r.line] = run_effects(r)
                for alias in fx.aliases:
                    n = len(self.aliases)
                    self.aliases.append(alias)
                    self._alias_run.append(at)
                    self._exact.setdefault(alias.source, []).append(n)
                    self._below.setdefault(alias.source.rstrip("/"), []).append(n)
                for p in fx.paths:
                    self._paths[p] = at
                for p in fx.contents:
                    self._contents[p] = at
                if fx.unknown:
                    self._unknown = at

    def start(self, written: int, after: int) -> int:
        """The position of the first RUN that follows a write at line ``after``
        into chain stage ``written`` (past the end when none does)."""
        first = self._stage_first.get(written, len(self._lines))  # not in the chain: no RUN follows
        return max(first, bisect_left(self._lines, after))

    def moves(self, ipath: str, start: int) -> list[Alias]:
        """The cp/mv from position ``start`` on that take the image path ``ipath``
        (``Alias.apply`` is not None), in the order the RUNs run them."""
        found = list(self._exact.get(ipath, ()))
        below = self._below
        cut = ipath.find("/")
        while cut >= 0:  # every source ``ipath`` lies strictly below: a prefix ending at a "/"
            found += below.get(ipath[:cut], ())
            cut = ipath.find("/", cut + 1)
        if not found:
            return []
        runs = self._alias_run
        return [self.aliases[n] for n in sorted(set(found)) if runs[n] >= start]

    def unknown_from(self, start: int) -> bool:
        """Does a RUN from position ``start`` on remove what ctxaudit cannot tell?"""
        return self._unknown >= start

    def removes(self, ipath: str, start: int) -> bool:
        """Does an ``rm`` from position ``start`` on remove the image path ``ipath``
        (it or a parent named, or a parent's contents)?"""
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
