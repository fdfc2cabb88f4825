"""RUN lines read as shell (ctxaudit.dockerfile.shell, on tree-sitter-bash).

Each case is a short RUN written after a real one (docker-library, nodejs,
postgres, redis, php images, the projects under /work/projects) or after a
grammar bug. The expected commands are what bash runs: where bashlex (the
parser before) and tree-sitter-bash read a line differently, this is the
correct answer, checked by hand against bash's quoting rules. A command is
written as its ``VAR=value`` prefixes, its words after quote removal, then
``> target`` for each file it writes with ``>`` or ``>>``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from ctxaudit.dockerfile.model import build_model
from ctxaudit.dockerfile.shell import Command, parse, run_script


def _render(c: Command) -> list[str]:
    return [f"{k}={v}" for k, v in c.env.items()] + c.words + [f"> {r}" for r in c.redirects]


CASES = [
    (
        "apt chain",
        (
            "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y"
            " --no-install-recommends curl && rm -rf /var/lib/apt/lists/*"
        ),
        [
            ["apt-get", "update"],
            ["DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "curl"],
            ["rm", "-rf", "/var/lib/apt/lists/*"],
        ],
        False,
    ),
    (
        "case arms",
        (
            'RUN ARCH= && dpkgArch="$(dpkg --print-architecture)" && case "${dpkgArch##*-}" in'
            " amd64) ARCH='x64';; *) echo \"unsupported architecture\"; exit 1 ;; esac"
        ),
        [
            ["ARCH="],
            ["dpkgArch=$(dpkg --print-architecture)"],
            ["dpkg", "--print-architecture"],
            ["ARCH=x64"],
            ["echo", "unsupported architecture"],
            ["exit", "1"],
        ],
        False,
    ),
    (
        "pipeline in substitution",
        "RUN arch=\"$(dpkg --print-architecture | awk -F- '{ print $NF }')\"; echo >&2 \"error: unsupported: '$arch'\"",
        [
            ["arch=$(dpkg --print-architecture | awk -F- '{ print $NF }')"],
            ["dpkg", "--print-architecture"],
            ["awk", "-F-", "{ print $NF }"],
            ["echo", "error: unsupported: '$arch'"],
        ],
        False,
    ),
    (
        "find -exec bash -c",
        (
            "RUN find /usr -name '*.pyc' -type f -exec bash -c 'for pyc; do dpkg -S \"$pyc\" &>"
            " /dev/null || rm -vf \"$pyc\"; done' -- '{}' +"
        ),
        [
            [
                "find",
                "/usr",
                "-name",
                "*.pyc",
                "-type",
                "f",
                "-exec",
                "bash",
                "-c",
                'for pyc; do dpkg -S "$pyc" &> /dev/null || rm -vf "$pyc"; done',
                "--",
                "{}",
                "+",
            ],
            ["dpkg", "-S", "$pyc"],
            ["rm", "-vf", "$pyc"],
        ],
        False,
    ),
    (
        "sh -euxc bundle",
        "RUN find /usr/local -type f -perm '/0111' -exec sh -euxc 'strip --strip-all \"$@\" || :' -- '{}' +",
        [
            [
                "find",
                "/usr/local",
                "-type",
                "f",
                "-perm",
                "/0111",
                "-exec",
                "sh",
                "-euxc",
                'strip --strip-all "$@" || :',
                "--",
                "{}",
                "+",
            ],
            ["strip", "--strip-all", "$@"],
            [":"],
        ],
        False,
    ),
    (
        "bash -o pipefail -c",
        'RUN ["bash", "-o", "pipefail", "-c", "curl -fsSL x | tar -xz && rm -rf /tmp/x"]',
        [["curl", "-fsSL", "x"], ["tar", "-xz"], ["rm", "-rf", "/tmp/x"]],
        False,
    ),
    (
        "backslash in double quotes",
        (
            "RUN sed -ri \"s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = '*'!\" /etc/pg.conf.sample;"
            ' echo "\\ninclude x;" >> /etc/nginx/nginx.conf'
        ),
        [
            ["sed", "-ri", "s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = '*'!", "/etc/pg.conf.sample"],
            ["echo", "\\ninclude x;", "> /etc/nginx/nginx.conf"],
        ],
        False,
    ),
    (
        "single quotes inside double",
        "RUN CGO_ENABLED=0 go build -ldflags=\"-s -w -extldflags '-static'\" -o app ./cmd/app",
        [["CGO_ENABLED=0", "go", "build", "-ldflags=-s -w -extldflags '-static'", "-o", "app", "./cmd/app"]],
        False,
    ),
    (
        "escaped dollar in double quotes",
        'RUN grep " node-v$NODE_VERSION.tar.xz\\$" SHASUMS256.txt | sha256sum -c -',
        [["grep", " node-v$NODE_VERSION.tar.xz$", "SHASUMS256.txt"], ["sha256sum", "-c", "-"]],
        False,
    ),
    (
        "cut with a quoted space",
        "RUN serverMd5=\"$(md5sum /usr/local/bin/redis-server | cut -d' ' -f1)\"",
        [
            ["serverMd5=$(md5sum /usr/local/bin/redis-server | cut -d' ' -f1)"],
            ["md5sum", "/usr/local/bin/redis-server"],
            ["cut", "-d ", "-f1"],
        ],
        False,
    ),
    (
        "for and if keywords",
        (
            'RUN for key in A1 B2; do gpg --batch --recv-keys "$key" || gpg --keyserver x'
            ' --recv-keys "$key"; done; if [ -n "$tempDir" ]; then apt-get purge -y'
            ' --auto-remove; rm -rf "$tempDir"; fi'
        ),
        [
            ["gpg", "--batch", "--recv-keys", "$key"],
            ["gpg", "--keyserver", "x", "--recv-keys", "$key"],
            ["[", "-n", "$tempDir", "]"],
            ["apt-get", "purge", "-y", "--auto-remove"],
            ["rm", "-rf", "$tempDir"],
        ],
        False,
    ),
    (
        "function definition",
        "RUN _update_repo() { dpkg-scanpackages . > Packages; }; _update_repo",
        [["dpkg-scanpackages", ".", "> Packages"], ["_update_repo"]],
        False,
    ),
    (
        "export with assignments",
        "RUN export CFLAGS=\"$PHP_CFLAGS\" PHP_UNAME='Linux - Docker'; unset CFLAGS",
        [["export", "CFLAGS=$PHP_CFLAGS", "PHP_UNAME=Linux - Docker"], ["unset", "CFLAGS"]],
        False,
    ),
    (
        "awk program",
        'RUN awk \'$1 == "#define" && $2 == "DIR" { $3 = "\\"/run\\""; print; next } { print }\' a.h > a.h.new',
        [["awk", '$1 == "#define" && $2 == "DIR" { $3 = "\\"/run\\""; print; next } { print }', "a.h", "> a.h.new"]],
        False,
    ),
    (
        "test in substitution argument",
        "RUN apk add --no-cache bash $([ \"$(apk --print-arch)\" != 'ppc64le' ] && echo 'nss_wrapper')",
        [
            ["apk", "add", "--no-cache", "bash", "$([ \"$(apk --print-arch)\" != 'ppc64le' ] && echo 'nss_wrapper')"],
            ["[", "$(apk --print-arch)", "!=", "ppc64le", "]"],
            ["apk", "--print-arch"],
            ["echo", "nss_wrapper"],
        ],
        False,
    ),
    (
        "arithmetic",
        "RUN make -j$(( $(nproc) * 2 )) && echo $((1 + 2)) > /tmp/n",
        [["make", "-j$(( $(nproc) * 2 ))"], ["nproc"], ["echo", "$((1 + 2))", "> /tmp/n"]],
        False,
    ),
    (
        "ansi-c quoting",
        "RUN printf $'line1\\nline2\\x41' > /etc/motd",
        [["printf", "line1\nline2A", "> /etc/motd"]],
        False,
    ),
    (
        "double brackets",
        "RUN [[ -f /app/x ]] && rm /app/x",
        [["[[", "-f", "/app/x", "]]"], ["rm", "/app/x"]],
        False,
    ),
    (
        "redirect after a list (tree-sitter-bash#345)",
        "RUN cd /src && make > /tmp/build.log | tee",
        [["cd", "/src"], ["make", "> /tmp/build.log"], ["tee"]],
        False,
    ),
    (
        "words after a redirect (tree-sitter-bash#233)",
        "RUN find / -name '*.pyc' 2>/dev/null -delete",
        [["find", "/", "-name", "*.pyc", "-delete", "> /dev/null"]],
        False,
    ),
    (
        "buildkit history line",
        "RUN |1 MODE=755 /bin/sh -c chmod 700 a.txt # buildkit",
        [["1", "MODE=755", "/bin/sh", "-c", "chmod", "700", "a.txt"]],
        True,
    ),
    (
        "unterminated quote",
        'RUN echo "oops && rm -rf /tmp/x',
        [["echo"]],
        True,
    ),
    (
        "heredoc script",
        (
            "RUN <<EOF\nset -ex\nfor a in ${LIST}; do\n  if [ \"$a\" = x ]; then\n    cat <<'eot' >"
            " cmd/$a/main.go\npackage main\nrm -rf /not/a/command\neot\n  fi\n  go build -o /out/$a"
            " ./cmd/$a\ndone\nEOF"
        ),
        [
            ["set", "-ex"],
            ["[", "$a", "=", "x", "]"],
            ["cat", "> cmd/$a/main.go"],
            ["go", "build", "-o", "/out/$a", "./cmd/$a"],
        ],
        False,
    ),
    (
        "heredoc fed to cat is data",
        'RUN cat <<EOF >> "${HOME}/.bashrc"\nORACLE_HOME=/usr/lib/oracle\nexport PATH\nEOF',
        [["cat", "> ${HOME}/.bashrc"]],
        False,
    ),
    (
        "heredoc fed to python is data",
        "RUN cd /src && python3 - <<'PY'\nimport os\nos.remove('x')\nPY",
        [["cd", "/src"], ["python3", "-"]],
        False,
    ),
    (
        "heredoc before the shell",
        "RUN <<EOF bash\napt-get update\nrm -rf /var/lib/apt/lists/*\nEOF",
        [["bash"], ["apt-get", "update"], ["rm", "-rf", "/var/lib/apt/lists/*"]],
        False,
    ),
    (
        "shell reading a heredoc",
        "RUN bash -e <<'EOF'\npip install \\\n  fla\\\nsk\nEOF",
        [["bash", "-e"], ["pip", "install", "flask"]],
        False,
    ),
    (
        "sh -s reads a heredoc",
        "RUN sh -s <<EOF\nchmod -R 755 /app\nEOF",
        [["sh", "-s"], ["chmod", "-R", "755", "/app"]],
        False,
    ),
    (
        "heredoc then more commands",
        "RUN cat > /etc/app.conf <<'CONF' && chmod 600 /etc/app.conf\nport=8080\nCONF",
        [["cat", "> /etc/app.conf"], ["chmod", "600", "/etc/app.conf"]],
        False,
    ),
    (
        "exec form",
        'RUN ["/usr/bin/apt-get", "install", "-y", "curl"]',
        [["/usr/bin/apt-get", "install", "-y", "curl"]],
        False,
    ),
]


@pytest.mark.parametrize(("run", "commands", "approximate"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_run_commands(run: str, commands: list[list[str]], approximate: bool) -> None:
    (r,) = build_model("FROM scratch\n" + run + "\n").stages[0].runs
    script = run_script(r)
    assert [_render(c) for c in script.commands] == commands
    assert script.approximate is approximate


def test_long_chains_and_deep_nesting_do_not_exhaust_the_stack() -> None:
    # `a && b && c` is one tree level per operator: 5,000 of them in one RUN
    chain = parse(" && ".join(f"echo {i}" for i in range(5000)))
    assert len(chain.commands) == 5000 and chain.commands[-1].words == ["echo", "4999"]
    assert not chain.approximate
    deep = parse("(" * 3000 + "rm -rf /x" + ")" * 3000)
    assert deep.approximate  # read as far as the stack allows, and said so


def test_nested_shells_are_parsed_to_three_levels() -> None:
    script = parse('sh -c "bash -c \'dash -c \\"zsh -c rm\\"\'"')
    assert [c.name for c in script.commands] == ["sh", "bash", "dash", "zsh"]


def test_the_parser_is_loaded_only_when_a_run_is_read() -> None:
    code = (
        "import sys, ctxaudit.cli, ctxaudit.pipeline;"
        "print('tree_sitter' in sys.modules);"
        "from ctxaudit.dockerfile.shell import parse; parse('true');"
        "print('tree_sitter' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_each_run_is_parsed_once_however_many_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # The rules ask for a RUN's script several times; a cache of 4,096 scripts
    # re-parsed every RUN of a longer Dockerfile on each question.
    from ctxaudit.dockerfile import shell

    parsed: list[str] = []
    real = shell.parse
    monkeypatch.setattr(shell, "parse", lambda text, *a: parsed.append(text) or real(text, *a))
    shell._run_script.cache_clear()
    runs = build_model("FROM scratch\n" + "".join(f"RUN echo run{i}\n" for i in range(5000))).stages[0].runs
    for _ in range(2):
        for r in runs:
            run_script(r)
    assert len(parsed) == 5000
