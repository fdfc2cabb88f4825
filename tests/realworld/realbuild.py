#!/usr/bin/env python3
"""Build a real project before and after ``ctxaudit suggest --write`` and ``ctxaudit init``.

    python tests/realworld/realbuild.py CHECKOUT [-f DOCKERFILE] [--target STAGE]
        [--build-arg K=V] [--name NAME] [--commit SHA] [--json OUT] [--keep]

What it answers: which files left the image because of the lines ctxaudit
wrote, and does the project still build. Nothing can be pulled on an
offline engine, so the Dockerfile is rewritten (into a temporary file; the
checkout is copied, never touched):

* every ``FROM <image>`` that is not a stage or ``scratch`` becomes ``FROM
  ctxaudit-layers-base:1`` (``scratch`` + a 6 KiB ``/bin/sh`` of our own,
  tests/layers/minish.c; a distribution image would cost its whole file
  system per layer on the engine's vfs storage), with the empty directories
  a distribution has (``/usr/local/bin``...);
* every ``RUN`` becomes ``RUN ["/bin/sh", "-c", "true"]``, keeping its bind
  mounts of the context (a source the ignore file hides still fails the
  build); what a RUN would have made and a later ``COPY --from`` takes is
  stood in for by an empty directory (``mkdir -p``, which leaves an existing
  file or directory alone), so only the context decides;
* ``COPY``/``ADD`` keep their context sources, ``--from=<stage>``,
  ``--chmod`` and numeric ``--chown``; sources from URLs, git, heredocs and
  other images are dropped, and so are flags the engine's BuildKit 0.8 does
  not know (``--link``, ``--parents``, ``--exclude``: noted, since they
  change what is copied);
* ``USER``, ``SHELL``, ``ONBUILD`` and parser directives other than
  ``escape`` are dropped (the stand-in base has no users and no other shell).

Each build runs with BuildKit (``DOCKER_BUILDKIT=1``, ``--network=none``) and
exports the target stage with ``-o type=local``; the image's files are
compared path by path. ``ctxaudit`` runs as a user runs it (``python -m
ctxaudit suggest --write``, ``init --force``) on two copies of the checkout.
Builds run one after another. Prints a report, and with ``--json`` writes
the figures the README's table comes from.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from ctxaudit.analysis import junk  # noqa: E402
from ctxaudit.dockerfile.model import Copy, Run, build_model  # noqa: E402
from ctxaudit.dockerfile.parser import Instruction  # noqa: E402

BASE = "ctxaudit-layers-base:1"
DOCKER = os.environ.get("CTXAUDIT_DOCKER", "/usr/bin/docker")
DROPPED_FLAGS = {"link", "parents", "exclude", "checksum", "keep-git-dir", "unpack"}
NOOP = '["/bin/sh", "-c", "true"]'
FHS = ["/usr/local/bin", "/usr/local/lib", "/usr/bin", "/usr/lib", "/usr/share", "/etc", "/tmp", "/var/lib"]
FHS += ["/var/log", "/var/cache", "/root", "/home", "/opt", "/srv", "/run", "/mnt"]


def rewrite(text: str, build_args: dict[str, str], target: str | None, notes: list[str]) -> tuple[str, list[list[str]]]:
    """The Dockerfile for an offline engine (see the module docstring), and
    what to list: ``[label, stage]`` for the target, every other stage that
    copies from the context, and a side stage per bind mount of the context
    (``FROM scratch`` + ``COPY <source> /m/``: what the RUN would see)."""
    df = build_model(text, build_args, target)
    out: list[str] = []
    if df.parsed.escape != "\\":
        out.append(f"# escape={df.parsed.escape}")
    for key in df.parsed.directives:
        if key != "escape":
            notes.append(f"dropped parser directive {key}")
    first = df.stages[0].line if df.stages else 0
    for ins in df.parsed.instructions:
        if ins.start < first and ins.cmd == "arg":
            out.append(ins.original)
    name_of = {st.index: st.name or f"ctxaudit-stage-{st.index}" for st in df.stages}
    on_base: dict[int, bool] = {}  # stage index -> has our /bin/sh
    placeholders: dict[int, set[str]] = {}
    for st in df.stages:
        for c in st.copies:
            if c.from_stage is None:
                continue
            for src in c.sources:
                if src.value is not None:
                    placeholders.setdefault(c.from_stage.index, set()).add("/" + src.value.lstrip("/"))
    objects: dict[int, Copy | Run] = {}
    for st in df.stages:
        for cmd in st.commands:
            if isinstance(cmd, (Copy, Run)):
                objects[id(cmd.ins)] = cmd
    stage_at = {st.line: st for st in df.stages}
    current: Any = None

    def close(stage: Any) -> None:
        if stage is not None and on_base[stage.index] and placeholders.get(stage.index):
            paths = sorted(placeholders[stage.index])
            concrete = [re.sub(r"[*?]", "x", p).replace("[", "").replace("]", "") for p in paths]
            script = " && ".join(f"mkdir -p {p}" for p in concrete)
            out.append("# what the RUN lines would have made for COPY --from (ctxaudit realbuild)")
            out.append("RUN " + json.dumps(["/bin/sh", "-c", script]))

    for ins in df.parsed.instructions:
        if ins.start < first:
            continue
        if ins.cmd == "from":
            close(current)
            st = current = stage_at[ins.start]
            name = f" AS {name_of[st.index]}"
            if st.base_stage is not None:
                out.append(f"FROM {name_of[st.base_stage.index]}{name}")
                on_base[st.index] = on_base[st.base_stage.index]
            elif st.base.lower() == "scratch":
                out.append(f"FROM scratch{name}")
                on_base[st.index] = False
            else:
                out.append(f"FROM {BASE}{name}")
                # the directories a distribution image has, so that COPY x /usr/local/bin copies into one
                out.append("RUN " + json.dumps(["/bin/sh", "-c", "mkdir -p " + " ".join(FHS)]))
                notes.append(f"line {st.line}: FROM {st.base} -> {BASE}")
                on_base[st.index] = True
            continue
        line = _instruction(objects.get(id(ins), ins), notes)
        if line is not None:
            out.append(line)
    close(current)
    listings = [["image", name_of[df.target.index]]]
    for st in df.stages:
        if st is not df.target and any(c.takes_context and c.sources for c in st.copies):
            listings.append([f"stage {st.label}", name_of[st.index]])
    k = 0
    for st in df.stages:
        for r in st.runs:
            for m in r.mounts:
                if m.type == "bind" and m.from_ is None:
                    side = f"ctxaudit-mount-{k}"
                    k += 1
                    out += ["", f"FROM scratch AS {side}", "COPY " + json.dumps([m.source.raw or ".", "/m/"])]
                    listings.append([f"RUN --mount source={m.source.raw or '.'} (line {r.line})", side])
    return "\n".join(out) + "\n", listings


def _instruction(cmd: Copy | Run | Instruction, notes: list[str]) -> str | None:
    if isinstance(cmd, Run):
        mounts = []
        for n, m in enumerate(cmd.mounts):
            if m.type == "bind" and m.from_ is None:
                src = m.source.raw or "."
                mounts.append(f"--mount=type=bind,source={src},target=/mnt/ctxaudit-bind-{n}")
        return " ".join(["RUN", *mounts, NOOP])
    if isinstance(cmd, Copy):
        ins = cmd.ins
        flags = []
        for f in ins.flags:
            key, _, value = f[2:].partition("=")
            if key in DROPPED_FLAGS:
                why = "changes what is copied" if key in ("parents", "exclude") else "BuildKit 0.8 has no such flag"
                notes.append(f"line {ins.start}: dropped {ins.cmd.upper()} --{key} ({why})")
                continue
            if key == "chown" and not all(part.isdigit() for part in value.split(":")):
                notes.append(f"line {ins.start}: dropped --chown={value} (the stand-in base has no users)")
                continue
            if key == "from":
                if cmd.from_stage is None:
                    notes.append(f"line {ins.start}: dropped {ins.cmd.upper()} --from={value} (another image)")
                    return None
                if (
                    cmd.from_stage.base_stage is None
                    and not cmd.from_stage.commands
                    and cmd.from_stage.base != "scratch"
                ):
                    notes.append(f"line {ins.start}: dropped {ins.cmd.upper()} --from={value} (an image's alias)")
                    return None
            flags.append(f)
        srcs = [s.raw for s in cmd.sources if s.kind == "context"]
        if len(srcs) < len(cmd.sources):
            notes.append(f"line {ins.start}: dropped URL, git or heredoc sources")
        if not srcs:
            return None
        dest = ins.args[-1] if ins.args else "."
        return " ".join([ins.cmd.upper(), *flags, json.dumps([*srcs, dest])])
    if cmd.cmd in ("user", "shell", "onbuild"):
        notes.append(f"line {cmd.start}: dropped {cmd.cmd.upper()}")
        return None
    if cmd.cmd == "healthcheck":
        return None
    return cmd.original


def ensure_base(env: dict[str, str]) -> None:
    if subprocess.run([DOCKER, "image", "inspect", BASE], env=env, capture_output=True).returncode == 0:
        return
    import importlib.util

    spec = importlib.util.spec_from_file_location("layers_record", REPO / "tests" / "layers" / "record.py")
    assert spec is not None and spec.loader is not None
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    with tempfile.TemporaryDirectory() as work:
        layers.build_base(env, Path(work))


def build(
    ctx: Path, dockerfile: Path, target: str | None, build_args: dict[str, str], env: dict[str, str]
) -> dict[str, Any]:
    """A BuildKit build exported to a directory: ok, error, the image's files {path: size}."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [DOCKER, "build", "--network=none", "--progress=plain", "-f", str(dockerfile)]
        cmd += [f"--build-arg={k}={v}" for k, v in build_args.items()]
        if target:
            cmd += ["--target", target]
        cmd += ["-o", f"type=local,dest={out}", str(ctx)]
        start = time.monotonic()
        proc = subprocess.run(cmd, env={**env, "DOCKER_BUILDKIT": "1"}, capture_output=True, text=True)
        took = time.monotonic() - start
        if proc.returncode != 0:
            log = (proc.stdout + proc.stderr).strip().splitlines()
            errors = [line for line in log if "ERROR" in line or "error" in line][-3:]
            return {"ok": False, "error": " | ".join(errors or log[-2:])[:600], "seconds": round(took, 1)}
        files = {}
        for dirpath, dirnames, filenames in os.walk(out):
            for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                full = os.path.join(dirpath, n)
                rel = "/" + os.path.relpath(full, out)
                if rel != "/bin/sh":  # the stand-in base
                    files[rel] = os.lstat(full).st_size
        return {"ok": True, "files": files, "seconds": round(took, 1)}


def ctxaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ctxaudit", *args], capture_output=True, text=True, cwd=REPO)


def run_one(
    checkout: Path,
    dockerfile: Path,
    target: str | None,
    build_args: dict[str, str],
    env: dict[str, str],
    work: Path,
    with_git: bool = False,
) -> dict[str, Any]:
    text = dockerfile.read_text(encoding="utf-8", errors="surrogateescape")
    notes: list[str] = []
    offline, listings = rewrite(text, build_args, target, notes)
    result: dict[str, Any] = {"notes": notes, "listings": listings}
    inside = dockerfile.resolve().is_relative_to(checkout.resolve())
    rel_df = dockerfile.resolve().relative_to(checkout.resolve()) if inside else None
    source = checkout
    if with_git:  # a developer's checkout: the repository's history beside the files
        source = work / "checkout"
        shutil.copytree(checkout, source, symlinks=True)
        git = ["git", "-C", str(source), "-c", "user.name=ctxaudit", "-c", "user.email=ctxaudit@example.invalid"]
        git += ["-c", "gc.auto=0"]  # no packing in the background while the copies are made
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "checkout"], ["gc", "-q"]):
            subprocess.run([*git, *args], check=True, capture_output=True)
    ignores = [p for p in (source / ".dockerignore", Path(str(dockerfile) + ".dockerignore")) if p.exists()]
    variants = ("before", "suggest", "bare", "init") if ignores else ("before", "suggest", "init")
    for variant in variants:
        ctx = work / variant
        shutil.copytree(source, ctx, symlinks=True)
        df_here = ctx / rel_df if rel_df is not None else dockerfile
        r: dict[str, Any] = {}
        if variant in ("bare", "init"):  # the starter is for a project without an ignore file
            for own in (ctx / ".dockerignore", Path(str(df_here) + ".dockerignore")):
                own.unlink(missing_ok=True)
        if variant in ("suggest", "init"):
            args = [variant, str(ctx), "-f", str(df_here)]
            args += ["--write"] if variant == "suggest" else ["--force"]
            if variant == "suggest":
                args += [f"--build-arg={k}={v}" for k, v in build_args.items()]
                args += ["--target", target] if target else []
            proc = ctxaudit(*args)
            r["report"] = proc.stdout
            if proc.returncode != 0:
                r["ctxaudit_error"] = (proc.stderr or proc.stdout).strip()[-600:]
                result[variant] = r
                shutil.rmtree(ctx)
                continue
            r["lines"] = _block(ctx, df_here, variant)
        offline_df = work / f"{variant}.Dockerfile"
        offline_df.write_text(offline, encoding="utf-8", errors="surrogateescape")
        own = Path(str(df_here) + ".dockerignore")
        if own.exists():  # BuildKit reads the ignore file named after the Dockerfile
            shutil.copyfile(own, str(offline_df) + ".dockerignore")
        r["builds"] = {label: build(ctx, offline_df, stage, build_args, env) for label, stage in listings}
        r["ok"] = all(b["ok"] for b in r["builds"].values())
        result[variant] = r
        shutil.rmtree(ctx)
    reads = junk.build_reads(build_model(text, build_args), checkout)
    result["bare"] = result.get("bare", result["before"])
    for variant, base in (("suggest", "before"), ("init", "bare")):
        r = result[variant]
        if "builds" not in r or not result[base].get("ok"):
            continue
        before = result[base]["builds"]
        r["left"] = {}
        r["appeared"] = {}
        for label, _ in listings:
            was, now = before[label].get("files"), r["builds"][label].get("files")
            if was is None or now is None:
                continue
            r["left"][label] = [[p, was[p], _junk(p, reads)] for p in sorted(was) if p not in now]
            r["appeared"][label] = sorted(p for p in now if p not in was)
    return result


