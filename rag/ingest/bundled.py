"""The magazine issue that ships inside the package (package data, read with `importlib.resources`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled_corpus() -> Path:
    """The folder of the bundled issue (a real folder: the package is installed unzipped)."""
    return Path(str(resources.files("rag") / "data" / "seeds"))
