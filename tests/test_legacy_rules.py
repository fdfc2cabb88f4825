"""CA310: what the legacy builder rejects (the engine's verdicts are in
tests/dockerfile/golden/legacy-*.json; these pin where each check applies)."""

from __future__ import annotations

from ctxaudit.dockerfile.model import build_model
from ctxaudit.rules import legacy


def found(text: str, target: str | None = None) -> list[tuple[int, str]]:
    return [(f.line or 0, f.message) for f in legacy.check(build_model(text, target=target), "Dockerfile")]


def test_dispatch_errors_only_in_the_stages_built() -> None:
    text = (
        "FROM scratch AS a\nCOPY --chmod=755 a /\nFROM scratch AS b\nCOPY --chmod=755 b /\n"
        "FROM debian AS c\nRUN --mount=type=cache,target=/x true\n"
    )
    assert [line for line, _ in found(text)] == [2, 4, 6]
    ((line, message),) = found(text, target="a")
    assert line == 2 and "the --chmod option requires BuildKit" in message


def test_parse_errors_anywhere_in_the_file() -> None:
    text = "FROM scratch AS a\nCOPY a /\nFROM scratch AS b\nCOPY --link --parents --exclude=x b /\n"
    messages = [m for _, m in found(text, target="a")]
    assert len(messages) == 3
    assert all("fails to parse the Dockerfile" in m for m in messages)
    assert "'Unknown flag: exclude'" in messages[2] and "the excluded files are copied" in messages[2]


def test_heredocs_and_run_flags() -> None:
    text = "FROM debian\nRUN --network=none <<EOF\necho hi\nEOF\nCOPY <<EOF /x\nhi\nEOF\n"
    out = found(text)
    assert [line for line, _ in out] == [2, 2, 5]
    assert "RUN --network" in out[0][1] and "RUN <<EOF" in out[1][1] and "COPY <<EOF" in out[2][1]


def test_what_the_legacy_builder_accepts() -> None:
    assert found("FROM scratch AS s\nCOPY --chown=1:1 --from=s a /\nADD --chown=1 b /\nRUN true\n") == []
