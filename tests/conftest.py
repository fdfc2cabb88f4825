import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS / "conformance"))
sys.path.insert(0, str(TESTS / "dockerfile"))
sys.path.insert(0, str(TESTS / "image"))
sys.path.insert(0, str(TESTS / "layers"))
sys.path.insert(0, str(TESTS / "project"))
sys.path.insert(0, str(TESTS / "buildah"))
