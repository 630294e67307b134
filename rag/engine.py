"""The `Engine`: one loaded index with its embedder, retriever and answerer — the object that holds every cache.

The CLI opens one per command; the app opens one per process and shares it between sessions. Nothing else in
the package keeps state between calls.

May import: `rag.config` and everything below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.answer import Answerer
from rag.embedding import Embedder, SentenceTransformerEmbedder
from rag.index import BuildProgress, BuildReport, Progress, SearchIndex, build_index, open_index
from rag.ingest import bundled_corpus
from rag.retrieval import Retriever

from .config import Settings


def load_embedder(settings: Settings) -> Embedder:
    """The embedder `settings` name (the bundled model is converted into `settings.home` on first use)."""
    return SentenceTransformerEmbedder(settings.model, settings.home, settings.batch_size)


def _load_reporting(settings: Settings, progress: Progress | None) -> Embedder:
    if progress is not None:
        progress(BuildProgress("model"))
    return load_embedder(settings)


@dataclass
class Engine:
    """A ready index with its embedder, retriever and answerer; `rebuilt` says why it was (re)built, if it was."""

    settings: Settings
    embedder: Embedder
    index: SearchIndex
    retriever: Retriever
    answerer: Answerer
    rebuilt: str | None = None

    @classmethod
    def assemble(cls, settings: Settings, embedder: Embedder, index: SearchIndex, rebuilt: str | None = None) -> Engine:
        """An engine over an already loaded `index`."""
        retriever = Retriever(index, embedder, settings.retrieval, settings.limits)
        return cls(settings, embedder, index, retriever, Answerer(retriever, settings.answer), rebuilt)


def open_engine(
    settings: Settings,
    sources: list[Path] | None = None,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> Engine:
    """Load the index (building it from `sources` or the bundled corpus when missing or stale)."""
    embedder = embedder or _load_reporting(settings, progress)
    index, reason = open_index(settings.index, lambda: embedder, sources, progress)
    return Engine.assemble(settings, embedder, index, reason)


def rebuild_engine(
    settings: Settings,
    sources: list[Path],
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> tuple[Engine, BuildReport]:
    """Build the index from `sources` (the bundled corpus when empty) now; returns the engine and the report.

    Pass the running engine's `embedder` to reuse the loaded model."""
    embedder = embedder or _load_reporting(settings, progress)
    index, report = build_index(sources or [bundled_corpus()], settings.index, embedder, progress)
    return Engine.assemble(settings, embedder, index), report
