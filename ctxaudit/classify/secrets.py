"""Which context files are secrets: by name, confirmed by content where the
name alone is no proof, and by content alone for small files of any name.

One table for the secret kind of ``kinds`` and the CA4xx rules. Three kinds
of evidence, cheapest first:

* a name that is proof (``id_rsa``, ``*.kdbx``, ``.pgpass``...): no read;
* a name that only suggests (``.env``, ``*.pem``, ``*.key``, ``.npmrc``,
  ``.pypirc``, ``.netrc``, ``credentials.json``, ``*.ovpn``...): the first
  bytes are read and decide. A PEM file holding only ``CERTIFICATE``,
  ``PUBLIC KEY`` or ``DH PARAMETERS`` blocks is not a secret; an ``.npmrc``
  with settings only (``legacy-peer-deps=true``, or a token written as
  ``${NPM_TOKEN}``) is not; a ``.env`` of public build settings (URLs,
  flags) is not;
* any other small file (at most :data:`SNIFF_ANY_MAX` bytes, no code or
  document suffix): a PEM private-key header or a GCP service-account key
  (``"type": "service_account"`` with a ``private_key``) in its first
  :data:`HEAD_BYTES` makes it one.

Names are compared case-insensitively (``.ENV``, ``ID_RSA``). Reads are
bounded (:data:`READ_MAX`, :data:`PEM_READ_MAX`) and no value read is ever
returned or printed: a verdict is a fixed reason string. A file that cannot
be read is judged by its name (the build fails on it anyway: CA100).

A ``.git`` directory is not a secret file; :func:`git_root` finds it for the
VCS rules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from . import suffixes

HEAD_BYTES = 4096  # what is read of a file of any name
SNIFF_ANY_MAX = 8192  # files of any name at most this large are sniffed (an RSA-8192 PEM key is ~6.4 KiB)
READ_MAX = 64 * 1024  # credential files (.npmrc, credentials.json...) read at most this much
PEM_READ_MAX = 1024 * 1024  # *.pem / *.key scanned this far for a private-key block (CA bundles are ~220 KiB)

_SSH = "SSH private key"

# Names that are proof: no read needed (lower case).
CERTAIN_NAMES = {
    ".git-credentials": "git credentials",
    ".dockercfg": "registry credentials",
    "kubeconfig": "Kubernetes credentials",
    ".pgpass": "PostgreSQL password file",
    ".htpasswd": "htpasswd password hashes",
    ".vault-token": "Vault token",
    "id_rsa": _SSH,
    "id_dsa": _SSH,
    "id_ecdsa": _SSH,
    "id_ed25519": _SSH,
}
CERTAIN_SUFFIXES = {
    ".p12": "PKCS#12 keystore",
    ".pfx": "PKCS#12 keystore",
    ".jks": "Java keystore",
    ".keystore": "Java keystore",
    ".kdbx": "KeePass database",
    ".kubeconfig": "Kubernetes credentials",
    ".tfstate": "Terraform state",
    ".tfstate.backup": "Terraform state",
}
CERTAIN_PATHS = {
    ".kube/config": "Kubernetes credentials",
}
_SSH_PREFIXES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
NOT_SECRET_SUFFIXES = (".example", ".sample", ".template", ".dist", ".pub")

# A PEM private key of any flavour (PKCS#1, PKCS#8, encrypted, EC, DSA, OpenSSH, PGP), PuTTY and
# OpenVPN static keys. Certificates, public keys, DH/EC parameters and CSRs do not match.
_PRIVATE = re.compile(
    rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|-----BEGIN OpenVPN Static key|PuTTY-User-Key-File-"
)
_PEM = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----")
_SERVICE_ACCOUNT = re.compile(rb'"type"\s*:\s*"service_account"')
_PRIVATE_KEY_FIELD = re.compile(rb'"private_key"\s*:\s*"-----BEGIN')
_PLACEHOLDER = re.compile(rb"^[\"']?\$\{?[A-Za-z_][A-Za-z0-9_]*\}?[\"']?$")  # ${NPM_TOKEN}, $TOKEN


def _assignment(*keys: str, sep: bytes = rb"[=:]") -> Callable[[bytes], bool]:
    """A ``key = value`` line whose value is literal (not empty, not a ``${VAR}`` placeholder)."""
    names = b"|".join(re.escape(k.encode()) for k in keys)
    line = re.compile(rb"^[ \t]*(?:[^\s=#;]*:)?(?:" + names + rb")[ \t]*" + sep + rb"[ \t]*(.*?)[ \t\r]*$", re.M | re.I)

    def test(data: bytes) -> bool:
        return any(v and not _PLACEHOLDER.match(v) for v in line.findall(data))

    return test


def _json_field(*keys: str) -> Callable[[bytes], bool]:
    """A JSON string field with a non-empty value."""
    names = b"|".join(re.escape(k.encode()) for k in keys)
    field = re.compile(rb'"(?:' + names + rb')"\s*:\s*"([^"]+)"', re.I)
    return lambda data: any(not _PLACEHOLDER.match(v) for v in field.findall(data))


_NETRC_PASSWORD = re.compile(rb"(?:^|\s)password\s+\S", re.M)
_OVPN_KEY = re.compile(rb"<(?:key|secret|tls-auth|tls-crypt|tls-crypt-v2)>", re.I)


def _private_key(data: bytes) -> bool:
    # Substring tests first: most files hold neither marker, and `in` is much cheaper than the regex.
    return (b"-----BEGIN" in data or b"PuTTY-User-Key-File-" in data) and _PRIVATE.search(data) is not None


def _service_account(data: bytes) -> bool:
    return (
        b"service_account" in data
        and _SERVICE_ACCOUNT.search(data) is not None
        and _PRIVATE_KEY_FIELD.search(data) is not None
    )


# A dotenv line "NAME=value" (optionally "export NAME=value"), value unquoted or quoted.
_DOTENV_LINE = re.compile(rb"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*(.*?)[ \t\r]*$", re.M)
# Names that hold credentials: the last word says so (not when marked public, as front-end build
# variables are): DB_PASSWORD, API_TOKEN, APP_KEY, AWS_SECRET_ACCESS_KEY; not TOKEN_TTL, AUTH_URL.
_CREDENTIAL_NAME = re.compile(
    rb"(?:SECRET|TOKEN|PASSW(?:OR)?D|PASS|PWD|PASSPHRASE|(?:^|_)KEY|APIKEY|CREDENTIALS?|SECRET_KEY_BASE)$", re.I
)
_PUBLIC_NAME = re.compile(rb"PUBLIC|PUBLISHABLE", re.I)
# Values that are credentials whatever their name: a password in a URL, well-known token formats.
_CREDENTIAL_VALUE = re.compile(
    rb"://[^/\s:@'\"]+:[^/\s@'\"]+@|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_|"
    rb"\b[sr]k_(?:live|test)_[A-Za-z0-9]{8,}|\bxox[abprs]-|\bglpat-|\bnpm_[A-Za-z0-9]{30,}|\bSG\.[\w-]{16,}|"
    rb"-----BEGIN [A-Z ]*PRIVATE KEY"
)


def _dotenv(data: bytes) -> bool:
    """A dotenv file that assigns a credential: a literal value to a name whose last word
    marks one (``DB_PASSWORD``, ``API_TOKEN``, ``APP_KEY``; not ``NEXT_PUBLIC_..._KEY`` nor
    ``TOKEN_TTL``), or a value
    that is one (``postgres://user:pw@``, ``AKIA...``, ``ghp_...``, ``sk_live_...``).
    Public build settings (URLs, flags, ports) are not secrets."""
    for name, value in _DOTENV_LINE.findall(data):
        literal = value.strip(b"'\"")
        if not literal or _PLACEHOLDER.match(value):
            continue
        if _CREDENTIAL_VALUE.search(value):
            return True
        if _CREDENTIAL_NAME.search(name) and not _PUBLIC_NAME.search(name):
            return True
    return _private_key(data)


def _key_file(data: bytes) -> bool:
    """``*.key``: a PEM private key, or binary key material (DER) -- not a PEM of public
    material, not an empty file, not a Keynote document (a zip)."""
    if _PEM.search(data):
        return _private_key(data)
    return bool(data.strip()) and not data.startswith(b"PK\x03\x04")


# Names that only suggest a secret: (reason, bytes to read, content test).
Sniffer = tuple[str, int, Callable[[bytes], bool]]
_DOTENV: Sniffer = ("dotenv file with credentials", READ_MAX, _dotenv)
SUGGESTIVE_NAMES: dict[str, Sniffer] = {
    ".env": _DOTENV,
    ".npmrc": ("npm credentials", READ_MAX, _assignment("_authToken", "_auth", "_password", "password")),
    ".yarnrc.yml": ("npm credentials", READ_MAX, _assignment("npmAuthToken", "npmAuthIdent", sep=rb":")),
    ".pypirc": ("PyPI credentials", READ_MAX, _assignment("password")),
    ".netrc": ("netrc credentials", READ_MAX, lambda d: _NETRC_PASSWORD.search(d) is not None),
    "_netrc": ("netrc credentials", READ_MAX, lambda d: _NETRC_PASSWORD.search(d) is not None),
    ".s3cfg": ("S3 credentials", READ_MAX, _assignment("secret_key", "access_token", sep=rb"=")),
    ".my.cnf": ("MySQL credentials", READ_MAX, _assignment("password", sep=rb"=")),
    "credentials.json": (
        "service credentials",
        READ_MAX,
        lambda d: (
            _service_account(d)
            or _json_field("private_key", "client_secret", "refresh_token", "access_token", "password", "secret")(d)
        ),
    ),
}
SUGGESTIVE_SUFFIXES: dict[str, Sniffer] = {
    ".env": _DOTENV,  # prod.env, docker.env
    ".pem": ("PEM private key", PEM_READ_MAX, _private_key),
    ".key": ("private key", PEM_READ_MAX, _key_file),
    ".ovpn": ("OpenVPN profile with an embedded key", READ_MAX, lambda d: bool(_OVPN_KEY.search(d) or _private_key(d))),
}
SUGGESTIVE_PATHS: dict[str, Sniffer] = {
    ".aws/credentials": (
        "AWS credentials",
        READ_MAX,
        _assignment("aws_secret_access_key", "aws_session_token", sep=rb"="),
    ),
    ".docker/config.json": ("registry credentials", READ_MAX, _json_field("auth", "identitytoken", "password")),
}
# JSON files named like a key file are read up to READ_MAX whatever their size.
_KEYISH_JSON = re.compile(r"service[-_]?account|credential|gcp|gcloud|firebase|key|secret", re.I)

# Suffixes of code and documents: never sniffed as "any name" (a key is not stored there).
CODE_SUFFIXES = frozenset(
    [
        ".py",
        ".pyi",
        ".pyx",
        ".ipynb",
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
        ".mts",
        ".cts",
        ".tsx",
        ".jsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".groovy",
        ".gradle",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".cxx",
        ".hh",
        ".hpp",
        ".cs",
        ".fs",
        ".vb",
        ".rb",
        ".php",
        ".swift",
        ".m",
        ".mm",
        ".dart",
        ".ex",
        ".exs",
        ".erl",
        ".hs",
        ".clj",
        ".lua",
        ".pl",
        ".pm",
        ".r",
        ".jl",
        ".sh",
        ".bash",
        ".zsh",
        ".fish",
        ".ps1",
        ".bat",
        ".cmd",
        ".sql",
        ".graphql",
        ".proto",
        ".html",
        ".htm",
        ".css",
        ".scss",
        ".sass",
        ".less",
        ".vue",
        ".svelte",
        ".astro",
        ".md",
        ".mdx",
        ".rst",
        ".adoc",
        ".tex",
        ".xml",
        ".xsd",
        ".svg",
        ".yml",
        ".yaml",
        ".toml",
        ".lock",
        ".mod",
        ".sum",
        ".map",
        ".snap",
        ".po",
        ".pot",
        ".properties",
        ".tf",
        ".hcl",
        ".nix",
        ".cmake",
        ".mk",
        ".in",
        ".j2",
        ".jinja",
        ".tmpl",
        ".tpl",
        ".hbs",
        ".ejs",
        ".pug",
        ".liquid",
    ]
)


_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _read(path: str, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of a file, None when it cannot be read (os.read: no
    buffered file object, since most calls read one small file once)."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError:
        return None
    try:
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _path_key(path: str, name: str) -> str | None:
    """The SUGGESTIVE_PATHS / CERTAIN_PATHS key a path ends with, if any."""
    low = path.lower()
    for table in (CERTAIN_PATHS, SUGGESTIVE_PATHS):
        for tail in table:
            if tail.endswith("/" + name) and (low == tail or low.endswith("/" + tail)):
                return tail
    return None


_PATH_NAMES = {tail.rpartition("/")[2] for tail in (*CERTAIN_PATHS, *SUGGESTIVE_PATHS)}
_SUFFIXES: dict[str, str | Sniffer] = {**CERTAIN_SUFFIXES, **SUGGESTIVE_SUFFIXES}  # one lookup per name


def _by_name(path: str) -> tuple[str, Sniffer | None] | None:
    """(reason, sniffer) when the name is proof (sniffer None) or a suggestion; None otherwise."""
    name = path.rpartition("/")[2].lower()
    if name in _PATH_NAMES:
        tail = _path_key(path, name)
        if tail is not None:
            if tail in CERTAIN_PATHS:
                return CERTAIN_PATHS[tail], None
            sn = SUGGESTIVE_PATHS[tail]
            return sn[0], sn
    if name.endswith(NOT_SECRET_SUFFIXES):
        return None
    why = CERTAIN_NAMES.get(name)
    if why is not None:
        return why, None
    sniffer = SUGGESTIVE_NAMES.get(name)
    if sniffer is not None:
        return sniffer[0], sniffer
    if name.startswith(".env."):
        return _DOTENV[0], _DOTENV
    if name.startswith(_SSH_PREFIXES):
        return _SSH, None
    found = suffixes.longest(name, _SUFFIXES)  # "x.tfstate.backup"
    if found is None:
        return None
    value = found[1]
    return (value, None) if isinstance(value, str) else (value[0], value)


# What every name :func:`name_reason` finds has: one of these names, prefixes or suffixes (lower
# case). Most names have none: a few C-level tests settle them without the lookups (callers that
# judge millions of names test them first too).
QUICK_NAMES = frozenset({*CERTAIN_NAMES, *SUGGESTIVE_NAMES, *_PATH_NAMES})
QUICK_PREFIXES = (".env.", *_SSH_PREFIXES)
QUICK_SUFFIXES = tuple(_SUFFIXES)


def name_reason(name: str) -> str | None:
    """Why a file name suggests a secret, or None (called for every file: cheap first).

    The name alone: :func:`judge` confirms a suggestive name by content."""
    low = name.rpartition("/")[2].lower()
    if low not in QUICK_NAMES and not low.startswith(QUICK_PREFIXES) and not low.endswith(QUICK_SUFFIXES):
        return None
    found = _by_name(name)
    return None if found is None else found[0]


def reason(path: str) -> str | None:
    """Why a context path suggests a secret by its name and place, or None."""
    found = _by_name(path)
    return None if found is None else found[0]


def sniffable(name: str) -> bool:
    """Whether a file of this name is read when small (:func:`judge` with ``any_name``)."""
    dot = name.rfind(".")
    return dot <= 0 or name[dot:].lower() not in CODE_SUFFIXES


def judge(root: str, path: str, size: int, any_name: bool = True) -> str | None:
    """Why the regular file ``root/path`` (``size`` bytes) is a secret, or None.

    A name that is proof decides alone; a suggestive name is confirmed by
    its first bytes (:data:`READ_MAX`, :data:`PEM_READ_MAX` for ``*.pem`` and
    ``*.key``); with ``any_name``, a small file (:data:`SNIFF_ANY_MAX`) whose
    name is :func:`sniffable` is read (:data:`HEAD_BYTES`) for a private key
    or a service-account key. Never returns what was read.
    """
    name = path.rpartition("/")[2]
    low = name.lower()
    # Called for every file sent: a name none of the tables can hold (most of them) is
    # settled by the C-level tests of name_reason, without _by_name's lookups.
    if low in QUICK_NAMES or low.startswith(QUICK_PREFIXES) or low.endswith(QUICK_SUFFIXES):
        found = _by_name(path)
        if found is not None:
            why, sniffer = found
            if sniffer is None:
                return why
            data = _read(os.path.join(root, path), sniffer[1])
            if data is None:
                return why  # unreadable: judged by the name
            return why if sniffer[2](data) else None
    is_json = low.endswith(".json")
    if is_json and size <= READ_MAX and _KEYISH_JSON.search(name):
        data = _read(os.path.join(root, path), READ_MAX)
        if data is not None and _service_account(data):
            return "GCP service account key"
        return None
    if not any_name or size > SNIFF_ANY_MAX or size < 64 or not sniffable(name):
        return None
    data = _read(os.path.join(root, path), HEAD_BYTES)
    if data is None:
        return None
    if _private_key(data):
        return "private key (by content)"
    if is_json and _service_account(data):
        return "GCP service account key"
    return None


# Directories of test and example material: keys there are published fixtures, not the project's secrets.
TEST_DIRS = frozenset(
    {
        "example",
        "examples",
        "sample",
        "samples",
        "fixture",
        "fixtures",
        "__fixtures__",
        "testdata",
        "test_data",
        "test-data",
        "test",
        "tests",
        "__tests__",
        "testing",
        "integration",
        "e2e",
        "spec",
        "specs",
        "mock",
        "mocks",
    }
)


def test_material(path: str) -> bool:
    """Whether a context path lies in a test or example directory (``tests/fixtures/server.key``,
    ``apps/web/example/cert.p12``)."""
    return any(part.lower() in TEST_DIRS for part in path.split("/")[:-1])


def git_root(path: str) -> str | None:
    """The ``.git`` directory a path lies in, if any."""
    parts = path.split("/")
    if ".git" in parts[:-1]:
        return "/".join(parts[: parts.index(".git") + 1])
    return None
