"""Every check ctxaudit runs, each with a stable id (hadolint style).

Ids by family: CA1xx the context walk and the build files, CA2xx the ignore
file (lint), CA3xx the Dockerfile's COPY/ADD and bind mounts against the
context (CA310, in legacy.py: syntax the legacy builder rejects), CA4xx
secrets, CA5xx image bloat, CA6xx the builds of a Compose or Bake project.
Each family lives in its own module; :data:`REGISTRY` lists them all for
``--help``, the README table and SARIF's rule metadata.
"""

from __future__ import annotations

from .findings import Rule, Severity

REGISTRY: dict[str, Rule] = {}


def rule(id: str, name: str, severity: Severity, summary: str, help: str) -> Rule:
    """Declare a rule once; ids are unique."""
    if id in REGISTRY:
        raise ValueError(f"duplicate rule id {id}")
    r = Rule(id, name, severity, summary, help)
    REGISTRY[id] = r
    return r


def all_rules() -> list[Rule]:
    # Import the families so that every rule is registered.
    from . import dockerfile, image, legacy, lint, project, secrets, walk  # noqa: F401

    return sorted(REGISTRY.values(), key=lambda r: r.id)
