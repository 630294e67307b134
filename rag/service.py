"""The wiring shared by the CLI and the UI: settings → embedder → index → retriever, loaded once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .config import DEFAULT_CORPUS, Settings
from .embedding import Embedder, SentenceTransformerEmbedder
from .index import Progress, SearchIndex, build_index, open_index
from .retrieve import Retriever

_embedders: dict[tuple[str, str], Embedder] = {}
_lock = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per (model, cache folder) per process."""
    key = (settings.model, str(settings.cache_dir))
    with _lock:
        if key not in _embedders:
            _embedders[key] = SentenceTransformerEmbedder(settings.model, settings.cache_dir, settings.batch_size)
        return _embedders[key]


@dataclass
class Engine:
    """A ready-to-search index with its embedder; `rebuilt` says why it was (re)built, if it was."""

    settings: Settings
    embedder: Embedder
    index: SearchIndex
    retriever: Retriever
    rebuilt: str | None = None


def make_retriever(index: SearchIndex, embedder: Embedder, settings: Settings) -> Retriever:
    return Retriever(
        index,
        embedder,
        rrf_k=settings.rrf_k,
        candidates=settings.candidates,
        dense_weight=settings.dense_weight,
        max_query_chars=settings.max_query_chars,
        max_k=settings.max_k,
    )


def open_engine(settings: Settings, sources: list[Path] | None = None, progress: Progress | None = None) -> Engine:
    """Load the index (building it from `sources` or the bundled corpus when missing or stale)."""
    embedder = get_embedder(settings)
    index, reason = open_index(settings, lambda: embedder, sources, progress)
    retriever = make_retriever(index, embedder, settings)
    return Engine(settings, embedder, index, retriever, reason)


def rebuild_engine(settings: Settings, sources: list[Path], progress: Progress | None = None):
    """Build the index from `sources` now; returns the engine and the build report."""
    embedder = get_embedder(settings)
    index, report = build_index(sources or [DEFAULT_CORPUS], settings, embedder, progress)
    return Engine(settings, embedder, index, make_retriever(index, embedder, settings)), report