def _block(ctx: Path, df: Path, variant: str) -> list[str]:
    """The pattern lines ctxaudit wrote: suggest's block (after its comment line), or init's file."""
    for candidate in (Path(str(df) + ".dockerignore"), ctx / ".dockerignore"):
        if candidate.exists():
            text = candidate.read_text(errors="surrogateescape").splitlines()
            if variant == "init":
                return [ln for ln in text if ln and not ln.startswith("#")]
            marks = [i for i, ln in enumerate(text) if ln.startswith("# Added by ctxaudit suggest")]
            return [ln for ln in text[marks[-1] + 1 :] if ln] if marks else []
    return []


def _junk(image_path: str, reads: junk.BuildReads) -> bool:
    """Whether any component of the path is unmistakable junk (the image path, as COPY put it)."""
    parts = image_path.strip("/").split("/")
    return any(junk.junk_dir(p, reads, False) for p in parts[:-1]) or junk.junk_file(parts[-1])


def _grouped(left: list[list[Any]]) -> list[tuple[str, list[list[Any]]]]:
    """Lost files by their first directory whose name is junk (or the file itself)."""
    groups: dict[str, list[list[Any]]] = {}
    for row in left:
        parts = row[0].split("/")
        key = row[0]
        for i, part in enumerate(parts[:-1]):
            if part in (".git", "node_modules", "__pycache__", ".venv", "venv", ".idea", ".vscode", "logs"):
                key = "/".join(parts[: i + 1]) + "/"
                break
        groups.setdefault(key, []).append(row)
    return sorted(groups.items(), key=lambda kv: -sum(x[1] for x in kv[1]))


