"""``docker ctxaudit ...``: ctxaudit as a Docker CLI plugin.

Docker's CLI-plugin protocol (docker/cli ``cli-plugins/manager`` and
``cli-plugins/metadata``): the Docker CLI finds an executable named
``docker-<name>`` in ``$DOCKER_CONFIG/cli-plugins`` (``~/.docker/cli-plugins``
by default) or a system directory (``/usr/local/lib/docker/cli-plugins``...),
and

* runs ``docker-ctxaudit docker-cli-plugin-metadata`` to list it: the
  answer is one JSON object with ``SchemaVersion`` "0.1.0" and a ``Vendor``
  (the two fields Docker checks), a ``Version``, a ``ShortDescription``
  (shown by ``docker --help``) and a ``URL``;
* runs ``docker ctxaudit ARGS...`` as ``docker-ctxaudit ctxaudit ARGS...``
  (the plugin's own name first), in the user's environment (DOCKER_HOST
  included, so ``ctxaudit layers IMAGE`` reads from the same engine).

``ctxaudit docker-plugin install`` writes that executable: a shell script
that runs this module with the Python ctxaudit is installed in, so a
virtualenv's ctxaudit works from ``docker`` without activating it.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

from . import __version__

NAME = "ctxaudit"
EXECUTABLE = f"docker-{NAME}"
METADATA_COMMAND = "docker-cli-plugin-metadata"
MARKER = "# Docker CLI plugin for ctxaudit, written by `ctxaudit docker-plugin install`."


def metadata() -> dict[str, str]:
    """The answer to ``docker-cli-plugin-metadata`` (docker/cli cli-plugins/metadata.Metadata)."""
    return {
        "SchemaVersion": "0.1.0",
        "Vendor": "ctxaudit",
        "Version": __version__,
        "ShortDescription": "See what docker build sends and copies into the image, before you build",
        "URL": "https://pypi.org/project/ctxaudit/",
    }


def main(argv: list[str] | None = None) -> int:
    """``docker-ctxaudit``: the metadata for Docker, else ctxaudit's command line
    (``docker ctxaudit scan .`` arrives as ``ctxaudit scan .``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [METADATA_COMMAND]:
        sys.stdout.write(json.dumps(metadata(), indent=2) + "\n")
        return 0
    if args[:1] == [NAME]:
        args = args[1:]
    elif args[:2] == ["help", NAME]:  # `docker help ctxaudit` runs `docker-ctxaudit help ctxaudit`
        args = ["help", *args[2:]]
    from .cli import main as cli_main

    return cli_main(args, prog=f"docker {NAME}")


def plugin_dir(environ: dict[str, str] | None = None) -> Path:
    """Where the Docker CLI looks for the user's plugins: ``$DOCKER_CONFIG/cli-plugins``,
    else ``~/.docker/cli-plugins`` (docker/cli config.Dir, manager.getPluginDirs)."""
    env = os.environ if environ is None else environ
    config = env.get("DOCKER_CONFIG")
    base = Path(config) if config else Path(env.get("HOME") or Path.home()) / ".docker"
    return base / "cli-plugins"


def script(python: str | None = None) -> str:
    """The plugin executable: runs this module with ``python`` (this interpreter by default);
    ``-P`` keeps the current directory out of the import path."""
    exe = shlex.quote(python or sys.executable)
    return f'#!/bin/sh\n{MARKER}\nexec {exe} -P -m ctxaudit.dockerplugin "$@"\n'


def install(directory: Path, force: bool = False, create: bool = True) -> Path:
    """Write ``directory/docker-ctxaudit`` (mode 755) and return its path.

    ``create``: make the directory when it is missing (Docker's default
    plugin directory); otherwise a missing directory raises
    NotADirectoryError (a mistyped ``--dir`` must not create a tree).
    Raises FileExistsError when another program of that name is there (not
    one this command wrote) and ``force`` is not set; OSError when the
    directory cannot be written.
    """
    if create:
        directory.mkdir(parents=True, exist_ok=True)
    elif not directory.is_dir():
        raise NotADirectoryError(str(directory))
    target = directory / EXECUTABLE
    if target.exists() and not force and not _ours(target):
        raise FileExistsError(str(target))
    tmp = directory / f".{EXECUTABLE}.tmp"
    tmp.write_text(script(), encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, target)
    return target


def uninstall(directory: Path) -> Path | None:
    """Remove the plugin this command wrote; None when there is none. Raises
    FileExistsError for a ``docker-ctxaudit`` it did not write (left alone)."""
    target = directory / EXECUTABLE
    if not target.exists() and not target.is_symlink():
        return None
    if not _ours(target):
        raise FileExistsError(str(target))
    target.unlink()
    return target


def _ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")[:500]
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
