"""What a Dockerfile takes from the context: transfer, image bytes, failures.

Fed the same entry stream as the context statistics (one walk), it keeps:

* the cold-cache BuildKit transfer: the files some COPY/ADD or bind mount
  of a needed stage refers to (everything eligible when one takes ``.``),
  or for the legacy builder the whole context as a tar, headers included;
  buildah transfers nothing: ``transfer`` is what its COPY/ADD read in place;
* per COPY/ADD: files, bytes and kinds it copies into its stage;
* the bytes that reach the final image through COPY/ADD (the target stage
  and the stages it is built FROM; ``COPY --from`` traced back to the
  context files another stage copied);
* sources that would fail the build (excluded by the ignore file, missing).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import posixpath
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..classify import kinds
from ..common.counts import Count, tally
from ..engine import containers, gomatch, tarsize, wire
from ..engine.builder import Builder
from ..engine.gostrings import clean
from ..engine.matcher import Matcher
from ..engine.pattern import DockerIgnorePattern, PatternError
from ..engine.walk import Entry, EntryType, Status
from .imagefs import Reader, StageFiles
from .model import Copy, Dockerfile, Mount, Run, Source
from .sources import PathIndex, Selector, contains_wildcards, follow_links, image_path, resolve_links, selector_key


@dataclass
class SourceState:
    selector: Selector
    found: bool = False
    line: int = 0  # the instruction's line (0: the COPY's own)
    what: str = ""  # "RUN --mount" for a bind mount (COPY/ADD: the instruction)
    index: int = 0  # its place among the COPY/ADD's sources
    key: tuple[int, int] = (0, 0)  # (COPY line, index): the write order of what it takes
    files: int = 0
    examples: list[str] = field(default_factory=list)  # first files it takes
    roots: set[str] = field(default_factory=set)  # paths a wildcard matched (first 50)

    @functools.cached_property
    def own_name(self) -> str | None:
        """The context path a source without wildcards names (image_path keeps a
        linked file's own name), else None; asked for every file it takes."""
        src = self.selector.source.context_path
        return src if self.selector.rest is None and src else None


@dataclass
class CopyUsage:
    copy: Copy
    sources: list[SourceState]  # its context sources, in order
    files: int = 0
    bytes: int = 0
    by_kind: dict[str, Count] = field(default_factory=dict)
    heredoc_bytes: int = 0
    heredoc_files: int = 0
    secrets: list[str] = field(default_factory=list)  # secret-looking files it copies (first 50)
    traced_files: int = 0  # COPY --from: context files it carries over from the other stage
    traced_bytes: int = 0
    # Kinds swept in by a broad source (a directory or `.` holding them), not named by it: kind -> count,
    # and the context paths that give them their kind (first few), for CA304.
    swept: dict[str, Count] = field(default_factory=dict)
    swept_anchors: dict[str, list[str]] = field(default_factory=dict)
    buildah: bool = False
    _exclude: Matcher | None = None

    @property
    def line(self) -> int:
        return self.copy.line

    @property
    def written(self) -> Count:
        """What this instruction writes into its layer: context files, heredocs,
        files carried over from another stage."""
        return Count(
            self.files + self.heredoc_files + self.traced_files, self.bytes + self.heredoc_bytes + self.traced_bytes
        )

    def note_kind(self, path: str, kind: str, size: int) -> None:
        tally(self.by_kind, kind, size)
        if kind == "secret" and len(self.secrets) < 50:
            self.secrets.append(path)

    def note_swept(self, kind: str, anchor: str, size: int) -> None:
        tally(self.swept, kind, size)
        seen = self.swept_anchors.setdefault(kind, [])
        if anchor not in seen and len(seen) < 5:
            seen.append(anchor)

    def excluded(self, root: str, path: str) -> bool:
        """COPY --exclude: patterns relative to the source root.

        buildah (v1.44, ``joinExcludePatternWithCopySource``) adds each
        pattern as written, relative to the context, and joined with each
        source, matched with its own matcher on the context path."""
        if not self.copy.excludes:
            return False
        if self.buildah:
            if self._exclude is None:
                lines = list(self.copy.excludes)
                for src in self.copy.sources:
                    base = clean(src.context_path or ".")
                    if base != ".":
                        lines += [_join_exclude(base, x) for x in self.copy.excludes]
                pats: list[DockerIgnorePattern] = []
                for line in lines:
                    try:
                        pats.append(containers.BuildahPattern(line, from_file=False))
                    except (PatternError, ValueError):
                        continue
                self._exclude = containers.BuildahMatcher(pats)
            try:
                return self._exclude.using_parent_results(path, None).matched
            except PatternError:
                return False
        if self._exclude is None:
            self._exclude = Matcher([DockerIgnorePattern.raw(p) for p in self.copy.excludes])
        rel = path[len(root) + 1 :] if root and path != root else (posixpath.basename(path) if root else path)
        try:
            return self._exclude.or_parent_matches(rel).matched
        except PatternError:
            return False


@dataclass
class ImageQuery:
    """Bytes that COPY/ADD of a stage chain wrote at an image path before a
    given line (for the layer rules). ``recursive``: everything below the
    path counts; a glob path matches like the shell (``*`` stops at ``/``)."""

    stage_index: int
    before_line: int
    image_path: str
    recursive: bool = True
    # (copy, file mode) -> True when the RUN leaves such a file as it is (chmod to the mode it has)
    unchanged: Callable[[Copy, int], bool] | None = None
    bytes: int = 0
    files: int = 0
    lines: set[int] = field(default_factory=set)  # COPY/ADD lines that wrote them

    def covers(self, ipath: str) -> bool:
        p = self.image_path.rstrip("/") or "/"
        if contains_wildcards(p):
            parts = ipath.split("/")
            depth = p.count("/") + 1
            if len(parts) < depth or (len(parts) > depth and not self.recursive):
                return False
            try:
                return gomatch.match(p, "/".join(parts[:depth]))
            except gomatch.BadPattern:
                return False
        if p == "/":
            return self.recursive
        return ipath == p or (self.recursive and ipath.startswith(p + "/"))


@dataclass
class Problem:
    kind: str  # "ignored" | "missing" | "dynamic" | "invalid"
    copy: Copy | None
    source: Source
    line: int
    message: str


class DockerfileUsage:
    sent_only = True  # add() reads only what the builder sends (pipeline.fan_out)

    def __init__(
        self,
        df: Dockerfile,
        builder: Builder,
        root: str,
        record_image: bool = False,
        old_fsutil: bool = False,
        checks_only: bool = False,
        wire_and_tar: bool = True,
        outside_dockerfile: int | None = None,
        source: str = "",
        ignore_lines: Sequence[DockerIgnorePattern] = (),
    ) -> None:
        # source: "" the main context, else the named context whose walk this is fed
        # (its own transfer, taken by COPY --from=NAME, RUN --mount=from=NAME, FROM NAME).
        self.source = source
        self._of = f" of named context {source}" if source else ""
        self.df = df
        # buildah decides a source that the walk of "." never reaches with its
        # own matcher (the ignore file's lines): see finish().
        self.buildah = builder is Builder.BUILDAH
        self._ignore_lines = ignore_lines
        # legacy: size of a Dockerfile outside the context, which the CLI adds to the tar
        self.outside_dockerfile = outside_dockerfile
        self._ignore_size: int | None = None
        # wire_and_tar=False: no BuildKit wire model and no legacy tar size (suggest's discovery);
        # buildah sends neither
        self.wire_and_tar = wire_and_tar and not self.buildah
        # checks_only: only which sources resolve (suggest's safety check re-runs it often)
        self.checks_only = checks_only
        self.old_fsutil = old_fsutil  # wire model of the 20.10 engine (for its goldens)
        self.record_image = record_image
        self.builder = builder
        self.root = root
        legacy = builder is Builder.LEGACY
        self.stages = df.needed_stages(all_before_target=legacy)
        self.image_chain = {s.index for s in df.target.chain()}
        self.copies: list[CopyUsage] = []
        self.sources: list[SourceState] = []
        self.problems: list[Problem] = []
        self.whole_context = False
        self._context_users: list[int] = []  # lines of the instructions that read the context
        self._mount_readers: list[Reader] = []
        transfer_paths: list[str] = []
        for stage in self.stages:
            for c in stage.copies:
                u = CopyUsage(c, [], buildah=self.buildah)
                self.copies.append(u)
                for index, src in enumerate(c.sources):
                    if c.context_name != source or src.kind != "context":
                        continue
                    path = src.context_path
                    if path is None:
                        self.problems.append(self._unresolved(c, src))
                        continue
                    if src.unknown:
                        self.problems.append(self._unresolved(c, src))
                    # The transfer follows links itself (follow_links below).
                    transfer_paths.append(path)
                    self._context_users.append(c.line)
                    sel = Selector.of(src, resolve_links(root, path), copy=c)
                    st = SourceState(sel, index=index, key=(c.line, index))
                    u.sources.append(st)
                    self.sources.append(st)
            for r in stage.runs:
                for m in r.mounts:
                    path = self._mount(r, m)
                    if path is not None:
                        transfer_paths.append(path)
        # BuildKit has no context step at all when no instruction reads the
        # context (dockerfile2llb only references the local source from
        # COPY/ADD and bind mounts): nothing is transferred, not even the
        # stream's trailer.
        self.uses_context = bool(self._context_users)
        self.whole_context = self.uses_context and "" in transfer_paths
        # FROM a named context: the whole directory is sent when that stage runs
        # a command or is the target (dockerfile2llb dispatchRun, convert.go), and
        # its files are the stage's filesystem, in the image when the stage is.
        based = [s for s in self.stages if source and s.base_context == source]
        if any(s.runs or s is df.target for s in based):
            self.whole_context = self.uses_context = True
            transfer_paths.append("")
        self.base_in_image = any(s.index in self.image_chain for s in based)
        self.base_image = Count()
        self.transfer_selectors = (
            []
            if self.whole_context or not self.uses_context
            else [Selector.of(Source(p, p), p) for p in follow_links(root, transfer_paths)]
        )
        self._by_path: dict[str, list[SourceState]] = {}  # literal source path -> its states
        for st in self.sources:
            if st.selector.rest is None:
                self._by_path.setdefault(st.selector.path, []).append(st)
        self._wildcards = [st for st in self.sources if st.selector.rest is not None]
        self.queries: list[tuple[ImageQuery, set[int]]] = []  # with the stages its chain holds
        self.eligible = Count()
        self.transfer = Count()
        self.tar_bytes = tarsize.END_OF_ARCHIVE
        self.wire_bytes = wire.TRAILER if self.uses_context else 0
        self._next_id = 0
        self._open_dirs: list[tuple[str, Entry]] = []  # (prefix "a/b/", entry) of the open directories
        self._sent_dirs = 0  # how many of them (the first ones) fsutil has sent
        self._tar = legacy and self.wire_and_tar  # the legacy tar's size is counted
        # What COPY/ADD write into each stage, traced through COPY --from.
        self.fs = StageFiles(self.copies, self.image_chain, root)
        if record_image:
            self.fs.record()
        for reader in self._mount_readers:
            self.fs.add_reader(reader)
        self._base_files: dict[str, int] = {}  # FROM a named context: its files (with record_image)
        if not source:  # heredocs come from the Dockerfile: counted once, by the main walk
            for u in self.copies:
                self.fs.heredocs(u)
        # built at the first entry (sources and queries are final by then): see PathIndex
        self._source_index: PathIndex[tuple[CopyUsage, SourceState]] | None = None
        self._taking_any: list[tuple[CopyUsage, list[SourceState]]] = []  # _taking of a path no key holds
        self._transfer_index: PathIndex[Selector] | None = None
        self._query_index: PathIndex[tuple[ImageQuery, set[int]]] | None = None

    def _mount(self, r: Run, m: Mount) -> str | None:
        """Record a ``--mount``: its problems, and for a bind mount of this
        walk's context a source that must exist (checked like a COPY source).
        Returns the path it adds to BuildKit's include paths, if any:
        dockerfile2llb adds the source of every mount without ``from``
        except cache, secret and ssh ones, a tmpfs mount's empty source (the
        whole context) included (convert_runmount.go). buildah mounts the
        context directory itself: nothing is read or transferred."""
        main = not self.source  # what is not about a named context is said once, by the main walk
        if m.error is not None:
            if main and self.builder is Builder.BUILDKIT:
                message = f"RUN --mount={m.spec}: {m.error}: BuildKit fails the build"
                self.problems.append(Problem("mount", None, m.source, r.line, message))
            elif main and self.buildah:
                # buildah's own parser (internal/volumes GetBindMount, GetCacheMount...) refuses
                # these too: a field without '=', an unknown key or type, no target
                # (recorded on 1.28.2 and 1.44.0: tests/buildah, dockerfile.mount-*).
                message = f"RUN --mount={m.spec}: {m.error} (BuildKit's words): buildah fails the build too"
                self.problems.append(Problem("mount", None, m.source, r.line, message))
            return None
        if m.type == "bind" and m.from_stage is not None and m.source.value is not None:
            if main and m.from_stage.index < r.stage.index and self.builder is not Builder.LEGACY:
                # It takes its source literally, from the stage's root.
                stage_path = clean("/" + m.source.value).lstrip("/")
                selector = Selector(m.source, stage_path, stage_path, None, mount=m)
                self._mount_readers.append(Reader(selector, m.from_stage, r.line, "RUN --mount"))
            return None
        if m.type in ("cache", "secret", "ssh") or m.context_name != self.source:
            if m.type == "tmpfs" and main and m.from_ is None and not self.buildah:
                return m.source.context_path  # the include path, without reading the context
            return None
        path = m.source.context_path
        if path is None or m.source.unknown:
            if self.builder is Builder.BUILDKIT:
                self.problems.append(self._unresolved(None, m.source, r.line, "RUN --mount"))
            if path is None:
                return None
        if self.buildah:
            # buildah binds the context directory itself (nothing read or transferred,
            # ignored files visible), but since v1.39.0 (internal/volumes bindFromChroot)
            # it opens the source inside the context first, links resolved there: a
            # missing source, a wildcard (taken literally) or a link leaving the context
            # fails the build ('sanitizing bind subdirectory'); 1.28 mounted whatever
            # the joined path named.
            resolved = resolve_links(self.root, path)
            if not os.path.lexists(os.path.join(self.root, resolved)):
                message = (
                    f"RUN --mount source {m.source.raw!r} is not in the context{self._of}: buildah fails "
                    "(sanitizing bind subdirectory)"
                )
                self.problems.append(Problem("missing", None, m.source, r.line, message))
            return None
        self._context_users.append(r.line)
        # A mount takes its source literally (no wildcards), through links
        # resolved inside the context like a COPY source.
        resolved = resolve_links(self.root, path)
        st = SourceState(Selector(m.source, resolved, resolved, None, mount=m), line=r.line, what="RUN --mount")
        self.sources.append(st)
        return path

    def _unresolved(self, c: Copy | None, src: Source, line: int = 0, what: str = "") -> Problem:
        what = what or (c.cmd if c is not None else "")
        line = line or (c.line if c is not None else 0)
        if src.unknown:
            names = ", ".join(sorted(src.unknown))
            return Problem(
                "dynamic",
                c,
                src,
                line,
                f"{what} source {src.raw!r} depends on {names}, unknown here (pass --build-arg)",
            )
        return Problem("invalid", c, src, line, f"{what} source {src.raw!r} cannot be parsed by BuildKit")

    def add_query(self, q: ImageQuery) -> ImageQuery:
        self.queries.append((q, {s.index for s in self.df.stages[q.stage_index].chain()}))
        self._query_index = None
        return q

    def _taking(self, path: str) -> list[tuple[CopyUsage, list[SourceState]]]:
        """The copies with a source that may take ``path``, each with those sources, in order
        (the list is shared: read it, never change it)."""
        index = self._source_index
        if index is None:
            index = self._source_index = PathIndex()
            for u in self.copies:
                for st in u.sources:
                    index.add(selector_key(st.selector), (u, st))
            self._taking_any = self._grouped(index.unkeyed)
        found = index.candidates(path)
        if found is index.unkeyed:  # only the sources that may take any path: grouped once
            return self._taking_any
        return self._grouped(found)

    @staticmethod
    def _grouped(found: list[tuple[CopyUsage, SourceState]]) -> list[tuple[CopyUsage, list[SourceState]]]:
        out: list[tuple[CopyUsage, list[SourceState]]] = []
        for u, st in found:
            if out and out[-1][0] is u:
                out[-1][1].append(st)
            else:
                out.append((u, [st]))
        return out

    def _queries_for(self, ipath: str) -> list[tuple[ImageQuery, set[int]]]:
        """The image queries that may cover ``ipath``."""
        if self._query_index is None:
            index: PathIndex[tuple[ImageQuery, set[int]]] = PathIndex()
            for q, chain in self.queries:
                p = q.image_path.rstrip("/") or "/"
                index.add(None if p == "/" or contains_wildcards(p) else p, (q, chain))
            self._query_index = index
        return self._query_index.candidates(ipath)

    # -- the stream --------------------------------------------------------

    def add(self, e: Entry) -> None:
        # Called for every entry sent (tens of thousands): the common case (a
        # regular file, nothing removed, no problem) reads a few attributes and
        # calls little; what is per walk (the builder, whether the whole context
        # is transferred, the copies that may take a path) is decided once.
        if e.status is not Status.SENT:
            return
        if self.checks_only:
            self._check(e)
            return
        if e.problem is not None and e.type is EntryType.FILE and self.builder is Builder.BUILDKIT:
            # An unreadable file BuildKit transfers arrives empty: the engine's BuildKit (0.8)
            # built and wrote it with 0 bytes (seen once, as root without DAC capabilities; its
            # transfer figure, 2 B off ctxaudit's model, is not recorded).
            e = dataclasses.replace(e, size=0)
        if self._tar:
            self.tar_bytes += tarsize.entry_bytes(e)
            if e.path == ".dockerignore" and e.type is EntryType.FILE:
                self._ignore_size = e.size
        if e.removed:  # in the tar, dropped by the daemon before COPY
            return
        path = e.path
        if self._by_path:
            for st in self._by_path.get(path, ()):
                st.found = True
        open_dirs = self._open_dirs
        while open_dirs and not path.startswith(open_dirs[-1][0]):
            open_dirs.pop()
        if self._sent_dirs > len(open_dirs):
            self._sent_dirs = len(open_dirs)
        t = e.type
        if t is EntryType.DIR:
            open_dirs.append((path + "/", e))
            if self.whole_context or self._transferred(path):
                self._send_parents()
            return
        if t is not EntryType.FILE and t is not EntryType.SYMLINK:
            return
        size = e.size
        data = 0 if e.hardlink_of is not None else size  # a hard link's data is sent once
        eligible = self.eligible
        eligible.files += 1
        eligible.bytes += data
        if self.base_in_image:
            self.base_image.add(size)
            if self.record_image:
                self._base_files["/" + path] = size
        if self.whole_context or self._transferred(path):
            if self._sent_dirs < len(open_dirs):
                self._send_parents()
            transfer = self.transfer
            transfer.files += 1
            transfer.bytes += data
            if self.wire_and_tar:
                self._wire(e)
        for u, sources in self._taking(path):
            for st in sources:
                sel = st.selector
                if sel.rest is None and not sel.base:  # "." or "/": every path, from the root
                    self._take(u, st, "", e)
                    break
                root = sel.root_of(path)
                if root is not None:
                    self._take(u, st, root, e)
                    break

    def _take(self, u: CopyUsage, st: SourceState, root: str, e: Entry) -> None:
        """A context file that COPY/ADD ``u`` takes through source ``st`` (rooted at ``root``)."""
        path = e.path
        if not (u.copy.excludes and u.excluded(root, path)):
            size = e.size
            u.files += 1
            u.bytes += size
            kind = e.label
            if kind is None:
                kind = kinds.of(e)
            u.note_kind(path, kind, size)
            anchor = None if kind == kinds.SOURCE else swept_anchor(root, path)
            if anchor is not None:
                u.note_swept(kind, anchor, size)
            c = u.copy
            ipath = image_path(c, root, path, st.own_name)
            if self.queries:
                self._answer(c, ipath, size, e.stat.st_mode if e.stat is not None else 0o644)
            at = image_path(c, root, anchor) if anchor is not None else None
            self.fs.wrote(c.stage.index, ipath, size, kind, st.key, path, root != path, anchor, at)
        st.found = True
        st.files += 1
        if len(st.examples) < 50:
            st.examples.append(path)
        if len(st.roots) < 50:
            st.roots.add(root)

    def _check(self, e: Entry) -> None:
        if e.removed:
            return
        for st in self._by_path.get(e.path, ()):
            st.found = True
        if e.is_file:
            for st in self._wildcards:
                if not st.found and st.selector.root_of(e.path) is not None:
                    st.found = True

    def transfers(self, path: str) -> bool:
        """Whether this build transfers an eligible context path: the legacy
        builder sends all of them, BuildKit (cold cache) what a COPY/ADD or
        bind mount of a needed stage refers to."""
        return self.builder is Builder.LEGACY or self._transferred(path)

    def reads(self, path: str, is_dir: bool) -> bool:
        """Does this build read the context path ``path``, so that an unreadable
        one fails it (CA100)? The legacy CLI tars (and first validates) the
        whole context, buildah is left as the walk says, and BuildKit reads
        every directory (its walk opens them even for the Dockerfile's own
        transfer) but only the files it transfers. Checked on the engine: a
        mode-000 file beside ``COPY f /ctx/`` builds with BuildKit while the
        legacy CLI stops ("no permission to read"); a mode-000 directory
        fails both (tests/dockerfile cases unreadable-*-not-copied)."""
        if self.builder is not Builder.BUILDKIT or is_dir:
            return True
        return self.uses_context and (self.whole_context or self._transferred(path))

    def fails_on_unreadable(self, is_dir: bool) -> bool:
        """Does an unreadable path this build reads fail it? The legacy CLI and
        buildah stop; BuildKit stops at a directory but writes a file it
        cannot read as an empty file (the engine's BuildKit 0.8 builds)."""
        return self.builder is not Builder.BUILDKIT or is_dir

    def _transferred(self, path: str) -> bool:
        if self.whole_context:
            return True
        if self._transfer_index is None:
            self._transfer_index = PathIndex()
            for s in self.transfer_selectors:
                self._transfer_index.add(selector_key(s), s)
        return any(s.root_of(path) is not None for s in self._transfer_index.candidates(path))

    def _send_parents(self) -> None:
        """fsutil sends a directory's STAT before the first entry sent below it.
        The open directories already sent are always the first ``_sent_dirs``
        (sending one sends every open directory above it)."""
        if not self.wire_and_tar:
            return
        open_dirs = self._open_dirs
        for _, d in open_dirs[self._sent_dirs :]:
            self._wire(d)
        self._sent_dirs = len(open_dirs)

    def _wire(self, e: Entry) -> None:
        if not self.wire_and_tar:
            return
        s = e.stat
        if s is None:
            try:
                s = os.lstat(os.path.join(self.root, e.path))
            except OSError:
                return
        if e.hardlink_of is None and not e.link:
            # the STAT and DATA packets of one entry in one call (most entries are plain files)
            self.wire_bytes += wire.file_bytes(e.path, s, e.size if e.type is EntryType.FILE else 0, self._next_id)
        else:
            hardlink = e.hardlink_of is not None
            link = e.hardlink_of or e.link or ""
            self.wire_bytes += wire.stat_packet(e.path, s, link, hardlink, self.old_fsutil)
            if wire.can_request_data(s, hardlink):
                self.wire_bytes += wire.data_packets(0 if e.type is not EntryType.FILE else e.size, self._next_id)
        self._next_id += 1

    def _answer(self, c: Copy, ipath: str, size: int, mode: int) -> None:
        for q, chain in self._queries_for(ipath):
            if q.before_line <= c.line:
                continue
            if c.stage.index in chain and q.covers(ipath) and not (q.unchanged is not None and q.unchanged(c, mode)):
                q.bytes += size
                q.files += 1
                q.lines.add(c.line)

    def finish(self) -> DockerfileUsage:
        if self.buildah:
            self._finish_buildah()
        self.fs.finish()
        for st in [] if self.buildah else self.sources:
            problem = self._source_problem(st)
            if problem is not None:
                self.problems.append(problem)
        if not self.source:  # what a stage holds is the main walk's to say
            failing = {p.copy.stage.index for p in self.problems if p.copy is not None and p.kind != "empty-wildcard"}
            for r in self.fs.missing(failing):
                self.problems.append(self._from_problem(r))
        if self.builder is Builder.LEGACY:
            if self.outside_dockerfile is not None:
                self.tar_bytes = tarsize.with_outside_dockerfile(
                    self.tar_bytes, self._ignore_size, self.outside_dockerfile
                )
            self.transfer = Count(self.eligible.files, self.tar_bytes)
        return self

    def _finish_buildah(self) -> None:
        """Sources as buildah's ``Add`` resolves them (add.go, copier.Stat/Get).

        Each source is globbed on disk (ignored files included); an item is
        skipped when storage's ``Matches`` excludes it, unless it is a
        directory some exception may reach below. A source whose items are
        all skipped fails ("no items matching glob ... copied (N filtered
        out)"); a wildcard that matches nothing is dropped, and the COPY
        fails only when no source matched anything. An item the walk of
        ``.`` never reached (it sits in a directory that walk skips, yet no
        line excludes it: ``build`` + ``!**/keep.txt`` and ``COPY
        build/keep.txt``) is copied all the same.
        """
        matcher = containers.BuildahMatcher(containers.for_builder(self._ignore_lines, True))
        for u in self.copies:
            if not u.sources:
                continue
            matched_any = False
            for st in u.sources:
                sel = st.selector
                c = sel.copy
                assert c is not None
                if st.found or sel.whole:
                    matched_any = True
                    continue
                if sel.rest is None:
                    items = [sel.path] if os.path.lexists(os.path.join(self.root, sel.path)) else []
                else:
                    items = self._glob(sel.base, sel.rest)
                if not items:
                    if sel.rest is None:
                        matched_any = True
                        self.problems.append(
                            Problem(
                                "missing",
                                c,
                                sel.source,
                                c.line,
                                f"{c.cmd} source {sel.source.raw!r} is not in the context",
                            )
                        )
                    continue
                matched_any = True
                try:
                    taken = [i for i in items if self._buildah_takes(matcher, i)]
                except PatternError:
                    return  # the walk reports it: every COPY fails
                if not taken:
                    what = "is excluded" if sel.rest is None else f"matches only excluded paths ({len(items)})"
                    self.problems.append(
                        Problem(
                            "ignored",
                            c,
                            sel.source,
                            c.line,
                            f"{c.cmd} source {sel.source.raw!r} {what} by the ignore file: the build fails "
                            f'(buildah: "no items matching glob ... copied ({len(items)} filtered out)")',
                        )
                    )
                    continue
                for item in taken:
                    for rel, s in containers.copied(self.root, item, matcher):
                        if self.checks_only:
                            st.found = True
                            break
                        etype = EntryType.SYMLINK if stat.S_ISLNK(s.st_mode) else EntryType.FILE
                        self._take(u, st, item, Entry(rel, etype, s.st_size, Status.SENT, None, stat=s))
                    st.found = True
            if not matched_any:
                c = u.copy
                raws = ", ".join(repr(st.selector.source.raw) for st in u.sources)
                self.problems.append(
                    Problem(
                        "missing",
                        c,
                        u.sources[0].selector.source,
                        c.line,
                        f"{c.cmd} source(s) {raws} match nothing: buildah fails "
                        '("no such file or directory"; BuildKit copies nothing)',
                    )
                )

    def _buildah_takes(self, matcher: containers.BuildahMatcher, item: str) -> bool:
        if not matcher.decide(item).matched:
            return True
        return os.path.isdir(os.path.join(self.root, item)) and matcher.enters(item)

    def _glob(self, base: str, rest: str, limit: int = 1000) -> list[str]:
        """filepath.Glob of ``base/rest`` in the context: every path, ignored or not."""
        level = [base]
        for part in rest.split("/"):
            found: list[str] = []
            for d in level:
                try:
                    names = sorted(os.listdir(os.path.join(self.root, d) if d else self.root))
                except OSError:
                    continue
                for name in names:
                    try:
                        if gomatch.match(part, name):
                            found.append(f"{d}/{name}" if d else name)
                    except gomatch.BadPattern:
                        return []
                    if len(found) >= limit:
                        break
            level = found
        return level

    def _from_problem(self, r: Reader) -> Problem:
        """A COPY --from (or mount from=) source the stage cannot hold."""
        c = r.usage.copy if r.usage is not None else None
        raw = r.selector.source.raw
        stage = r.stage.label
        if r.selector.rest is not None:
            if self.builder is Builder.LEGACY:
                message = (
                    f"{r.what} --from={stage} source {raw!r} matches nothing in stage {stage}: the legacy builder "
                    'fails ("no source files were specified"; BuildKit copies nothing)'
                )
                return Problem("missing", c, r.selector.source, r.line, message)
            if self.buildah and c is not None and len(c.sources) == 1:
                message = (
                    f"{r.what} --from={stage} source {raw!r} matches nothing in stage {stage}: buildah fails "
                    "(no source of the COPY matches anything; BuildKit copies nothing)"
                )
                return Problem("missing", c, r.selector.source, r.line, message)
            message = (
                f"{r.what} --from={stage} source {raw!r} matches nothing in stage {stage}: BuildKit copies nothing "
                '(the legacy builder fails: "no source files were specified")'
            )
            return Problem("empty-wildcard", c, r.selector.source, r.line, message)
        message = (
            f"{r.what} from stage {stage}: {raw!r} is not in it (built FROM scratch without RUN, no COPY or WORKDIR "
            f'of it creates /{r.selector.path}): the build fails ("/{r.selector.path}" not found)'
        )
        return Problem("from-missing", c, r.selector.source, r.line, message)

    def _source_problem(self, st: SourceState) -> Problem | None:
        """Why this source fails the build (or copies nothing), once the walk is done."""
        sel = st.selector
        c = sel.copy
        what = st.what or (c.cmd if c is not None else "")
        line = st.line or (c.line if c is not None else 0)
        raw = sel.source.raw
        if sel.mount is not None and self.builder is Builder.LEGACY:
            return None  # the legacy builder stops at --mount itself (CA310)
        if sel.rest is not None:
            if st.found:
                return None
            if self.builder is Builder.LEGACY:
                message = (
                    f"{what} source {raw!r} matches nothing: the legacy builder fails "
                    '("no source files were specified"; BuildKit copies nothing)'
                )
                return Problem("missing", c, sel.source, line, message)
            message = (
                f"{what} source {raw!r} matches nothing: BuildKit copies nothing "
                '(the legacy builder fails: "no source files were specified")'
            )
            return Problem("empty-wildcard", c, sel.source, line, message)
        if st.found or sel.whole:
            return None
        via = ""
        if sel.path != sel.source.context_path:
            via = f" (a link, resolved inside the context as {sel.path!r})"
        if os.path.lexists(os.path.join(self.root, sel.path)):
            fails = f'"/{sel.path}" not found' if sel.mount is not None else "failed to compute cache key"
            message = f"{what} source {raw!r}{via} is excluded by the ignore file{self._of}: the build fails ({fails})"
            return Problem("ignored", c, sel.source, line, message)
        literal = ""
        if sel.mount is not None and contains_wildcards(sel.path):
            literal = ": a mount takes its source literally, wildcards are not expanded"
        return Problem(
            "missing", c, sel.source, line, f"{what} source {raw!r}{via} is not in the context{self._of}{literal}"
        )

    # -- results -------------------------------------------------------------

    def image_bytes(self, u: CopyUsage) -> int:
        """Bytes this instruction writes into its layer (context, heredoc, traced)."""
        return u.written.bytes

    def image_copies(self) -> list[CopyUsage]:
        """COPY/ADD instructions whose layers end up in the final image."""
        return [u for u in self.copies if u.copy.stage.index in self.image_chain]

    @property
    def image(self) -> Count:
        """The final image's files from COPY/ADD (and FROM a named context), as
        it holds them: one per path (the last instruction that writes a path wins)."""
        image = self.fs.image
        return Count(image.files + self.base_image.files, image.bytes + self.base_image.bytes)

    @property
    def image_at_most(self) -> bool:
        """The image figure is an upper bound: a stage COPY --from reads ran an
        rm (or a RUN) ctxaudit cannot read after files were copied into it
        (literal ``rm -rf`` paths are taken out of what it carries)."""
        return self.fs.upper_bound

    @property
    def layers(self) -> Count:
        """What the COPY/ADD of the final image write into its layers: every
        write counts, a path written twice is stored twice."""
        return self.fs.layers

    @property
    def image_files(self) -> dict[str, int]:
        """Image path -> size of every final file (with ``record_image``)."""
        return {**self._base_files, **(self.fs.files or {})}


def swept_anchor(root: str, path: str) -> str | None:
    """The context path that gives ``path`` its kind (a kinded directory such as
    ``__pycache__``, else the file itself) when a COPY source rooted at
    ``root`` swept it in from below; None when the source names it (the file
    itself, or a path at or inside the kinded directory: ``COPY dist/ ...``,
    ``COPY target/*.jar ...``)."""
    if path == root:
        return None
    parts = path.split("/")
    depth = root.count("/") + 1 if root else 0
    for i, part in enumerate(parts[:-1]):
        if kinds.dir_kind(part) is not None:
            return "/".join(parts[: i + 1]) if i >= depth else None
    return path


def _join_exclude(base: str, pattern: str) -> str:
    """buildah's joinExcludePatternWithCopySource."""
    if pattern.startswith("!"):
        rest = pattern[1:]
        return pattern if not rest else "!" + posixpath.normpath(posixpath.join(base, rest))
    return posixpath.normpath(posixpath.join(base, pattern))


__all__ = ["CopyUsage", "DockerfileUsage", "EntryType", "ImageQuery", "Problem"]