def report(name: str, commit: str, r: dict[str, Any]) -> str:
    out = [f"== {name} @ {commit}"]
    out += [f"  note: {n}" for n in r["notes"]]
    b = r["before"]
    if not b.get("ok"):
        failed = {k: v.get("error") for k, v in b["builds"].items() if not v["ok"]}
        return "\n".join([*out, f"  the project does not build offline as it is: {failed}"])
    for label, _ in r["listings"]:
        files = b["builds"][label]["files"]
        out.append(f"  before: {label}: {len(files)} files ({sum(files.values()):,} bytes)")
    if r["bare"] is not r["before"]:
        out.append("  init is measured against the project without its own ignore file (the starter replaces it)")
    for variant in ("suggest", "init"):
        s = r[variant]
        head = f"  after {'suggest --write' if variant == 'suggest' else 'init'}"
        if "ctxaudit_error" in s:
            out.append(f"{head}: ctxaudit failed: {s['ctxaudit_error']}")
            continue
        head += f": {len(s['lines'])} line(s)"
        if not s["ok"]:
            failed = {k: v.get("error") for k, v in s["builds"].items() if not v["ok"]}
            out.append(f"{head}; THE BUILD FAILS: {failed}")
            continue
        out.append(f"{head}; every stage builds")
        for label, left in s["left"].items():
            if not left and not s["appeared"][label]:
                continue
            junk_left = sum(1 for x in left if x[2])
            out.append(
                f"    {label}: {len(left)} file(s), {sum(x[1] for x in left):,} bytes left"
                f" ({junk_left} unmistakable junk)"
            )
            for group, rows in _grouped(left)[:12]:
                size = sum(x[1] for x in rows)
                flag = "" if all(x[2] for x in rows) else "  NOT JUNK"
                out.append(f"      - {group} ({len(rows)} file(s), {size:,} B){flag}")
            out += [f"      + {p} (appeared)" for p in s["appeared"][label][:10]]
    return "\n".join(out)


