"""Which backend holds the index (`IndexSettings.backend`): files under the index folder, or Milvus collections.

`build_index`, `open_index` and `check_index` here are the ones the rest of the package calls; each hands over to
`rag.index.build` (FAISS + bm25s files) or `rag.index.milvus_build` (Milvus).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rag.embedding import Embedder
from rag.types import Document

from . import build, milvus_build
from .settings import IndexSettings
from .store import SearchIndex


def build_index(
    sources: list[Path],
    settings: IndexSettings,
    embedder: Embedder,
    progress: build.Progress | None = None,
    documents: list[Document] | None = None,
) -> tuple[SearchIndex, build.BuildReport]:
    """Parse, chunk, embed (cache first) and index `sources` into the configured backend."""
    if settings.backend == "milvus":
        return milvus_build.build_milvus_index(sources, settings, embedder, progress, documents)
    return build.build_index(sources, settings, embedder, progress, documents)


def open_index(
    settings: IndexSettings,
    embedder_factory: Callable[[], Embedder],
    sources: list[Path] | None = None,
    progress: build.Progress | None = None,
) -> tuple[SearchIndex, str | None]:
    """Load the index, building or rebuilding it when missing, damaged or stale (`rag.index.build.open_index`)."""
    if settings.backend == "milvus":
        return milvus_build.open_milvus_index(settings, embedder_factory, sources, progress)
    return build.open_index(settings, embedder_factory, sources, progress)


def check_index(settings: IndexSettings, sources: list[Path] | None = None) -> str | None:
    """Why the index must be (re)built for `sources`, or None when it is up to date and intact."""
    if settings.backend == "milvus":
        return milvus_build.inspect_milvus(settings, sources)[1]
    return build.check_index(settings, sources)
