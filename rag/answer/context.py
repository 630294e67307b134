"""What the answerer reads besides the hits: the embedder, the chunk store and the sentence-vector cache."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rag.embedding import Embedder
from rag.index import ChunkStore
from rag.types import Chunk

from .vectors import SentenceVectors


@dataclass
class AnswerContext:
    """The answerer's tools. `store` may be None (answers from the hits alone, e.g. in tests)."""

    embedder: Embedder | None
    store: ChunkStore | None = None
    vectors: SentenceVectors | None = field(default=None)

    def __post_init__(self) -> None:
        if self.vectors is None and self.embedder is not None:
            self.vectors = SentenceVectors(self.embedder)

    def stored_vectors(self, chunk: Chunk) -> dict[str, np.ndarray]:
        """The sentence vectors the index holds for `chunk`, when it was built with this embedder."""
        if self.store is None or self.embedder is None or self.store.model_name != self.embedder.name:
            return {}
        return self.store.sentence_vectors(chunk)