def table(jsonl: Path, stacks: dict[str, str]) -> str:
    """The README's table from ``--json`` lines: per project, what each command
    wrote and which files left the stages and mounts that take from the context."""
    head = [
        "| project | stack | commit | suggest --write: lines | left | init: lines | left | builds after |",
        "| --- | --- | --- | ---: | --- | ---: | --- | --- |",
    ]
    rows = []
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        cells = []
        builds = []
        for variant in ("suggest", "init"):
            v = r.get(variant, {})
            left = v.get("left", {})
            # the stage (or mount) that lost the most; each lists the same context files under its own prefix
            worst: list[list[Any]] = max(left.values(), key=lambda rows_: sum(x[1] for x in rows_), default=[])
            not_junk = sum(1 for rows_ in left.values() for x in rows_ if not x[2])
            size = sum(x[1] for x in worst)
            groups = sorted({_short(x[0]) for x in worst})
            what = f"{len(worst):,} file{'' if len(worst) == 1 else 's'}, {size:,} B" if worst else "nothing"
            if worst:
                what += f" ({', '.join(groups[:3])}{', ...' if len(groups) > 3 else ''}"
                what += "; all unmistakable junk)" if not not_junk else f"; {not_junk} NOT junk)"
            cells += [str(len(v.get("lines", []))), what]
            builds.append("yes" if v.get("ok") else "NO")
        name = r["name"]
        stack = stacks.get(name, "")
        rows.append(f"| {name} | {stack} | `{r['commit'][:12]}` | " + " | ".join(cells) + f" | {' / '.join(builds)} |")
    return "\n".join(head + rows) + "\n"


def _short(path: str) -> str:
    """A lost path as the README lists it: its junk directory (`.git/`), else the path."""
    parts = path.strip("/").split("/")
    for part in parts:
        if part in (".git", "node_modules", "__pycache__", ".venv", ".vscode", ".idea"):
            return "`" + part + "/`"
    return "`" + parts[-1] + "`"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkout", type=Path, nargs="?", help="the build context (a checkout of the project)")
    ap.add_argument("-f", "--file", type=Path, help="the Dockerfile (default CHECKOUT/Dockerfile)")
    ap.add_argument("--target")
    ap.add_argument("--build-arg", action="append", default=[], metavar="K=V")
    ap.add_argument("--name", help="the project's name in the report")
    ap.add_argument("--commit", default="", help="the checkout's commit (read with git when it is a repository)")
    ap.add_argument("--json", type=Path, help="append the result as one JSON line to this file")
    ap.add_argument("--print", dest="print_only", action="store_true", help="print the offline Dockerfile and stop")
    ap.add_argument("--with-git", action="store_true", help="git init and commit the copy first")
    ap.add_argument("--table", type=Path, metavar="JSONL", help="print the README table of --json lines and stop")
    ap.add_argument("--stack", action="append", default=[], metavar="NAME=STACK", help="with --table")
    a = ap.parse_args()
    if a.table:
        sys.stdout.write(table(a.table, dict(kv.partition("=")[::2] for kv in a.stack)))
        return 0
    checkout = a.checkout.resolve()
    dockerfile = (a.file or checkout / "Dockerfile").resolve()
    build_args = dict(kv.partition("=")[::2] for kv in a.build_arg)
    if a.print_only:
        notes: list[str] = []
        text, listings = rewrite(dockerfile.read_text(errors="surrogateescape"), build_args, a.target, notes)
        sys.stdout.write(text)
        for label, stage in listings:
            print(f"lists: {label} (--target {stage})", file=sys.stderr)
        for n in notes:
            print("note:", n, file=sys.stderr)
        return 0
    commit = a.commit
    if not commit:
        git = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True)
        commit = git.stdout.strip() if git.returncode == 0 else "unknown"
    env = dict(os.environ)
    env.setdefault("DOCKER_HOST", "unix:///tmp/ctxaudit-dockerd/docker.sock")
    ensure_base(env)
    name = a.name or checkout.name
    with tempfile.TemporaryDirectory(prefix="ctxaudit-realbuild-") as work:
        r = run_one(checkout, dockerfile, a.target, build_args, env, Path(work), a.with_git)
    print(report(name, commit, r))
    if a.json:
        row = {"name": name, "commit": commit, "dockerfile": str(dockerfile), "target": a.target, **r}
        row["with_git"] = a.with_git
        for variant in ("before", "suggest", "bare", "init"):
            if variant == "bare" and r["bare"] is r["before"]:
                row["bare"] = "before"
                continue
            row[variant].pop("report", None)
            for b in row[variant].get("builds", {}).values():
                b["files"] = len(b.get("files", {}))
        with open(a.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0 if r["before"].get("ok") and all(r[v].get("ok") for v in ("suggest", "init")) else 1


if __name__ == "__main__":
    sys.exit(main())
