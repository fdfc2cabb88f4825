"""What suggest and init print, on real CLI output: the lines held back in a
project, ignore lines never shortened, no held-back line another one covers,
every line within COLUMNS."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main

LONG = "packages/a-rather-long-package-name/**/generated-output"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def node_project(root: Path, compose: bool = True, root_ignore: bool = True) -> Path:
    """COPY . takes the whole context: node_modules and what the .gitignore
    files name are held back for review; a nested .gitignore gives a long line."""
    files: dict[str, str | bytes | int] = {
        "Dockerfile": "FROM scratch\nCOPY . /app/\n",
        "package.json": "{}\n",
        "node_modules/dep/index.js": 200_000,
        "packages/a-rather-long-package-name/.gitignore": "generated-output\n",
        "packages/a-rather-long-package-name/generated-output/x/index.js": 3000,
        "src/app.js": "console.log(1)\n",
    }
    if root_ignore:  # '**/generated-output' has the nested line's whole effect
        files[".gitignore"] = "generated-output\n"
        files["generated-output/y/index.js"] = 100_000
    if compose:
        files["compose.yaml"] = "services:\n  web:\n    build: .\n"
    return make_tree(root, files)


def fits(text: str, width: int) -> None:
    wide = [line for line in text.splitlines() if len(line) > width and not line.startswith("==> ")]
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("mode", ["--dry-run", "--write"])
def test_project_suggest_write_shows_the_held_back_lines(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    root = node_project(tmp_path / "p")
    monkeypatch.chdir(root)
    code, plain, _ = run(capsys, "suggest", ".", "-f", "Dockerfile", mode)
    assert code == 0 and "held back" in plain and "node_modules" in plain
    code, out, _ = run(capsys, "suggest", ".", mode)
    assert code == 0
    assert "==> service web: held back from .dockerignore <==" in out
    # the same table as with -f: the project adds only its heading
    table = plain[plain.index("held back (review") :]
    assert table in out
    fits(out, 80)


def test_ignore_lines_are_never_shortened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = node_project(tmp_path / "p", compose=False, root_ignore=False)
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(capsys, "suggest", str(root))
    assert code == 0
    assert f"\n{LONG}  review " in out, out  # room enough: whole on its row
    fits(out, 120)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "suggest", str(root))
    assert code == 0
    fits(out, 80)
    assert "…/generated-output" not in out and "…" not in LONG
    # too long for 80 columns beside its figures: it breaks after a '/', nothing left out
    assert broken_line(out) == LONG, out
    code, out, _ = run(capsys, "suggest", str(root), "--write", "--include-review")
    assert code == 0 and "written:" in out
    fits(out, 80)
    assert broken_line(out) == LONG, out
    assert LONG in (root / ".dockerignore").read_text(encoding="utf-8").splitlines()


def broken_line(out: str) -> str:
    """The ignore line of the row that starts with ``packages/``, from its two pieces."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("packages/"))
    head, rest = lines[at].split()[0], lines[at + 1].split()[0]
    assert head.endswith("/")
    return head + rest


def test_a_held_back_line_another_covers_is_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # '**/node_modules' (dependencies) removes all that the package's .gitignore line does
    nested = "packages/pkg/**/node_modules"
    root = make_tree(
        tmp_path / "p",
        {
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "package.json": "{}\n",
            "node_modules/dep/index.js": 200_000,
            "packages/pkg/.gitignore": "node_modules\n",
            "packages/pkg/node_modules/x/index.js": 3000,
        },
    )
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(capsys, "suggest", str(root))
    assert code == 0
    assert "\n**/node_modules  " in out and nested not in out, out
    # written together, the covered line is dropped as redundant too: the list said what is written
    code, out, _ = run(capsys, "suggest", str(root), "--dry-run", "--include-review")
    assert "+**/node_modules" in out and nested not in out, out


