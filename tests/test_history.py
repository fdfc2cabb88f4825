"""Image history entries matched to Dockerfile instructions (ctxaudit.dockerfile.history).

The histories are the engine's (tests/layers/golden: BuildKit and the legacy
builder on the same Dockerfile); the doubtful cases are edits of them.
"""

from __future__ import annotations

import json

import layercases
import pytest

from ctxaudit.dockerfile.history import map_history, read_step, short
from ctxaudit.dockerfile.model import build_model


@pytest.mark.parametrize(
    ("created_by", "kind", "text", "builder"),
    [
        (
            "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
            "RUN",
            "pip install -r requirements.txt",
            "buildkit",
        ),
        ("RUN |1 MODE=755 /bin/sh -c chmod 700 a.txt # buildkit", "RUN", "chmod 700 a.txt", "buildkit"),
        ("COPY scripts/ ./scripts/ # buildkit", "COPY", "scripts/ ./scripts/", "buildkit"),
        ("WORKDIR /app", "WORKDIR", "/app", "buildkit"),
        ("EXPOSE map[8080/tcp:{}]", "EXPOSE", "map[8080/tcp:{}]", "buildkit"),
        ("/bin/sh -c #(nop) WORKDIR /app", "WORKDIR", "/app", "legacy"),
        ("/bin/sh -c #(nop)  ARG MODE=755", "ARG", "MODE=755", "legacy"),
        ("/bin/sh -c #(nop) COPY dir:f8c6 in ./scripts/ ", "COPY", "dir:f8c6 in ./scripts/", "legacy"),
        ("/bin/sh -c chmod -R 755 ./scripts", "RUN", "chmod -R 755 ./scripts", "legacy"),
        ("|2 A=1 B=two words /bin/sh -c make  all", "RUN", "make all", "legacy"),
        ("something else entirely", "", "something else entirely", ""),
    ],
)
def test_read_step(created_by: str, kind: str, text: str, builder: str) -> None:
    assert read_step(created_by) == type(read_step(""))(kind, text, builder)


def test_short_drops_the_builders_decorations() -> None:
    assert short('/bin/sh -c #(nop)  CMD ["bash"]') == 'CMD ["bash"]'
    assert short("COPY sh /bin/sh # buildkit") == "COPY sh /bin/sh"


def history(name: str) -> list[str]:
    return [created_by for created_by, _ in layercases.golden(name)["history"]]


def dockerfile(name: str) -> str:
    _, path = layercases.context_and_dockerfile(layercases.cases()[name])
    return path.read_text()


@pytest.mark.parametrize("name", ["instructions", "instructions-legacy"])
def test_every_entry_of_both_builders_maps_to_its_line(name: str) -> None:
    m = map_history(history(name), build_model(dockerfile(name)))
    assert m.base == 1 and not m.notes
    lines = [None if x.planned is None else x.planned.line for x in m.matches]
    # the base's COPY, then lines 6-16: ARG ENV LABEL WORKDIR COPY COPY RUN RUN USER EXPOSE CMD
    assert lines == [None, *range(6, 17)]
    assert all(x.exact for x in m.matches[1:])


def test_a_changed_run_is_matched_by_position_and_reported() -> None:
    entries = history("seed-single")
    entries[5] = entries[5].replace("755", "700")
    m = map_history(entries, build_model(dockerfile("seed-single")))
    assert m.base == 1
    assert not m.matches[5].exact and m.matches[5].planned is not None and m.matches[5].planned.line == 8
    assert m.notes == ["line 8: the history says RUN chmod -R 700 ./scripts"]


def test_another_dockerfile_leaves_the_base_unknown() -> None:
    m = map_history(history("seed-single"), build_model(dockerfile("rm-after-copy")))
    assert m.base is None
    assert m.notes[0] == "line 3: the history says RUN apt-get update && apt-get install -y gcc"
    assert "does not match line 2 (COPY)" in m.notes[1]


def test_too_few_entries_and_scratch_images_are_caught() -> None:
    m = map_history(history("seed-single")[-2:], build_model(dockerfile("seed-single")))
    assert m.base is None and "no history entry left" in m.notes[0]
    scratch = build_model("FROM scratch\nCOPY a /a\n")
    m = map_history(["COPY sh /bin/sh # buildkit", "COPY a /a # buildkit"], scratch)
    assert m.base is None and "FROM scratch" in m.notes[0]


def test_a_target_selects_the_stages_whose_history_it_is() -> None:
    text = dockerfile("seed-two-stage")
    m = map_history(history("seed-two-stage"), build_model(text))
    assert m.base == 1 and not m.notes
    prep = build_model(text, target="prep")
    assert map_history(history("seed-two-stage"), prep).base is None


def test_goldens_are_json() -> None:
    json.dumps(layercases.golden("instructions"))
