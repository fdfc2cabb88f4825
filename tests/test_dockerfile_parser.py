from __future__ import annotations

import pytest

from ctxaudit.dockerfile.model import build_model
from ctxaudit.dockerfile.parser import DockerfileError, parse
from ctxaudit.dockerfile.shellwords import WordError, process_word


def test_directives_escape_and_continuations() -> None:
    p = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN a `\n  # inside\n  b\nCOPY a b\n")
    assert p.directives == {"syntax": "docker/dockerfile:1", "escape": "`"}
    assert [(i.cmd, i.start, i.end) for i in p.instructions] == [("from", 3, 3), ("run", 4, 6), ("copy", 7, 7)]
    assert p.instructions[1].rest == "a   b"


def test_directive_after_comment_is_a_comment() -> None:
    p = parse("# hello\n# escape=`\nFROM x\nRUN a \\\n b\n")
    assert p.directives == {} and p.escape == "\\"
    assert p.instructions[1].rest == "a  b"


def test_inline_hash_is_not_a_comment() -> None:
    (_, copy) = parse("FROM x\nCOPY a#b /c\n").instructions
    assert copy.args == ["a#b", "/c"]


def test_heredocs() -> None:
    p = parse("FROM x\nCOPY <<EOF <<-'RAW' /dst/\nhello $X\nEOF\n\tno\n\tRAW\nRUN echo hi\n")
    copy = p.instructions[1]
    assert [(h.name, h.content, h.expand, h.chomp) for h in copy.heredocs] == [
        ("EOF", "hello $X\n", True, False),
        ("RAW", "no\n", False, True),
    ]
    assert (copy.start, copy.end) == (2, 6)
    assert p.instructions[2].cmd == "run" and p.instructions[2].start == 7


def test_unterminated_heredoc() -> None:
    with pytest.raises(DockerfileError, match="unterminated heredoc"):
        parse("FROM x\nRUN <<EOF\necho\n")


def test_json_form_and_flags() -> None:
    (_, copy) = parse('FROM x\nCOPY --from=build --chown=1:1 --link ["a b", "/c"]\n').instructions
    assert copy.json and copy.args == ["a b", "/c"]
    assert copy.flag("from") == "build" and copy.flag("link") == "true"


@pytest.mark.parametrize(
    "word,env,expected",
    [
        ("$A/x", {"A": "src"}, "src/x"),
        ("${A}-${B:-def}", {"A": "a"}, "a-def"),
        ("${A:+set}", {"A": "a"}, "set"),
        ("'$A'", {"A": "a"}, "$A"),
        ('"$A b"', {"A": "a"}, "a b"),
        ("a\\ b", {}, "a b"),
        ("${A%.tar}", {"A": "x.tar"}, "x"),
        ("${A#*/}", {"A": "a/b/c"}, "b/c"),
        ("${A##*/}", {"A": "a/b/c"}, "c"),
        ("${A/b/B}", {"A": "abab"}, "aBab"),
        ("${A//b/B}", {"A": "abab"}, "aBaB"),
    ],
)
def test_word_expansion(word: str, env: dict[str, str | None], expected: str) -> None:
    assert process_word(word, env).value == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        ("path=C:\\dir", "path=C:\\dir"),  # the escape stays (BuildKit: C:dir)
        ("'$A'", "'$A'"),  # single quotes kept, nothing expanded inside
        ('q="$A"', 'q="a"'),  # double quotes kept, expanded inside
        ('"a\\"b"', '"a\\"b"'),  # an escaped quote keeps its escape
        ("${A:-x\\y}", "a"),
        ("${B:-x\\y}", "xy"),  # the :- word is read without raw escapes (lex.go processDollar)
    ],
)
def test_buildah_heredoc_expansion_keeps_quotes_and_escapes(word: str, expected: str) -> None:
    """imagebuilder's processHereDocs: NewLex('\\') with RawQuotes and RawEscapes (each
    result checked with buildah v1.44.0's vendored moby/buildkit shell lexer)."""
    assert process_word(word, {"A": "a", "B": None}, raw=True).value == expected


def test_unset_variables_are_reported() -> None:
    r = process_word("$A/${B:-x}/$C", {"A": None})
    assert r.value == "/x/" and r.unknown == {"A", "C"}


def test_bad_words() -> None:
    with pytest.raises(WordError):
        process_word('"open', {})
    with pytest.raises(WordError):
        process_word("${A", {})


def test_stages_and_reachability() -> None:
    df = build_model(
        "ARG BASE=alpine\nFROM $BASE AS a\nCOPY x /x\nFROM scratch AS unused\nCOPY y /y\n"
        "FROM a AS b\nRUN --mount=type=bind,source=req.txt,target=/r true\nFROM scratch\nCOPY --from=b /x /x\n"
    )
    assert df.stages[0].base == "alpine"
    assert [s.label for s in df.needed_stages()] == ["a", "b", "3"]
    assert [s.label for s in df.needed_stages(all_before_target=True)] == ["a", "unused", "b", "3"]
    ((run, mount),) = df.context_mounts()
    assert mount.source.value == "req.txt" and run.line == 7


def test_build_args_and_target() -> None:
    df = build_model("FROM scratch AS a\nARG D=x\nCOPY $D /\nFROM scratch AS b\n", {"D": "y"}, target="a")
    assert df.target.label == "a"
    assert df.stages[0].copies[0].sources[0].value == "y"
    with pytest.raises(ValueError, match="target stage"):
        build_model("FROM scratch\n", target="nope")


def test_workdir_and_dest() -> None:
    df = build_model("FROM scratch\nWORKDIR /app\nWORKDIR sub\nCOPY a b/\nCOPY c d\n")
    c1, c2 = df.stages[0].copies
    assert (c1.dest, c1.dest_is_dir) == ("/app/sub/b", True)
    assert (c2.dest, c2.dest_is_dir) == ("/app/sub/d", False)


def test_env_pairs_split_with_the_escape_directive() -> None:
    # Checked on the engine (legacy builder, 20.10): A is x"y and B is data.
    df = build_model('# escape=`\nFROM scratch\nENV A="x`"y" B=data\nCOPY $B /\n')
    stage = df.stages[0]
    assert (stage.env["A"], stage.env["B"]) == ('x"y', "data")
    assert stage.copies[0].sources[0].value == "data"