def test_init_fits_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    root = node_project(tmp_path / "p", compose=False)
    code, out, _ = run(capsys, "init", str(root))
    assert code == 0
    assert "guard lines (unmistakable junk" in out and "held back" in out
    fits(out, 80)
    # every guard line whole, as the file holds it
    guards = out[out.index("guard lines") : out.index("\n\n", out.index("guard lines"))]
    listed = " ".join(guards.split(": ", 1)[1].split()).split(", ")
    written = (root / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert listed and set(listed) <= set(written), listed


def test_notes_and_headers_wrap_to_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    root = make_tree(
        tmp_path / "a-context-with-a-name",
        {
            "compose.yaml": "services:\n  db:\n    image: postgres\n",
            "docker/deeper/directory/Dockerfile.debian": "FROM scratch\nCOPY app.py /\n",
            "app.py": "print(1)\n",
            ".dockerignore": "*.tmp\n",
        },
    )
    monkeypatch.chdir(root)
    code, out, err = run(capsys, "scan", ".", "-f", "docker/deeper/directory/Dockerfile.debian", "--fail-on", "never")
    assert code == 0
    fits(out, 60)
    assert "Dockerfile docker/deeper/directory/Dockerfile.debian" in " ".join(out.split())
    monkeypatch.setenv("COLUMNS", "60")
    code, out, err = run(capsys, "scan", ".", "--fail-on", "never", "--no-progress")
    assert "declares no builds" in " ".join(err.split())
    fits(err, 60)
    # without a width (a log), the note stays one line
    monkeypatch.delenv("COLUMNS")
    code, out, err = run(capsys, "scan", ".", "--fail-on", "never", "--no-progress")
    assert any("declares no builds" in line and "plain context" in line for line in err.splitlines()), err


def test_project_summary_fits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | bytes | int] = {
        "compose.yaml": "services:\n  excalidraw-web:\n    build: .\n",
        "Dockerfile": "FROM scratch\nCOPY . /\n",
        ".dockerignore": "*.tmp\n",
    }
    files.update({f"src/f{i}.js": 10_000 for i in range(1200)})
    root = make_tree(tmp_path / "p", files)
    monkeypatch.chdir(root)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "scan", ".", "--fail-on", "never", "--no-progress")
    assert code == 0
    summary = out[out.index("Project summary") :]
    fits(summary, 80)
    assert "1,203 files" in " ".join(summary.split())


STAGES = """\
FROM scratch AS version
RUN --mount=type=bind,target=/src true
FROM scratch AS app
COPY --from=version /etc /etc
COPY app.py /
FROM scratch AS only-app
COPY app.py /
FROM scratch AS integration-test
COPY . /src/
"""


