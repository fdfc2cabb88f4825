"""The file names that make a directory a Compose or Bake project.

Kept apart from the readers (compose.py, bake.py, which import the YAML
parser) so that a plain context is told from a project without importing
them: every ``scan`` asks (start-up time).
"""

from __future__ import annotations

# compose-go's default file names (cli/options.go DefaultFileNames, DefaultOverrideFileNames)
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
# buildx bake's default files (bake/bake.go defaultFilenames), beside the Compose ones
BAKE_FILES = ("docker-bake.json", "docker-bake.hcl", "docker-bake.override.json", "docker-bake.override.hcl")
