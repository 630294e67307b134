"""The `Engine`: one loaded index with its embedder, retriever and answerer — the object that holds every cache.

The CLI opens one per command; the app opens one per process and shares it between sessions. Nothing else in
the package keeps state between calls.

May import: `rag.config` and everything below it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.answer import Answerer, LLMConfig
from rag.embedding import Embedder, SentenceTransformerEmbedder
from rag.index import BuildProgress, BuildReport, Progress, SearchIndex, build_index, open_index
from rag.ingest import bundled_corpus
from rag.llm import MODEL_LABEL, CopyProgress, LocalModelServer, materialise_model, model_installed
from rag.retrieval import Retriever
from rag.text import language_of

from .config import ANSWERERS, AUTO, LOCAL, Settings


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
    local_server: LocalModelServer | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def assemble(cls, settings: Settings, embedder: Embedder, index: SearchIndex, rebuilt: str | None = None) -> Engine:
        """An engine over an already loaded `index`."""
        retriever = Retriever(index, embedder, settings.retrieval, settings.limits)
        return cls(settings, embedder, index, retriever, Answerer(retriever, settings.answer), rebuilt)

    def chat_model(
        self, progress: CopyProgress | None = None, question: str | None = None, answerer: str | None = None
    ) -> LLMConfig | None:
        """The chat model `answerer` (default: `settings.answerer`) names: None for "extractive"; `local_model()`
        for "local"; for "auto", the local model answering English questions only, when it is installed (None
        when it is not, or when `question` is given and is not English: the model is then not started at all)."""
        answerer = answerer or self.settings.answerer
        if answerer not in ANSWERERS:
            raise ValueError(f"unknown answerer {answerer!r}: use one of {', '.join(ANSWERERS)}")
        if answerer == LOCAL:
            return self.local_model(progress)
        if answerer != AUTO or not model_installed() or (question is not None and language_of(question) != "en"):
            return None
        return replace(self.local_model(progress), languages=("en",))

    def local_model(self, progress: CopyProgress | None = None) -> LLMConfig:
        """The local chat model: written into `home` on first use, then served on loopback for the engine's life
        (one server, whichever thread asks first). Raises `LocalModelError` when it is not installed or broken."""
        with self._lock:
            if self.local_server is None:
                path = materialise_model(self.settings.home, progress)
                self.local_server = LocalModelServer(path)
            endpoint = self.local_server.endpoint
        return LLMConfig(
            base_url=endpoint.base_url,
            model=MODEL_LABEL,
            api_key=endpoint.api_key,
            timeout=60.0,
            total_timeout=120.0,
            max_tokens=900,  # a translated answer runs longer than a composed one (`rag.answer.translation`)
            llama_cpp=True,
            context="evidence",  # a small model on 2 cores reads chosen sentences, not whole passages
        )

    def hand_over(self, successor: Engine) -> None:
        """Give a running local model server to the engine that replaces this one (after a rebuild)."""
        with self._lock:
            if successor.local_server is None:
                successor.local_server, self.local_server = self.local_server, None

    def close(self) -> None:
        """Stop the local model server, if one was started."""
        with self._lock:
            if self.local_server is not None:
                self.local_server.close()
                self.local_server = None


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
