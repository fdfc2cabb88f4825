"""Which context paths are secrets, by name and place (never by content).

One table for the secret kind of ``kinds`` and the CA4xx rules. A file whose
name marks it as a credential is reported when the builder receives it and
again when a COPY puts it into the image; a ``.git`` directory is reported
once, with its size, because its history holds every secret ever committed.
"""

from __future__ import annotations

from . import suffixes

SECRET_NAMES = {
    ".env": "dotenv file",
    ".npmrc": "npm credentials",
    ".pypirc": "PyPI credentials",
    ".netrc": "netrc credentials",
    ".git-credentials": "git credentials",
    ".dockercfg": "registry credentials",
    "kubeconfig": "Kubernetes credentials",
    "credentials.json": "service credentials",
    "id_rsa": "SSH private key",
    "id_dsa": "SSH private key",
    "id_ecdsa": "SSH private key",
    "id_ed25519": "SSH private key",
}
SECRET_SUFFIXES = {
    ".pem": "PEM key or certificate",
    ".key": "private key",
    ".p12": "PKCS#12 keystore",
    ".pfx": "PKCS#12 keystore",
    ".jks": "Java keystore",
    ".kubeconfig": "Kubernetes credentials",
    ".tfstate": "Terraform state",
    ".tfstate.backup": "Terraform state",
}
SECRET_PATHS = {
    ".aws/credentials": "AWS credentials",
    ".kube/config": "Kubernetes credentials",
    ".docker/config.json": "registry credentials",
}
NOT_SECRET_SUFFIXES = (".example", ".sample", ".template", ".dist", ".pub")


def name_reason(name: str) -> str | None:
    """Why a file name marks a secret, or None (called for every file: cheap first)."""
    why = SECRET_NAMES.get(name)
    if why is None:
        if name.startswith(".env."):
            why = "dotenv file"
        elif name.startswith(("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")):
            why = "SSH private key"
        else:
            found = suffixes.longest(name, SECRET_SUFFIXES)  # "x.tfstate.backup"
            why = None if found is None else found[1]
    if why is not None and name.endswith(NOT_SECRET_SUFFIXES):
        return None
    return why


_PATH_NAMES = {tail.rpartition("/")[2] for tail in SECRET_PATHS}


def reason(path: str) -> str | None:
    """Why a context path is a secret, or None (``.git`` contents excluded: see git_root)."""
    name = path.rpartition("/")[2]
    if name in _PATH_NAMES:
        for tail, why in SECRET_PATHS.items():
            if path == tail or path.endswith("/" + tail):
                return why
    return name_reason(name)


def git_root(path: str) -> str | None:
    """The ``.git`` directory a path lies in, if any."""
    parts = path.split("/")
    if ".git" in parts[:-1]:
        return "/".join(parts[: parts.index(".git") + 1])
    return None
