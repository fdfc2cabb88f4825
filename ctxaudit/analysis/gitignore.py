"""Translate .gitignore lines into .dockerignore lines.

The lines are read with pathspec's gitignore support (comments, blank lines,
trailing spaces, escapes); the translation follows the two rule sets:

* ``foo`` (no slash) matches at any depth in git: ``**/foo`` for Docker,
  ``dir/**/foo`` for a .gitignore in ``dir/``;
* a slash in the middle or at the start anchors the line to the .gitignore's
  directory: ``/foo`` and ``a/b`` become ``foo`` and ``a/b`` (prefixed with
  the directory for nested files);
* a trailing ``/`` (directories only) cannot be expressed: Docker's line also
  matches a file of that name; the translation says so;
* ``[!x]`` is a negation in git but not in Docker: it becomes ``[^x]``;
* ``!`` lines re-include in both; they are translated but flagged, since they
  only ever send more.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern


@dataclass(frozen=True)
class Translated:
    docker: str  # the Docker line
    source: str  # the .gitignore line as written
    gitignore: str  # path of the .gitignore in the context
    line: int
    exclusion: bool = False
    dir_only: bool = False


def _strip_trailing_spaces(line: str) -> str:
    out = line.rstrip(" ")
    # "foo\ " keeps one escaped space
    if len(out) < len(line) and out.endswith("\\"):
        out += " "
    return out


def translate_line(line: str, directory: str) -> tuple[str, bool, bool] | None:
    """(docker line, exclusion, dir_only) for one .gitignore line, None for none."""
    pattern = GitIgnoreSpecPattern(line)
    if pattern.include is None:
        return None
    text = _strip_trailing_spaces(line.rstrip("\r\n"))
    exclusion = text.startswith("!")
    if exclusion:
        text = text[1:]
    elif text.startswith("\\!") or text.startswith("\\#"):
        text = text[1:] if text[1] == "#" else text
    dir_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    text = text.lstrip("/")
    text = text.replace("[!", "[^")
    body = text if text.startswith("**/") or text == "**" or anchored else f"**/{text}"
    if body.endswith("\\ "):
        body = body[:-2] + "?"  # Docker trims trailing spaces, escaped or not
    docker = f"{directory}/{body}" if directory else body
    if docker.startswith("!") or docker.startswith("#"):
        docker = "\\" + docker
    return (("!" if exclusion else "") + docker, exclusion, dir_only)


def translate_file(text: str, gitignore_path: str) -> list[Translated]:
    directory = gitignore_path.rpartition("/")[0]
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        t = translate_line(line, directory)
        if t is not None:
            out.append(Translated(t[0], line, gitignore_path, number, t[1], t[2]))
    return out
