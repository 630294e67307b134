"""What the answerer reads besides the hits: the embedder, the chunk store and the sentence-vector cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from rag.embedding import Embedder
from rag.index import ChunkStore
from rag.types import Chunk, Document

from .structure import Group, document_groups
from .vectors import SentenceVectors


@dataclass
class AnswerContext:
    """The answerer's tools. `store` may be None (answers from the hits alone, e.g. in tests)."""

    embedder: Embedder | None
    store: ChunkStore | None = None
    vectors: SentenceVectors | None = field(default=None)
    _groups: dict[str, list[Group]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def groups(self, doc: Document) -> list[Group]:
        """The enumerations, heading lists and counted sections of `doc` (found once per document)."""
        with self._lock:
            if doc.id not in self._groups:
                self._groups[doc.id] = document_groups(doc.text, doc.authors)
            return self._groups[doc.id]

    def __post_init__(self) -> None:
        if self.vectors is None and self.embedder is not None:
            self.vectors = SentenceVectors(self.embedder)

    def stored_vectors(self, chunk: Chunk) -> dict[str, np.ndarray]:
        """The sentence vectors the index holds for `chunk`, when it was built with this embedder."""
        if self.store is None or self.embedder is None or self.store.model_name != self.embedder.name:
            return {}
        return self.store.sentence_vectors(chunk)
