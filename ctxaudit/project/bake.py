"""Bake files read into builds, as ``docker buildx bake`` resolves them.

Follows docker/buildx ``bake/bake.go`` and ``bake/hclparser`` (docs:
docs.docker.com/build/bake/reference/):

* files: without ``--bake``, every one of ``compose.yaml``, ``compose.yml``,
  ``docker-compose.yml``, ``docker-compose.yaml``, ``docker-bake.json``,
  ``docker-bake.hcl``, ``docker-bake.override.json``,
  ``docker-bake.override.hcl`` found in the directory, merged in that order
  (buildx 0.20 and later); Compose files become one target per service with
  ``build:``;
* blocks: ``variable`` (default, overridden by the environment variable of
  the same name, converted to the default's type), top-level attributes,
  ``group`` (``targets``, nested groups; a group wins over a target of the
  same name), ``target`` (same-named targets of several files merged,
  ``inherits`` merged parents first; ``args``, ``contexts`` and ``labels``
  merged by key, other attributes last wins);
* no target named: ``default`` (the group, else the target);
* paths: ``context`` (default ``.``) and local ``contexts`` are relative to
  the directory bake runs in (to the file that sets them with
  ``BUILDX_BAKE_FILE_RELATIVE_PATHS=1``, buildx 0.36); ``dockerfile``
  (default ``Dockerfile``) is relative to a local context;
  ``dockerfile-inline`` wins over ``dockerfile``.

Expressions are evaluated as far as literals, variables and ``${...}``
templates of them go. Function calls, conditionals, ``for``, ``matrix`` and
references to other blocks are not evaluated: the attribute is reported as
unresolved, never guessed. HCL needs the optional ``python-hcl2`` package
(``pip install 'ctxaudit[hcl]'``); JSON bake files need nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..common.errors import InputError
from . import compose
from .files import BAKE_FILES, COMPOSE_FILES
from .model import Build, Project, is_remote, named_context
from .yamlload import Pos

DEFAULT_FILES = COMPOSE_FILES + BAKE_FILES
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
_MERGED = ("args", "contexts", "labels")
BUILTINS = {"BAKE_CMD_CONTEXT": "cwd://", "BAKE_LOCAL_PLATFORM": "linux/amd64"}


def discover(directory: Path) -> list[Path]:
    """The files ``docker buildx bake`` reads in ``directory``, when a Bake file
    is among them ([] otherwise: a Compose-only directory is a Compose project)."""
    found = [directory / n for n in DEFAULT_FILES if (directory / n).is_file()]
    return found if any(f.name in BAKE_FILES for f in found) else []


class Unresolved(str):
    """An expression ctxaudit does not evaluate, kept as written."""


@dataclass
class _Target:
    name: str
    attrs: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)  # attribute -> the file that set it
    declared: Pos | None = None


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _hcl_unescape(s: str) -> str:
    out: list[str] = []
    i = 0
    simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = s[i + 2 : i + 2 + width]
                if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
        out.append(ch)
        i += 1
    return "".join(out)


def _heredoc(text: str) -> str | None:
    """The text of ``<<EOT`` / ``<<-EOT`` heredoc source (python-hcl2 keeps it raw)."""
    m = re.match(r"^<<(-?)([A-Za-z_][A-Za-z0-9_]*)\n(.*?)(?:^|\n)[ \t]*\2[ \t]*$", text, re.S)
    if not m:
        return None
    body = m.group(3)
    lines = body.split("\n")
    if m.group(1):  # <<-: remove the smallest indentation
        indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
        cut = min(indents) if indents else 0
        lines = [ln[cut:] for ln in lines]
    return "\n".join(lines) + "\n"


class _Evaluator:
    def __init__(self, variables: dict[str, dict[str, Any]], attributes: dict[str, Any], env: Mapping[str, str]):
        self.variables = variables
        self.attributes = attributes
        self.env = env
        self.cache: dict[str, Any] = dict(BUILTINS)
        self.active: set[str] = set()

    def var(self, name: str) -> Any:
        if name in self.cache:
            return self.cache[name]
        if name in self.active:
            return Unresolved(name)
        self.active.add(name)
        try:
            if name in self.variables:
                value = self._variable(name, self.variables[name])
            elif name in self.attributes:
                value = self.value(self.attributes[name])
            else:
                return Unresolved(name)  # buildx: "Unknown variable"
        finally:
            self.active.discard(name)
        self.cache[name] = value
        return value

    def _variable(self, name: str, spec: dict[str, Any]) -> Any:
        default = self.value(spec.get("default"))
        lookup = self.env.get("BUILDX_BAKE_DISABLE_VARS_ENV_LOOKUP", "") not in _TRUE
        if not lookup or name not in self.env:
            return "" if default is None and "type" not in spec else default
        raw = self.env[name]
        kind = spec.get("type")
        kind = kind if isinstance(kind, str) else None
        if isinstance(default, bool) or kind == "bool":
            if raw in _TRUE:
                return True
            if raw in _FALSE:
                return False
            raise InputError(f"variable {name}: {raw!r} from the environment is not a bool")
        if (isinstance(default, int | float) and not isinstance(default, bool)) or kind == "number":
            try:
                return int(raw) if re.fullmatch(r"-?[0-9]+", raw) else float(raw)
            except ValueError:
                raise InputError(f"variable {name}: {raw!r} from the environment is not a number") from None
        if isinstance(default, list | dict) or (kind and kind != "string"):
            return Unresolved(f"${{{name}}}")  # CSV / NAME_JSON forms: not modelled
        return raw

    def expr(self, text: str) -> Any:
        e = text.strip()
        if e in ("true", "false"):
            return e == "true"
        if e == "null":
            return None
        if _NUMBER.match(e):
            return float(e) if any(c in e for c in ".eE") else int(e)
        if _IDENT.match(e):
            return self.var(e)
        return Unresolved("${" + e + "}")

    def template(self, body: str) -> Any:
        doc = _heredoc(body)
        body = doc if doc is not None else _hcl_unescape(body)
        if "%{" in body.replace("%%{", ""):
            return Unresolved(body)  # template directives: not modelled
        whole = re.fullmatch(r"\$\{([^{}]*)\}", body)
        if whole:  # a lone interpolation keeps the value's type
            return self.expr(whole.group(1))
        unresolved = False

        def sub(m: re.Match[str]) -> str:
            nonlocal unresolved
            if m.group(1):
                return m.group(1)[1:]  # $${ -> ${
            v = self.expr(m.group(2))
            if isinstance(v, Unresolved | list | dict):
                unresolved = True
                return m.group(0)
            return string(v)

        out = re.sub(r"(\$\$\{|%%\{)|\$\{([^{}]*)\}", sub, body)
        # An interpolation with braces inside (an object, a nested template) is not modelled.
        if "${" in re.sub(r"\$\$\{|\$\{[^{}]*\}", "", body):
            unresolved = True
        return Unresolved(out) if unresolved else out

    def value(self, v: Any) -> Any:
        if isinstance(v, str):
            if len(v) >= 2 and v.startswith('"') and v.endswith('"'):
                return self.template(v[1:-1])
            if v.startswith("${") and v.endswith("}"):
                return self.expr(v[2:-1])
            return self.expr(v)
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            return {_unquote(k): self.value(x) for k, x in v.items() if not k.startswith("__")}
        return v


def string(v: Any) -> str:
    """A bake value as the string buildx passes (bools lower-case, numbers as cty prints them)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read(path: Path) -> dict[str, Any]:
    """A bake file as python-hcl2's model: blocks by kind, strings as HCL source."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"Bake file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if path.suffix == ".json" or (path.suffix != ".hcl" and text.lstrip().startswith("{")):
        return _from_json(text, path)
    try:
        import hcl2
        from hcl2.utils import SerializationOptions
    except ImportError:
        raise InputError(
            f"{path}: reading HCL needs the optional python-hcl2 package: pip install 'ctxaudit[hcl]' "
            "(or name a JSON bake file or a Compose file with --bake / --compose)"
        ) from None
    options = SerializationOptions(with_comments=False, explicit_blocks=True, preserve_heredocs=True)
    try:
        raw = hcl2.loads(text, serialization_options=options)
    except Exception as exc:  # lark raises several types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not HCL ctxaudit can read: {first}") from None
    out: dict[str, Any] = {"attributes": {}}
    for key, value in raw.items():
        if key in ("variable", "group", "target", "function"):
            out[key] = [{_unquote(k): v for k, v in blk.items()} for blk in value]
        elif not key.startswith("__"):
            out["attributes"][key] = value
    return out


def _from_json(text: str, path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a JSON bake file is an object")

    def quoted(x: Any) -> Any:  # JSON strings are HCL templates: make them look like HCL source
        if isinstance(x, str):
            return json.dumps(x, ensure_ascii=False)
        if isinstance(x, list):
            return [quoted(i) for i in x]
        if isinstance(x, dict):
            return {k: quoted(i) for k, i in x.items()}
        return x

    out: dict[str, Any] = {"attributes": {}}
    for key, value in raw.items():
        if key in ("variable", "group", "target", "function") and isinstance(value, dict):
            out[key] = [{k: quoted(v)} for k, v in value.items()]
        else:
            out["attributes"][key] = quoted(value)
    return out


def _line(path: Path, kind: str, name: str) -> Pos:
    """The line that declares a block: ``target "app" {`` (HCL) or ``"app":`` after ``"target"`` (JSON)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return Pos(str(path), 0)
    hcl = re.compile(rf'^\s*{kind}\s+"?{re.escape(name)}"?\s*\{{')
    for i, line in enumerate(lines, 1):
        if hcl.search(line):
            return Pos(str(path), i)
    seen_kind = False
    for i, line in enumerate(lines, 1):
        if f'"{kind}"' in line:
            seen_kind = True
        if seen_kind and re.search(rf'"{re.escape(name)}"\s*:', line):
            return Pos(str(path), i)
    return Pos(str(path), 0)


def load(
    files: list[Path],
    directory: Path,
    environ: Mapping[str, str] | None = None,
    targets: list[str] | None = None,
) -> Project:
    """The builds of the bake targets ``targets`` (default: ``default``).

    Raises InputError for an unreadable file, HCL without python-hcl2, an
    unknown target or group, an ``inherits`` cycle.
    """
    env = dict(os.environ if environ is None else environ)
    directory = Path(os.path.abspath(directory))
    files = [Path(os.path.abspath(f)) for f in files]
    variables: dict[str, dict[str, Any]] = {}
    attributes: dict[str, Any] = {}
    raw_targets: dict[str, _Target] = {}
    raw_groups: dict[str, list[Any]] = {}
    compose_builds: dict[str, Build] = {}
    compose_files = [f for f in files if f.suffix in (".yml", ".yaml")]
    if compose_files:
        # buildx merges the Compose files first, with contexts relative to the cwd.
        for b in compose.load(compose_files, env, directory).builds:
            compose_builds[b.name] = b
            raw_groups.setdefault("default", []).append(json.dumps(b.name))
    for f in files:
        if f in compose_files:
            continue
        d = _read(f)
        attributes.update(d.get("attributes", {}))
        for blk in d.get("variable", []):
            for k, v in blk.items():
                variables[k] = v if isinstance(v, dict) else {"default": v}
        for blk in d.get("group", []):
            for k, v in blk.items():
                members = raw_groups.setdefault(k, [])
                for x in (v or {}).get("targets", []) if isinstance(v, dict) else []:
                    if x not in members:
                        members.append(x)
        for blk in d.get("target", []):
            for k, v in blk.items():
                t = raw_targets.setdefault(k, _Target(k, declared=_line(f, "target", k)))
                if t.origin and any(a in (v or {}) for a in ("context", "dockerfile", "dockerfile-inline")):
                    t.declared = _line(f, "target", k)  # the block that sets what is built
                for a, val in (v or {}).items():
                    if a.startswith("__"):
                        continue
                    if a in _MERGED and isinstance(val, dict) and isinstance(t.attrs.get(a), dict):
                        t.attrs[a] = {**t.attrs[a], **val}
                    else:
                        t.attrs[a] = val
                    t.origin[a] = f
    ev = _Evaluator(variables, attributes, env)
    groups: dict[str, list[str]] = {}
    for k, members in raw_groups.items():
        names = [ev.value(m) for m in members]
        groups[k] = [n for n in names if isinstance(n, str) and not isinstance(n, Unresolved)]
    wanted = _expand(targets or ["default"], groups, raw_targets, compose_builds)
    relative = env.get("BUILDX_BAKE_FILE_RELATIVE_PATHS", "") in _TRUE
    builds: list[Build] = []
    notes: list[str] = []
    for name in wanted:
        if name in raw_targets:
            builds.append(_build(name, raw_targets, ev, directory, relative, compose_builds.get(name)))
        else:
            builds.append(compose_builds[name])
    return Project("bake", directory, files, builds, notes)


def _expand(
    names: list[str], groups: dict[str, list[str]], targets: dict[str, _Target], composed: dict[str, Build]
) -> list[str]:
    out: list[str] = []

    def visit(n: str, seen: tuple[str, ...]) -> None:
        if n in groups and n not in seen:  # groups win over same-named targets
            for m in groups[n]:
                visit(m, (*seen, n))
            return
        if n not in targets and n not in composed:
            raise InputError(f"failed to find target {n} (bake targets: {', '.join(sorted(targets)) or 'none'})")
        if n not in out:
            out.append(n)

    for n in names:
        visit(n, ())
    return out


def _attributes(
    name: str, targets: dict[str, _Target], ev: _Evaluator, seen: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, Path]]:
    if name in seen:
        raise InputError(f"inherits cycle: {' -> '.join((*seen, name))}")
    t = targets.get(name)
    if t is None:
        raise InputError(f"target {seen[-1] if seen else name} inherits from {name}, which does not exist")
    values: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    parents = ev.value(t.attrs.get("inherits", []))
    for p in parents if isinstance(parents, list) else []:
        if isinstance(p, Unresolved) or not isinstance(p, str):
            values.setdefault("__unresolved__", {})["inherits"] = str(p)
            continue
        pv, po = _attributes(p, targets, ev, (*seen, name))
        _merge(values, pv)
        origin.update(po)
    own: dict[str, Any] = {}
    for a, raw in t.attrs.items():
        if a in ("inherits",):
            continue
        if a == "matrix" or a == "name":
            own.setdefault("__unresolved__", {})[a] = "matrix targets are not evaluated"
            continue
        own[a] = ev.value(raw)
        origin[a] = t.origin[a]
    _merge(values, own)
    return values, origin


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if k in (*_MERGED, "__unresolved__") and isinstance(v, dict):
            old = into.get(k)
            base: dict[str, Any] = old if isinstance(old, dict) else {}
            into[k] = {**base, **{kk: vv for kk, vv in v.items() if vv is not None or k != "args"}}
        else:
            into[k] = v


