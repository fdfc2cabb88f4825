"""Compose files read into builds, as ``docker compose`` resolves them.

Follows compose-spec/compose-go v2 (``cli/options.go``, ``loader/``,
``override/``, ``paths/``; v2.9.1 is the version inside Docker Compose
v2.40.3, whose ``docker compose config --format json`` the tests compare
with):

* discovery: the first of ``compose.yaml``, ``compose.yml``,
  ``docker-compose.yml``, ``docker-compose.yaml`` in the directory, then the
  first of ``compose.override.yml``, ``compose.override.yaml``,
  ``docker-compose.override.yml``, ``docker-compose.override.yaml`` beside
  it; explicit files replace discovery and the override;
* the project directory is the first file's directory; ``<project>/.env``
  adds variables the environment does not set;
* per file and document: interpolation of values (never keys), ``extends``
  (another file's paths stay relative to that file), ``include`` (its own
  directory and ``.env``), short forms made long (``build: ./dir``, list
  ``args``), then merged over the files before (mappings by key, scalars
  last wins, ``!reset`` removes, ``!override`` replaces);
* ``build.context`` and local ``additional_contexts`` are resolved against
  the project directory (git/HTTP URLs, ``docker-image://``, ``service:``
  untouched); ``build.dockerfile`` stays relative to the context;
* ``args`` without a value take the variable from the environment or are
  dropped;
* profiles (compose-go ``types/project.go`` HasProfile, WithProfiles;
  ``loader/validate.go``): with none asked for, every service with
  ``build:`` is a build (the audit covers every build, where Compose would
  build only the services without ``profiles``); with some, a service is
  enabled when it has no ``profiles`` or one of them is active (``*``: all),
  and an enabled service that ``depends_on`` a disabled one (unless
  ``required: false``) fails as in Compose.

Which files, variables and profiles Compose starts from (``COMPOSE_FILE``,
``--env-file``, ``--project-directory``...) is :mod:`.composeenv`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..common.display import count
from ..common.errors import InputError
from . import dotenv
from .composeenv import discover as discover
from .interp import InterpolationError, substitute
from .model import Build, Project, absolute, is_remote, named_context
from .yamlload import RESET, Override, Pos, Timestamp, YamlError, YMap, go_string, load_all

_TRUE = ("1", "t", "T", "true", "TRUE", "True")


def environment(project_dir: Path, environ: Mapping[str, str], env_file: Path | None = None) -> dict[str, str]:
    """The interpolation environment: ``environ``, then the project's ``.env``
    for what it does not set (compose-go WithOsEnv + WithDotEnv)."""
    env = dict(environ)
    if env.get("COMPOSE_DISABLE_ENV_FILE", "") in _TRUE:
        return env
    path = env_file or project_dir / ".env"
    if not path.is_file():
        return env
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    try:
        values = dotenv.parse(text, env, str(path))
    except dotenv.DotenvError as exc:
        raise InputError(str(exc)) from None
    for k, v in values.items():
        env.setdefault(k, v)
    return env


def load(
    files: list[Path],
    environ: Mapping[str, str] | None = None,
    project_dir: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    profiles: list[str] | None = None,
    profiles_from: str = "--profile",
) -> Project:
    """The builds of the Compose project made of ``files`` (merged in order).

    ``env``: the interpolation variables as :func:`.composeenv.setup` made
    them (else ``environ`` and the project's ``.env``). ``profiles``: the
    active profiles (None: every build); the builds of disabled services go
    to ``Project.left_out`` and a note names every disabled service.

    Raises InputError for a missing or unreadable file, invalid YAML, a
    failed interpolation (``${VAR:?message}``), a bad ``extends`` or
    ``include``, naming the file and line; for an enabled service that
    depends on one the profiles disable.
    """
    if not files:
        raise InputError("no Compose file")
    files = [Path(os.path.abspath(f)) for f in files]
    pdir = Path(os.path.abspath(project_dir)) if project_dir else files[0].parent
    if env is None:
        env = environment(pdir, os.environ if environ is None else environ)
    loader = _Loader(env)
    model = YMap()
    for f in files:
        for doc in loader.documents(f):
            _merge_into(model, loader.prepare(doc, f, pdir))
    services = model.get("services")
    builds: list[Build] = []
    left_out: list[Build] = []
    notes: list[str] = []
    no_build: list[str] = []
    disabled: dict[str, list[str]] = {}
    if isinstance(services, YMap):
        if profiles is not None:
            disabled = _disabled(services, profiles)
        for name, svc in services.items():
            if not isinstance(svc, YMap) or not isinstance(svc.get("build"), YMap):
                if name not in disabled:
                    no_build.append(name)
                continue
            (left_out if name in disabled else builds).append(_build(name, svc, services.at(name), env, pdir))
    if no_build:
        notes.append(f"{count(len(no_build), 'service')} without build: {', '.join(no_build)} (images, not audited)")
    if disabled:
        which = ", ".join(f"{n} (profiles: {', '.join(p)})" for n, p in disabled.items())
        active = ", ".join(profiles or [])
        notes.append(f"profiles {active} active ({profiles_from}): {count(len(disabled), 'service')} left out: {which}")
    return Project("compose", pdir, files, builds, notes, left_out)


def _profiles(svc: Any, name: str) -> list[str]:
    value = svc.get("profiles") if isinstance(svc, YMap) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{svc.at('profiles')}: services.{name}.profiles must be a list")
    return [go_string(p) for p in value]


def _disabled(services: YMap, active: list[str]) -> dict[str, list[str]]:
    """The services the ``active`` profiles disable, with their profiles.

    compose-go HasProfile: no ``profiles``, ``*`` active, or a shared name
    enables a service. Raises InputError, in Compose's words, when an
    enabled service depends on a disabled one (loader/validate.go; a
    ``depends_on`` entry with ``required: false`` is skipped).
    """
    out: dict[str, list[str]] = {}
    for name, svc in services.items():
        mine = _profiles(svc, name)
        if mine and "*" not in active and not set(mine) & set(active):
            out[name] = mine
    for name, svc in services.items():
        if name in out or not isinstance(svc, YMap):
            continue
        deps = svc.get("depends_on")
        entries: list[tuple[str, Any]] = []
        if isinstance(deps, list):
            entries = [(go_string(d), None) for d in deps]
        elif isinstance(deps, YMap):
            entries = list(deps.items())
        for dep, cfg in entries:
            if dep not in out:
                continue
            if isinstance(cfg, YMap) and cfg.get("required") is False:
                continue
            raise InputError(
                f"{svc.at('depends_on')}: service {name!r} depends on service {dep!r}, which profile "
                f"{', '.join(active)} leaves out (its profiles: {', '.join(out[dep])}); Compose fails: "
                f'service "{name}" depends on undefined service "{dep}"'
            )
    return out


def resolved_model(project: Project) -> dict[str, Any]:
    """The builds in the shape of ``docker compose config --format json``'s
    ``services.*.build`` (for comparing with the real binary)."""
    out: dict[str, Any] = {}
    for b in project.builds:
        d: dict[str, Any] = {"context": b.remote if b.context is None else str(b.context)}
        if b.dockerfile_inline is not None:
            d["dockerfile_inline"] = b.dockerfile_inline
        else:
            d["dockerfile"] = b.raw_dockerfile
        if b.args:
            d["args"] = dict(b.args)
        if b.target is not None:
            d["target"] = b.target
        if b.named:
            d["additional_contexts"] = {n.name: str(n.path) if n.path else n.value for n in b.named}
        out[b.name] = {"build": d}
    return out


# -- loading ----------------------------------------------------------------


class _Loader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.cache: dict[Path, list[Any]] = {}

    def documents(self, path: Path) -> list[YMap]:
        if path not in self.cache:
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise InputError(f"Compose file not found: {path}") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"cannot read {path}: {exc}") from None
            try:
                docs = load_all(text, str(path))
            except YamlError as exc:
                raise InputError(str(exc)) from None
            for d in docs:
                if not isinstance(d, YMap):
                    raise InputError(f"{path}: top-level object must be a mapping")
            self.cache[path] = docs
        return self.cache[path]

    def prepare(self, doc: YMap, path: Path, base: Path, env: Mapping[str, str] | None = None) -> YMap:
        """One document interpolated, extended, included, in long form, with paths resolved against ``base``."""
        env = self.env if env is None else env
        doc = _interpolate(doc, env, "")
        services = doc.get("services")
        if services is not None and not isinstance(services, YMap):
            raise InputError(f"{doc.at('services')}: services must be a mapping")
        if isinstance(services, YMap):
            done: dict[str, YMap] = {}
            for name in list(services):
                services[name] = self._extended(name, services, path, base, done, ())
            for svc in services.values():
                if isinstance(svc, YMap):
                    _resolve_paths(svc, base)
        includes = doc.pop("include", None)
        if includes is not None:
            self._include(doc, includes, path, base, env)
        return doc

    def _extended(
        self, name: str, services: YMap, path: Path, base: Path, done: dict[str, YMap], seen: tuple[str, ...]
    ) -> Any:
        svc = services.get(name)
        if name in done:
            return done[name]
        if not isinstance(svc, YMap):
            return svc
        svc = _canonical(svc)
        ext = svc.pop("extends", None)
        if ext is None:
            done[name] = svc
            return svc
        where = svc.at("extends")
        ref, other = (ext, None) if isinstance(ext, str) else (ext.get("service"), ext.get("file"))
        if not isinstance(ref, str):
            raise InputError(f"{where}: extends needs a service name")
        if name in seen or (other is None and ref in seen):
            raise InputError(f"{where}: circular extends: {' -> '.join((*seen, name, ref))}")
        if other is None:
            if ref not in services:
                raise InputError(f"{where}: cannot extend service {ref!r}: not defined")
            parent = self._extended(ref, services, path, base, done, (*seen, name))
        else:
            if not isinstance(other, str):
                raise InputError(f"{where}: extends.file must be a path")
            fpath = absolute(other, path.parent)
            docs = self.documents(fpath)
            pool = YMap()
            for d in docs:
                _merge_into(pool, _interpolate(d, self.env, ""))
            psvcs = pool.get("services")
            if not isinstance(psvcs, YMap) or ref not in psvcs:
                raise InputError(f"{where}: cannot extend service {ref!r}: not in {fpath}")
            # Paths in the other file stay relative to it (loader/extends.go).
            parent = self._extended(ref, psvcs, fpath, fpath.parent, {}, (*seen, name))
            if isinstance(parent, YMap):
                parent = _copy(parent)
                _resolve_paths(parent, fpath.parent)
        merged = _copy(parent) if isinstance(parent, YMap) else YMap(svc.pos)
        _merge_into(merged, svc)
        done[name] = merged
        return merged

    def _include(self, doc: YMap, includes: Any, path: Path, base: Path, env: Mapping[str, str]) -> None:
        if not isinstance(includes, list):
            raise InputError(f"{doc.pos}: include must be a list")
        services = doc.setdefault("services", YMap(doc.pos))
        for item in includes:
            spec = YMap(doc.pos)
            if isinstance(item, str):
                spec["path"] = item
            elif isinstance(item, YMap):
                spec = item
            else:
                raise InputError(f"{doc.pos}: include entries are paths or mappings")
            raw_paths = spec.get("path")
            paths = raw_paths if isinstance(raw_paths, list) else [raw_paths]
            if not paths or not all(isinstance(p, str) for p in paths):
                raise InputError(f"{spec.pos}: include needs a path")
            files = [absolute(str(p), base) for p in paths]
            pd = spec.get("project_directory")
            idir = absolute(pd, base) if isinstance(pd, str) else files[0].parent
            ef = spec.get("env_file")
            env_file = absolute(ef, base) if isinstance(ef, str) else None
            # The included project's own .env, under the including environment (loader/include.go).
            inc_env = dict(environment(idir, {}, env_file))
            inc_env.update(env)
            inc = YMap()
            for f in files:
                for d in self.documents(f):
                    _merge_into(inc, self.prepare(d, f, idir, inc_env))
            isvcs = inc.get("services")
            if isinstance(isvcs, YMap):
                for n, s in isvcs.items():
                    if n in services:
                        raise InputError(f"{spec.pos}: services.{n} conflicts with imported resource")
                    services[n] = s
                    services.key_pos[n] = isvcs.at(n) or spec.pos or Pos(str(f), 0)


def _interpolate(value: Any, env: Mapping[str, str], where: str, pos: Pos | None = None) -> Any:
    """Every string value interpolated (keys never are); errors name the line and the key path."""
    if isinstance(value, str):
        try:
            return substitute(value, env.get)
        except InterpolationError as exc:
            at = f"{pos}: " if pos is not None else ""
            raise InputError(f"{at}error while interpolating {where}: {exc}") from None
    if isinstance(value, YMap):
        out = YMap(value.pos)
        out.key_pos = dict(value.key_pos)
        for k, v in value.items():
            out[k] = _interpolate(v, env, f"{where}.{k}" if where else k, value.at(k))
        return out
    if isinstance(value, list):
        return [_interpolate(v, env, f"{where}[{i}]", pos) for i, v in enumerate(value)]
    if isinstance(value, Override):
        return Override(_interpolate(value.value, env, where, pos))
    return value


def _copy(m: YMap) -> YMap:
    out = YMap(m.pos)
    out.key_pos = dict(m.key_pos)
    for k, v in m.items():
        out[k] = _copy(v) if isinstance(v, YMap) else v
    return out


def _merge_into(base: YMap, over: YMap) -> None:
    """compose-go override.Merge for what builds use: mappings by key,
    everything else replaced; ``!reset`` deletes, ``!override`` replaces."""
    if base.pos is None:
        base.pos = over.pos
    for k, v in over.items():
        pos = over.key_pos.get(k)
        if v is RESET:
            base.pop(k, None)
            base.key_pos.pop(k, None)
            continue
        if isinstance(v, Override):
            v = _strip(v.value)
        elif isinstance(v, YMap) and isinstance(base.get(k), YMap):
            _merge_into(base[k], v)  # a merged mapping keeps the line of its first declaration
            if pos is not None:
                base.key_pos.setdefault(k, pos)
            continue
        else:
            v = _strip(v)
        base[k] = v
        if pos is not None:
            base.key_pos[k] = pos


def _strip(v: Any) -> Any:
    """A value with the ``!reset``/``!override`` tags inside it applied to nothing."""
    if isinstance(v, YMap):
        out = YMap(v.pos)
        _merge_into(out, v)
        return out
    if isinstance(v, Override):
        return _strip(v.value)
    return v


def _canonical(svc: YMap) -> YMap:
    """Short forms made long (compose-go transform/): ``build: DIR`` and list ``args``/``additional_contexts``."""
    build = svc.get("build")
    if isinstance(build, str):
        long = YMap(svc.at("build"))
        long["context"] = build
        long.key_pos["context"] = svc.at("build") or Pos("", 0)
        svc["build"] = long
    elif isinstance(build, YMap):
        for key in ("args", "additional_contexts"):
            if isinstance(build.get(key), list):
                build[key] = _list_to_map(build[key], build.at(key))
    return svc


def _list_to_map(items: list[Any], pos: Pos | None) -> YMap:
    out = YMap(pos)
    for item in items:
        text = go_string(item)
        k, eq, v = text.partition("=")
        out[k] = v if eq else None
        if pos is not None:
            out.key_pos[k] = pos
    return out


def _resolve_paths(svc: YMap, base: Path) -> None:
    """paths.ResolveRelativePaths for builds: context and local additional contexts."""
    build = svc.get("build")
    if not isinstance(build, YMap):
        return
    ctx = build.get("context")
    if isinstance(ctx, str) and not _remote_context(ctx):
        build["context"] = str(absolute(ctx, base))
    extra = build.get("additional_contexts")
    if isinstance(extra, YMap):
        for k, v in extra.items():
            if isinstance(v, str) and not _remote_context(v):
                extra[k] = str(absolute(v, base))


def _remote_context(value: str) -> bool:
    """compose-go paths/context.go: URLs, ``service:``, anything with ``://``."""
    return "://" in value or value.startswith("service:") or is_remote(value)


def _build(name: str, svc: YMap, declared: Pos | None, env: Mapping[str, str], pdir: Path) -> Build:
    spec = svc["build"]
    assert isinstance(spec, YMap)
    where = f"services.{name}.build"
    ctx_value = spec.get("context", ".")
    if ctx_value is None:
        ctx_value = "."
    ctx_value = go_string(ctx_value)
    context_at = spec.key_pos.get("context") or svc.at("build")
    b = Build(name, "compose", None, declared=svc.at("build") or declared, context_at=context_at)
    if _remote_context(ctx_value):
        b.remote = ctx_value
    else:
        b.context = absolute(ctx_value, pdir)
    inline = spec.get("dockerfile_inline")
    if inline is not None:
        b.dockerfile_inline = go_string(inline)
    else:
        df = spec.get("dockerfile")
        df_text = "Dockerfile" if df is None or df == "" else go_string(df)
        b.raw_dockerfile = df_text
        if b.context is not None:
            b.dockerfile = Path(os.path.normpath(os.path.join(b.context, df_text)))
    target = spec.get("target")
    if target is not None:
        b.target = go_string(target)
    args = spec.get("args")
    if isinstance(args, YMap):
        for k, v in args.items():
            if isinstance(v, Timestamp):
                raise InputError(f"{args.at(k)}: {where}.args.{k} invalid jsonType time.Time")
            if v is None:
                if k in env:
                    b.args[k] = env[k]
                continue
            b.args[k] = go_string(v)
    elif args is not None:
        raise InputError(f"{spec.at('args')}: {where}.args must be a mapping or a list")
    extra = spec.get("additional_contexts")
    if isinstance(extra, YMap):
        for k, v in extra.items():
            b.named.append(named_context(k, go_string(v), pdir, extra.at(k)))
    return b
