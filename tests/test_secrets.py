"""CA4xx: what is a secret (name, then content), what "sent" means per builder, repository history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.classify import secrets
from ctxaudit.cli import main

BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" * 20  # base64-looking filler, not a key


def pem(kind: str) -> str:
    return f"-----BEGIN {kind}-----\n{BODY}\n-----END {kind}-----\n"


CERT = pem("CERTIFICATE")
PRIVATE = pem("PRIVATE KEY")
SA_KEY = json.dumps(
    {
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": "0" * 40,
        "private_key": PRIVATE,
        "client_email": "x@demo.iam.gserviceaccount.com",
    },
    indent=2,
)


@pytest.mark.parametrize(
    "path,content,secret",
    [
        # PEM files: only a private-key block makes a secret
        ("certs/cacert.pem", CERT * 3, False),
        ("ca-bundle.pem", CERT * 2, False),
        ("fullchain.pem", CERT * 2, False),
        ("public.pem", pem("PUBLIC KEY"), False),
        ("dhparam.pem", pem("DH PARAMETERS"), False),
        ("csr.pem", pem("CERTIFICATE REQUEST"), False),
        ("server.pem", CERT + PRIVATE, True),
        ("rsa.pem", pem("RSA PRIVATE KEY"), True),
        ("ec.pem", pem("EC PRIVATE KEY"), True),
        ("enc.pem", pem("ENCRYPTED PRIVATE KEY"), True),
        ("bundle.pem", CERT * 300 + PRIVATE, True),  # a key after ~300 KiB of certificates
        ("tls.key", pem("OPENSSH PRIVATE KEY"), True),
        ("tls.key", CERT, False),
        ("der.key", b"\x30\x82\x04\xa4\x02\x01\x00", True),  # binary key material
        ("Slides.key", b"PK\x03\x04" + b"\0" * 100, False),  # a Keynote document
        # credential files: only with a literal credential
        (".npmrc", "legacy-peer-deps=true\nengine-strict=true\n", False),
        (".npmrc", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnop\n", True),
        (".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", False),
        (".npmrc", "_auth = dXNlcjpwYXNz\n", True),
        (".yarnrc.yml", "nodeLinker: node-modules\n", False),
        (".yarnrc.yml", 'npmScopes:\n  acme:\n    npmAuthToken: "abc123"\n', True),
        (".pypirc", "[distutils]\nindex-servers = pypi\n[pypi]\nusername = __token__\n", False),
        (".pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n", True),
        (".netrc", "machine example.com login alice\n", False),
        (".netrc", "machine example.com login alice password hunter2\n", True),
        (".s3cfg", "[default]\naccess_key =\nsecret_key =\n", False),
        (".s3cfg", "[default]\naccess_key = AKIA\nsecret_key = abc/def\n", True),
        (".my.cnf", "[client]\nuser=app\n", False),
        (".my.cnf", "[client]\nuser=app\npassword=s3cret\n", True),
        ("vpn/office.ovpn", "client\nremote vpn.example.com 1194\nca ca.crt\n", False),
        ("vpn/office.ovpn", f"client\n<key>\n{PRIVATE}</key>\n", True),
        ("credentials.json", '{"installed": {"client_id": "x", "client_secret": "GOCSPX-abc"}}', True),
        ("credentials.json", '{"endpoint": "https://example.com"}', False),
        ("home/.aws/credentials", "[default]\naws_access_key_id = AKIA\naws_secret_access_key = abc\n", True),
        ("home/.aws/credentials", "[default]\ncredential_process = /usr/bin/vault-aws\n", False),
        (".docker/config.json", '{"credsStore": "desktop"}', False),
        (".docker/config.json", '{"auths": {"ghcr.io": {"auth": "dXNlcjp0b2tlbg=="}}}', True),
        # names that are proof
        (".pgpass", "db:5432:app:app:pw\n", True),
        (".htpasswd", "admin:$apr1$x$y\n", True),
        ("vault/passwords.kdbx", b"\x03\xd9\xa2\x9a", True),
        (".vault-token", "hvs.abc\n", True),
        (".ENV", "API_TOKEN=abc123\n", True),
        ("config/.Env.Production", "DATABASE_URL=postgres://app:pw@db/app\n", True),
        # dotenv files: credentials by name or by value, not public build settings
        (".env", "DEBUG=1\nPORT=8080\n", False),
        (
            ".env.production",
            'MODE="production"\nVITE_APP_BACKEND_URL=https://api.example.com/\n'
            "VITE_APP_FIREBASE_CONFIG='{\"apiKey\":\"AIzaSyAbc\"}'\nVITE_APP_PLUS_EXPORT_PUBLIC_KEY='MIIBIjAN'\n"
            "VITE_APP_ENABLE_TRACKING=false\nTOKEN_TTL=3600\nAUTH_URL=https://auth.example.com\n",
            False,
        ),
        (".env", "NEXT_PUBLIC_STRIPE_KEY=pk_live_abc\nDB_PASSWORD=\nAPI_TOKEN=${API_TOKEN}\n", False),
        (".env", "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n", True),
        (".env.local", "APP_KEY=base64:Zm9vYmFy\n", True),
        (".env", "UPSTREAM=https://bot:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/x\n", True),
        ("deploy/prod.env", "STRIPE=sk_live_51Habcdefghij\n", True),
        ("deploy/prod.env", "REPLICAS=3\n", False),
        ("keys/ID_RSA", "x\n", True),
        ("keys/Id_Rsa.PUB", "ssh-rsa AAAA\n", False),
        (".env.example", "K=\n", False),
        # content alone, for small files of any name
        ("key.txt", PRIVATE, True),
        ("deploy/deploy_key", pem("OPENSSH PRIVATE KEY"), True),
        ("putty", "PuTTY-User-Key-File-3: ssh-ed25519\n" + BODY, True),
        ("my-project-1a2b3c4d5e6f.json", SA_KEY, True),
        ("secrets/service-account.json", SA_KEY, True),
        ("package.json", '{"name": "app", "private": true}', False),
        ("notes.txt", "remember to rotate the key\n" * 5, False),
        ("src/fixture.py", f'KEY = """{PRIVATE}"""\n', False),  # code is not a key file
        ("blob", PRIVATE + "x" * 9000, False),  # too large to sniff under any name
    ],
)
def test_secret_by_name_and_content(tmp_path: Path, path: str, content: str | bytes, secret: bool) -> None:
    make_tree(tmp_path, {path: content})
    size = (tmp_path / path).stat().st_size
    assert (secrets.judge(str(tmp_path), path, size) is not None) is secret


def test_reads_are_bounded(tmp_path: Path) -> None:
    # A private key beyond the first MiB of a .pem is not read: reads stop at PEM_READ_MAX.
    make_tree(tmp_path, {"huge.pem": CERT * 1200 + PRIVATE})
    assert (tmp_path / "huge.pem").stat().st_size > secrets.PEM_READ_MAX
    assert secrets.judge(str(tmp_path), "huge.pem", (tmp_path / "huge.pem").stat().st_size) is None


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main([*args, "-o", "json", "--no-progress", "--fail-on", "never"]) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def found(doc: dict[str, object]) -> set[tuple[str, str | None]]:
    return {(f["rule"], f["path"]) for f in doc["findings"]}  # type: ignore[index,union-attr]


def test_sent_means_transferred_by_the_chosen_builder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\nCOPY app.py /\n", "app.py": "x", ".env": "API_TOKEN=abc123\n"})
    # BuildKit transfers only app.py: the .env stays on the machine, a warning that names the risk.
    doc = scan(capsys, str(tmp_path))
    assert found(doc) == {("CA402", ".env")}
    (f,) = doc["findings"]  # type: ignore[misc]
    assert f["severity"] == "warning" and "legacy builder sends it" in f["message"] and "COPY" in f["message"]
    # The legacy builder's tar holds the whole eligible context.
    assert ("CA400", ".env") in found(scan(capsys, str(tmp_path), "-b", "legacy"))
    # Without a Dockerfile nothing tells what BuildKit transfers.
    (tmp_path / "Dockerfile").unlink()
    assert found(scan(capsys, str(tmp_path))) == {("CA402", ".env")}
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /app/\n")
    assert {("CA400", ".env"), ("CA401", "Dockerfile")} <= found(scan(capsys, str(tmp_path)))


def test_no_false_alarms_on_certificates_settings_and_dependencies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "certs/cacert.pem": CERT * 2,
            "certs/dhparam.pem": pem("DH PARAMETERS"),
            ".npmrc": "legacy-peer-deps=true\n",
            "node_modules/tls-lib/test/fixtures/server.key": PRIVATE,  # a package's test key
            ".venv/lib/site-packages/x/test.pem": PRIVATE,
        },
    )
    doc = scan(capsys, str(tmp_path))
    assert not [f for f in doc["findings"] if f["rule"].startswith("CA4")]  # type: ignore[index,union-attr]
    assert "secret" not in doc["by_kind"]  # type: ignore[operator]


def test_secrets_found_by_content_are_reported_and_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "npm_SUPERSECRETVALUE0123456789"
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "key.txt": PRIVATE,
            "gcp-1a2b3c4d5e6f.json": SA_KEY,
            ".npmrc": f"//registry.npmjs.org/:_authToken={token}\n",
        },
    )
    doc = scan(capsys, str(tmp_path))
    assert {("CA400", "key.txt"), ("CA400", "gcp-1a2b3c4d5e6f.json"), ("CA400", ".npmrc")} <= found(doc)
    assert doc["by_kind"]["secret"]["files"] == 3  # type: ignore[index]
    for fmt in ("table", "json", "sarif", "markdown"):
        assert main([str(tmp_path), "-o", fmt, "--no-progress", "--fail-on", "never"]) == 0
        out = capsys.readouterr().out
        assert token not in out and BODY[:40] not in out and "npm_" not in out


def git_tree(tmp_path: Path, dockerfile: str) -> Path:
    return make_tree(
        tmp_path,
        {"Dockerfile": dockerfile, "app.py": "x", ".git/HEAD": "ref: refs/heads/main\n", ".git/config": "[core]\n"},
    )


@pytest.mark.parametrize(
    "dockerfile,builder,expected",
    [
        ("FROM scratch\nCOPY app.py /\n", "buildkit", set()),  # not transferred: nothing to say
        ("FROM scratch\nCOPY app.py /\n", "legacy", {("CA403", ".git")}),  # in the tar, not in the image
        ("FROM scratch\nCOPY . /app/\n", "buildkit", {("CA403", ".git"), ("CA404", "Dockerfile")}),
        # in a build stage only: transferred, not in the final image
        (
            "FROM scratch AS b\nCOPY . /src/\nFROM scratch\nCOPY --from=b /src/app.py /\n",
            "buildkit",
            {("CA403", ".git")},
        ),
        # used on purpose: RUN git after the COPY that takes it, or a bind mount of .git
        ("FROM scratch\nCOPY . /src/\nRUN git -C /src describe --tags > /version\n", "buildkit", set()),
        (
            "FROM scratch\nRUN --mount=type=bind,source=.git,target=/src/.git git -C /src rev-parse HEAD\n",
            "buildkit",
            set(),
        ),
        ("FROM scratch\nRUN --mount=type=bind,target=/src cd /src && git log -1 > /v\n", "buildkit", set()),
    ],
)
def test_repository_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dockerfile: str, builder: str, expected: set[tuple[str, str]]
) -> None:
    doc = scan(capsys, str(git_tree(tmp_path, dockerfile)), "-b", builder)
    assert {(r, p) for r, p in found(doc) if r.startswith("CA4")} == expected
    for f in doc["findings"]:  # type: ignore[attr-defined]
        assert f["severity"] == {"CA403": "warning", "CA404": "error"}.get(f["rule"], f["severity"])


def test_pre_commit_hook_passes_a_repository_that_copies_narrow_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = git_tree(tmp_path, "FROM scratch\nCOPY app.py /\n")
    assert main([str(ctx), "--no-progress"]) == 0  # the hook's command: scan --fail-on error


@pytest.mark.parametrize(
    "dockerfile,copied",
    [
        # a build stage copies the secret somewhere else with RUN cp, the final stage takes that place
        (
            "FROM scratch AS build\nCOPY . /src\nRUN cp /src/config/.env /app/.env\n"
            "FROM scratch\nCOPY --from=build /app /app\n",
            ["config/.env"],
        ),
        (
            "FROM scratch AS build\nWORKDIR /src\nCOPY config/ ./config/\nRUN mkdir /out && cp -r config /out/\n"
            "FROM scratch\nCOPY --from=build /out/config /etc/app\n",
            ["config/.env"],
        ),
        (
            "FROM scratch AS build\nCOPY keys/ /k/\nRUN mv /k/id_rsa /root/.ssh/id_rsa\n"
            "FROM scratch\nCOPY --from=build /root/.ssh /root/.ssh\n",
            ["keys/id_rsa"],
        ),
        # what the RUN copied is not a secret, or the final stage takes another path
        (
            "FROM scratch AS build\nCOPY . /src\nRUN cp /src/app.py /app/app.py\n"
            "FROM scratch\nCOPY --from=build /app /app\n",
            [],
        ),
        (
            "FROM scratch AS build\nCOPY . /src\nRUN cp /src/config/.env /tmp/.env\n"
            "FROM scratch\nCOPY --from=build /app /app\n",
            [],
        ),
    ],
)
def test_secret_through_run_cp_and_copy_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dockerfile: str, copied: list[str]
) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "app.py": "x",
            "config/.env": "API_TOKEN=abc123\n",
            "config/app.ini": "a=1\n",
            "keys/id_rsa": "k",
        },
    )
    doc = scan(capsys, str(tmp_path))
    hits = [f for f in doc["findings"] if f["rule"] == "CA401"]  # type: ignore[union-attr]
    if not copied:
        assert hits == []
        return
    (f,) = hits
    assert f["line"] == dockerfile.count("\n") and all(p in f["message"] for p in copied)


def test_keys_in_test_and_example_directories_are_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\nCOPY . /app/\n",
            "apps/web/example/cert.p12": b"\x30\x82",
            "tests/fixtures/server.key": PRIVATE,
            "deploy/server.key": PRIVATE,
        },
    )
    doc = scan(capsys, str(tmp_path))
    got = {(f["rule"], f["path"], f["severity"]) for f in doc["findings"] if f["rule"].startswith("CA4")}  # type: ignore[index,union-attr]
    assert got == {
        ("CA405", "apps/web/example/cert.p12", "warning"),
        ("CA405", "tests/fixtures/server.key", "warning"),
        ("CA405", "Dockerfile", "warning"),
        ("CA400", "deploy/server.key", "error"),
        ("CA401", "Dockerfile", "error"),
    }
    (f,) = [f for f in doc["findings"] if f["rule"] == "CA401"]  # type: ignore[union-attr,index]
    assert "deploy/server.key" in f["message"] and "tests/" not in f["message"]
    # Left on the machine (BuildKit transfers only app.py), test keys are not worth a word; real ones are.
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY deploy/README /\n")
    (tmp_path / "deploy/README").write_text("x")
    doc = scan(capsys, str(tmp_path))
    got = {(f["rule"], f["path"]) for f in doc["findings"] if f["rule"].startswith("CA4")}  # type: ignore[index,union-attr]
    assert got == {("CA402", "deploy/server.key")}


def test_name_reason_quick_test_misses_no_name() -> None:
    """name_reason settles most names by a few string tests; it must find every name the full lookup finds."""
    from ctxaudit.classify import secrets as s

    stems = ["", "a", "server", "prod", "x.y", "ID_RSA", "id_rsa", ".env", "Credentials", "config", "kubeconfig"]
    tails = [
        *s.CERTAIN_NAMES,
        *s.SUGGESTIVE_NAMES,
        *s._PATH_NAMES,
        *s._SUFFIXES,
        *(t.upper() for t in s._SUFFIXES),
        ".env.local",
        "_ed25519.pub",
        ".key.example",
        ".js",
        ".py",
        "",
    ]
    names = {f"{stem}{tail}" for stem in stems for tail in tails} | {
        f"{stem}.{tail}" for stem in stems for tail in tails
    }
    assert len(names) > 500
    for name in names:
        for path in (name, f"dir/.aws/{name}", f".docker/{name}"):
            full = s._by_name(path)
            assert s.name_reason(path) == (None if full is None else full[0]), path
