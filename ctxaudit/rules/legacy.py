"""CA310: Dockerfile syntax the legacy builder rejects (``--builder legacy``).

The legacy builder (``DOCKER_BUILDKIT=0``) is the daemon's classic builder.
Checked on the engine here, Docker 20.10 (tests/dockerfile cases
``legacy-*``):

* at dispatch, for the stages it builds (every stage up to the target):
  ``RUN --mount`` and ``COPY/ADD --chmod`` fail with "the --X option
  requires BuildKit";
* at parse, anywhere in the file: ``--link``, ``COPY --parents``,
  ``--exclude``, ``ADD --checksum/--keep-git-dir/--unpack``,
  ``RUN --network/--security/--device`` fail with "Unknown flag: X", and a
  heredoc's body is read as instructions ("unknown instruction").

Newer daemons parse with a newer BuildKit parser (moby
daemon/builder/dockerfile/dispatchers.go): RUN flags and ``--chmod`` still
fail, while ``--link``, ``--parents``, ``--exclude`` and the ADD flags are
accepted and silently ignored, a heredoc-only COPY fails with "no source
files were specified" and a RUN heredoc runs ``<<EOF`` instead of the
script. Either way the build is not the one the Dockerfile describes, so
each such instruction is an error.
"""

from __future__ import annotations

from ..dockerfile.model import Dockerfile
from ..dockerfile.parser import Instruction
from . import rule
from .findings import Finding, Severity

BUILDKIT_ONLY = rule(
    "CA310",
    "buildkit-only-syntax",
    Severity.ERROR,
    "The legacy builder rejects (or ignores) this BuildKit-only syntax: the build fails or differs.",
    "DOCKER_BUILDKIT=0 builds with the daemon's classic builder, which has no RUN --mount, --chmod, --link, "
    "--parents, --exclude or heredocs. Build with BuildKit (the default since Docker 23), or rewrite the "
    "instruction: a RUN chmod in a build stage for --chmod, a plain COPY for --link.",
)

# (instruction, flag) -> what Docker 23 and later do with it in the classic builder.
_DISPATCH = {
    ("run", "mount"): "",
    ("copy", "chmod"): "",
    ("add", "chmod"): "",
}
_PARSE = {
    ("copy", "link"): "Docker 23 and later accept it and copy without it",
    ("add", "link"): "Docker 23 and later accept it and copy without it",
    ("copy", "parents"): "Docker 23 and later accept it and ignore it: the files land without their parent directories",
    ("copy", "exclude"): "Docker 23 and later accept it and ignore it: the excluded files are copied",
    ("add", "exclude"): "Docker 23 and later accept it and ignore it: the excluded files are copied",
    ("add", "checksum"): "Docker 23 and later accept it and do not verify the checksum",
    ("add", "keep-git-dir"): "Docker 23 and later accept it and ignore it",
    ("add", "unpack"): "Docker 23 and later accept it and ignore it",
    ("run", "network"): "Docker 23 and later fail with 'the --network option requires BuildKit'",
    ("run", "security"): "Docker 23 and later fail with 'the --security option requires BuildKit'",
    ("run", "device"): "Docker 23 and later fail with 'the --device option requires BuildKit'",
}
_HEREDOC = {
    "copy": "Docker 23 and later fail with 'no source files were specified' when every source is a heredoc",
    "add": "Docker 23 and later fail with 'no source files were specified' when every source is a heredoc",
    "run": "Docker 23 and later run the text '<<' + name instead of the script",
}


def _flag_names(ins: Instruction) -> list[str]:
    names = []
    for f in ins.flags:
        name = f[2:].partition("=")[0]
        if name not in names:
            names.append(name)
    return names


def check(df: Dockerfile, dockerfile: str) -> list[Finding]:
    """One error per instruction the legacy builder rejects (or ignores)."""
    built = {id(c if isinstance(c, Instruction) else c.ins) for s in df.needed_stages(True) for c in s.commands}
    out = []
    for ins in df.parsed.instructions:
        cmd = ins.cmd
        shown = cmd.upper()
        reasons = []
        for name in _flag_names(ins):
            if (cmd, name) in _PARSE:
                reasons.append(
                    f"{shown} --{name}: the legacy builder of Docker 20.10 fails to parse the Dockerfile "
                    f"('Unknown flag: {name}'); {_PARSE[cmd, name]}"
                )
            elif (cmd, name) in _DISPATCH and id(ins) in built:
                reasons.append(f"{shown} --{name}: the legacy builder fails ('the --{name} option requires BuildKit')")
        if ins.heredocs and cmd in _HEREDOC:
            reasons.append(
                f"{shown} <<{ins.heredocs[0].name}: the legacy builder of Docker 20.10 reads the heredoc's body as "
                f"instructions and fails ('unknown instruction'); {_HEREDOC[cmd]}"
            )
        for why in reasons:
            fix = "build with BuildKit (drop DOCKER_BUILDKIT=0)"
            out.append(Finding(BUILDKIT_ONLY, why, path=dockerfile, line=ins.start, fix=fix))
    return out
