"""Which Compose files, variables and profiles ``docker compose`` starts from.

Follows docker/compose ``cmd/compose/compose.go`` (``setEnvWithDotEnv``,
``toProjectOptions``) on compose-go v2 ``cli/options.go`` and
``dotenv/env.go``, checked on Docker Compose v2.40.3
(tests/project/golden/envcases.json):

1. ``COMPOSE_*`` variables of the env files (below) that the environment
   does not set are added to it first (``setEnvWithDotEnv``): a
   ``COMPOSE_DISABLE_ENV_FILE=1`` in ``.env`` disables that very ``.env``
   for interpolation, a ``COMPOSE_FILE`` there names the files;
2. the env files: ``--env-file`` (repeatable; else ``COMPOSE_ENV_FILES``,
   comma-separated), else ``<working dir>/.env`` unless the environment's
   ``COMPOSE_DISABLE_ENV_FILE`` is true (Go's ParseBool; ``--env-file`` is read
   even then); the working dir is ``--project-directory``, else the first
   Compose file's directory, else where Compose runs. Each file's lines see
   the environment, then the lines read before (earlier files included);
   a later file overrides an earlier one; the environment wins over them all;
3. no ``-f``: ``COMPOSE_FILE`` split on ``COMPOSE_PATH_SEPARATOR`` (``:``),
   relative paths against where Compose runs (not the project directory);
   else discovery in the working dir (ctxaudit does not climb to parents);
4. the env files again, now that the first Compose file fixes the working
   dir: its ``.env``, when there is one, adds what is still unset;
5. profiles: ``--profile``, else ``COMPOSE_PROFILES`` (comma-separated, trimmed).

ctxaudit's CONTEXT plays the directory Compose runs in; paths on the command
line are relative to ctxaudit's own working directory, as they are for Compose.
Kept free of the YAML reader (and the dotenv parser until a file is read):
every ``scan`` of a plain context asks :func:`wanted`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..common.errors import InputError
from .files import COMPOSE_FILES, OVERRIDE_FILES
from .model import absolute

# Go's strconv.ParseBool (compose-go reads COMPOSE_DISABLE_ENV_FILE with it).
_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")


@dataclass(frozen=True)
class Options:
    """``docker compose``'s global flags: ``-f`` (ctxaudit ``--compose``),
    ``--env-file``, ``--project-directory``, ``--profile``."""

    files: tuple[Path, ...] = ()
    env_files: tuple[Path, ...] = ()
    project_directory: Path | None = None
    profiles: tuple[str, ...] = ()

    def flags(self) -> list[str]:
        """The Compose-only flags given (they make no sense on a plain context or a Bake project)."""
        return [
            flag
            for flag, on in (
                ("--env-file", self.env_files),
                ("--project-directory", self.project_directory is not None),
                ("--profile", self.profiles),
            )
            if on
        ]


@dataclass
class Setup:
    """What Compose starts from: ``files`` (absolute, merge order),
    ``directory`` (the project directory), ``env`` (interpolation variables),
    ``profiles`` (None: no profile asked for, every service is audited),
    and where the files and profiles came from (for messages)."""

    files: list[Path]
    directory: Path
    env: dict[str, str]
    env_files: list[Path] = field(default_factory=list)
    profiles: list[str] | None = None
    profiles_from: str = ""
    files_from: str = ""


def wanted(cwd: Path, options: Options, environ: Mapping[str, str]) -> bool:
    """Whether Compose could find a project here without reading YAML: flags,
    a Compose file in ``cwd``, ``COMPOSE_FILE`` in the ``.env`` or, exported,
    naming a file here (:func:`_names_files_here`). A plain context's ``.env``
    is only searched for the name (one stat, a read when it exists), so a
    dotenv file Compose could not parse does not break the audit of a plain
    context."""
    if options.files or options.flags():
        return True
    if any((cwd / n).is_file() for n in COMPOSE_FILES):
        return True
    named = environ.get("COMPOSE_FILE")
    if named is not None and _names_files_here(named, cwd, environ):
        return True
    try:
        return "COMPOSE_FILE" in (cwd / ".env").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _names_files_here(named: str, cwd: Path, environ: Mapping[str, str]) -> bool:
    """Does an exported ``COMPOSE_FILE`` name a Compose file in this directory
    (or below it)? Exported for another project (a shell's or a CI job's
    setting), it names none of this directory's files (missing here, or files
    of that project elsewhere): a plain context is then audited as one,
    not failed as ``docker compose`` would fail there. Once one named file is
    here, or the directory has Compose files of its own, it is a project and
    a missing file an error."""
    here = os.path.realpath(cwd)
    for part in _file_list(named, environ):
        if not part or part == "-":
            continue
        path = absolute(part, cwd)
        # Inside this directory: a file elsewhere belongs to the other project.
        if path.is_file() and os.path.realpath(path).startswith(here.rstrip("/") + "/"):
            return True
    return False


def _file_list(raw: str, env: Mapping[str, str]) -> list[str]:
    """``COMPOSE_FILE`` split as Compose splits it (on ``COMPOSE_PATH_SEPARATOR``, else ``:``)."""
    return raw.split(env.get("COMPOSE_PATH_SEPARATOR") or os.pathsep)


def parse_bool(name: str, value: str) -> bool:
    """Go's strconv.ParseBool; InputError otherwise (Compose fails the same way)."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(f"{name}={value!r}: not a boolean (1, t, true, 0, f, false...)")