def _build(
    name: str, targets: dict[str, _Target], ev: _Evaluator, directory: Path, relative: bool, composed: Build | None
) -> Build:
    values, origin = _attributes(name, targets, ev)
    t = targets[name]
    unresolved: dict[str, str] = dict(values.pop("__unresolved__", {}))

    def base_for(attr: str, value: str = "") -> Path:
        # cwd:// is always the directory bake runs in (bake.go isSpecialContextPath).
        if value.startswith("cwd://"):
            return directory
        return origin[attr].parent if relative and attr in origin else directory

    b = Build(name, "bake", None, declared=t.declared, context_at=t.declared)
    if composed is not None:  # a Compose service of the same name under the HCL target
        b = Build(
            name,
            "bake",
            composed.context,
            composed.dockerfile,
            composed.dockerfile_inline,
            composed.raw_dockerfile,
            dict(composed.args),
            composed.target,
            list(composed.named),
            composed.declared,
            composed.context_at,
            composed.remote,
        )
    ctx = values.get("context", None)
    if ctx is not None:
        if isinstance(ctx, Unresolved):
            unresolved["context"] = str(ctx)
            b.context = None
        else:
            value = string(ctx) or "."
            if is_remote(value) or "://" in value.removeprefix("cwd://"):
                b.remote, b.context = value, None
            else:
                base = base_for("context", value)
                b.context = Path(os.path.normpath(os.path.join(base, value.removeprefix("cwd://"))))
    elif composed is None:
        b.context = directory
    inline = values.get("dockerfile-inline")
    if isinstance(inline, Unresolved):
        unresolved["dockerfile-inline"] = str(inline)
    elif inline is not None:
        b.dockerfile_inline, b.dockerfile = string(inline), None
    if b.dockerfile_inline is None:
        df = values.get("dockerfile")
        if isinstance(df, Unresolved):
            unresolved["dockerfile"] = str(df)
        elif df is not None or composed is None:
            text = string(df) if df not in (None, "") else "Dockerfile"
            b.raw_dockerfile = text
            if b.context is not None:
                b.dockerfile = Path(os.path.normpath(os.path.join(b.context, text)))
    target = values.get("target")
    if isinstance(target, Unresolved):
        unresolved["target"] = str(target)
    elif target is not None:
        b.target = string(target)
    args = values.get("args")
    if isinstance(args, dict):
        for k, v in args.items():
            if v is None:
                continue
            if isinstance(v, Unresolved | list | dict):
                unresolved[f"args.{k}"] = str(v)
                b.args.pop(k, None)
                continue
            b.args[k] = string(v)
    contexts = values.get("contexts")
    if isinstance(contexts, dict):
        named = {n.name: n for n in b.named}
        for k, v in contexts.items():
            if isinstance(v, Unresolved) or not isinstance(v, str):
                unresolved[f"contexts.{k}"] = str(v)
                continue
            named[k] = named_context(k, v, base_for("contexts", v), t.declared)
        b.named = list(named.values())
    b.unresolved = unresolved
    return b