@pytest.mark.parametrize(
    ("target", "reader"),
    [
        ("app", "RUN --mount=type=bind (line 2) mounts the whole context"),
        ("integration-test", "COPY . (line 9) takes the whole context"),
        # no stage it builds reads the whole context: the reader another target builds, said so
        (
            "only-app",
            "COPY . (line 9, stage integration-test: not built for only-app, another target builds it) "
            "takes the whole context",
        ),
    ],
)
def test_a_held_back_reason_cites_a_stage_the_target_builds(
    target: str, reader: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(tmp_path / "p", {"Dockerfile": STAGES, "app.py": "print(1)\n", "data/big.csv": 50_000})
    monkeypatch.chdir(root)
    for args in (["-f", "Dockerfile", "--target", target], ["--bake", str(root / "bake.hcl"), "--target-name", target]):
        (root / "bake.hcl").write_text(f'target "{target}" {{\n  target = "{target}"\n}}\n', encoding="utf-8")
        monkeypatch.delenv("COLUMNS", raising=False)
        code, out, err = run(capsys, "suggest", str(root), *args)
        assert code == 0, err
        flat = " ".join(out.split())
        assert "**/*.csv review" in flat and f"not written: {reader}: the build may read it" in flat, out


def test_target_in_a_bake_project_is_the_stage_of_every_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--target in a Bake project sets every build's stage, as `docker buildx bake --set *.target=`."""
    root = make_tree(
        tmp_path / "p",
        {
            "Dockerfile": "FROM scratch AS binaries\nCOPY app.py /\nFROM scratch AS integration-test\nCOPY . /src/\n",
            "app.py": "print(1)\n",
            "tests/t.py": 40_000,
            "docker-bake.hcl": 'group "default" {\n  targets = ["binaries"]\n}\n'
            'target "binaries" {\n  target = "binaries"\n}\n',
        },
    )
    monkeypatch.chdir(root)
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, err = run(capsys, "scan", ".", "--no-progress", "--fail-on", "never", "--full")
    assert code == 0, err
    assert "· target binaries" in out and "builds stage 'binaries'" in " ".join(out.split())
    code, out, err = run(
        capsys, "scan", ".", "--no-progress", "--fail-on", "never", "--full", "--target", "integration-test"
    )
    assert code == 0, err
    flat = " ".join(out.split())
    assert "· target integration-test" in out and "· target binaries" not in out, out
    assert "builds stage 'integration-test'" in flat and "stage 'binaries' is not built" in flat
    assert "--target integration-test: the stage built for every target" in flat
    # the image is the integration-test stage's: it holds the whole context
    row = next(line for line in out.splitlines() if line.startswith("binaries "))
    assert "0 B" not in row.split()[-3:], row
    # the build's inputs line wraps to the terminal (buildx's was 104 wide)
    bake = 'target "binaries" {\n  target = "binaries"\n  args = {\n'
    bake += "".join(f'    BUILD_ARGUMENT_NUMBER_{i} = "a-value"\n' for i in range(4)) + "  }\n}\n"
    (root / "docker-bake.hcl").write_text('group "default" {\n  targets = ["binaries"]\n}\n' + bake, encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, "scan", ".", "--no-progress", "--fail-on", "never")
    assert code == 0, err
    assert "args BUILD_ARGUMENT_NUMBER_0=a-value" in " ".join(out.split())
    fits(out, 80)


def rust_project(root: Path, dockerfile: str, target: bool) -> Path:
    files: dict[str, str | bytes | int] = {
        "Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\n',
        "src/main.rs": "fn main() {}\n",
        ".gitignore": "/target\n",
        "Dockerfile": dockerfile,
    }
    if target:
        files["target/debug/app"] = 4000
    return make_tree(root, files)


def test_init_rust_guards_cargos_target_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No target/ in the checkout: `target` stands guard (a Docker build often runs after a local cargo build)."""
    root = rust_project(tmp_path / "p", "FROM scratch\nCOPY . /app/\n", target=False)
    code, out, _ = run(capsys, "init", str(root), "--dry-run")
    assert code == 0
    lines = out.splitlines()
    assert "# rust (found Cargo.toml): nothing of it here yet (its guard lines are below)" in lines
    assert "target" in lines[lines.index(next(ln for ln in lines if ln.startswith("# ctxaudit: guard"))) :]
    assert "**/target" not in lines  # deeper, a directory named target may be anything


def test_init_rust_says_why_target_is_not_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = rust_project(tmp_path / "p", "FROM scratch\nCOPY . /app/\n", target=True)
    code, out, _ = run(capsys, "init", str(root), "--dry-run")
    assert code == 0
    assert (
        "# rust (found Cargo.toml): its lines remove what the build may read (held back: ctxaudit init prints them)"
        in out.splitlines()
    )
    # only the sources copied: Cargo's build output is written
    root = rust_project(tmp_path / "q", "FROM scratch\nCOPY Cargo.toml /app/\nCOPY src /app/src\n", target=True)
    code, out, _ = run(capsys, "init", str(root), "--dry-run")
    lines = out.splitlines()
    rust = lines.index("# rust (found Cargo.toml)")
    assert "target" in lines[rust + 1 : rust + 3] or "**/target" in lines[rust + 1 : rust + 3], out