def read_env_files(files: Sequence[Path], current: Mapping[str, str]) -> dict[str, str]:
    """compose-go dotenv.GetEnvFromFile: each file's lines see ``current``,
    then what the files before set; later files override earlier ones.
    Raises InputError for a missing or unreadable file or a bad line."""
    from . import dotenv  # and the interpolation parser: only when there is an env file to read

    values: dict[str, str] = {}
    for path in files:
        if not path.exists():
            raise InputError(f"couldn't find env file: {path}")
        if path.is_dir():
            raise InputError(f"env file {path} is a directory")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from None
        try:
            values = dotenv.parse(text, current, str(path), values)
        except dotenv.DotenvError as exc:
            raise InputError(str(exc)) from None
    return values


def discover(directory: Path) -> list[Path]:
    """The first main Compose file in ``directory`` and the first override beside it; []."""
    main = next((directory / n for n in COMPOSE_FILES if (directory / n).is_file()), None)
    if main is None:
        return []
    override = next((directory / n for n in OVERRIDE_FILES if (directory / n).is_file()), None)
    return [main] if override is None else [main, override]


def setup(cwd: Path, options: Options, environ: Mapping[str, str]) -> Setup | None:
    """Compose's files, project directory, variables and profiles when it runs
    in ``cwd`` with ``options``; None when it finds no Compose file.

    Raises InputError for a missing ``--env-file`` or file named by
    ``COMPOSE_FILE``, an unreadable env file, a non-boolean
    ``COMPOSE_DISABLE_ENV_FILE``, a missing ``--project-directory``.
    """
    cwd = Path(os.path.abspath(cwd))
    osenv = dict(environ)
    pdir = Path(os.path.abspath(options.project_directory)) if options.project_directory is not None else None
    if pdir is not None and not pdir.is_dir():
        raise InputError(f"--project-directory {options.project_directory}: not a directory")
    explicit = [Path(os.path.abspath(f)) for f in options.env_files]
    if not explicit and osenv.get("COMPOSE_ENV_FILES"):
        explicit = [absolute(f, cwd) for f in osenv["COMPOSE_ENV_FILES"].split(",")]
    files = [Path(os.path.abspath(f)) for f in options.files]
    files_from = "--compose" if files else ""

    def workdir() -> Path:
        return pdir or (files[0].parent if files else cwd)

    def env_files(env: Mapping[str, str]) -> list[Path] | None:
        """cli.WithEnvFiles: None leaves the files chosen before."""
        if explicit:
            return explicit
        disable = env.get("COMPOSE_DISABLE_ENV_FILE")
        if disable is not None and parse_bool("COMPOSE_DISABLE_ENV_FILE", disable):
            return None
        dot = workdir() / ".env"
        return [dot] if dot.is_file() else None

    # 1. setEnvWithDotEnv: COMPOSE_* of the env files join the environment.
    for k, v in read_env_files(env_files(osenv) or [], osenv).items():
        if k.startswith("COMPOSE_") and k not in osenv:
            osenv[k] = v
    # 2. the env files for interpolation; the environment wins.
    chosen = env_files(osenv) or []
    env = dict(osenv)
    for k, v in read_env_files(chosen, env).items():
        env.setdefault(k, v)
    # 3. the Compose files.
    if not files and "COMPOSE_FILE" in env:
        raw = env["COMPOSE_FILE"]
        where = "the environment" if "COMPOSE_FILE" in environ else ", ".join(str(p) for p in chosen) or ".env"
        files_from = f"COMPOSE_FILE (from {where})"
        for part in _file_list(raw, env):
            if part == "-" or not part:
                why = "standard input" if part == "-" else "an empty path"
                raise InputError(f"{files_from}={raw!r} names {why}: ctxaudit reads Compose files from disk")
            path = absolute(part, cwd)
            if not path.is_file():
                raise InputError(f"{files_from}={raw!r}: {path} not found")
            files.append(path)
    if not files:
        files = discover(workdir())
        if not files:
            return None
        files_from = ""
    # 4. the project directory's .env, now that the first file fixes it.
    again = env_files(osenv)
    if again is not None and again != chosen:
        chosen = again
        for k, v in read_env_files(chosen, env).items():
            env.setdefault(k, v)
    # 5. profiles.
    profiles: list[str] | None = None
    profiles_from = ""
    if options.profiles:
        profiles, profiles_from = list(options.profiles), "--profile"
    elif env.get("COMPOSE_PROFILES", "").strip(", \t"):
        profiles = [p.strip() for p in env["COMPOSE_PROFILES"].split(",") if p.strip()]
        profiles_from = "COMPOSE_PROFILES"
    return Setup(files, workdir(), env, chosen, profiles, profiles_from, files_from)
