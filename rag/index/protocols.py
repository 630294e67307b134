"""The seams of the index: a dense index, a lexical index, and the chunk store the answerer reads.

Every backend implements one of these; the contract tests in `tests/index/` run against each implementation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from rag.types import Chunk, Document


@runtime_checkable
class DenseIndex(Protocol):
    """Inner-product search over vector rows; the backend owns its search parameters."""

    backend: str
    factory: str

    @property
    def size(self) -> int: ...

    @property
    def dimension(self) -> int: ...

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def reconstruct(self, start: int, count: int) -> np.ndarray: ...

    def describe(self) -> str: ...

    def memory_bytes(self) -> int: ...

    def save(self, folder: Path) -> None: ...


@runtime_checkable
class LexicalIndex(Protocol):
    """Term-based scoring of every passage (BM25)."""

    @property
    def size(self) -> int: ...

    @property
    def vocabulary(self) -> set[str]: ...

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray: ...

    def save(self, folder: Path) -> None: ...


@runtime_checkable
class ChunkStore(Protocol):
    """The passages and documents of an index, as the retriever and the answerer read them."""

    @property
    def documents(self) -> Mapping[str, Document]: ...

    @property
    def chunks(self) -> Sequence[Chunk]: ...

    @property
    def model_name(self) -> str: ...

    def document_of(self, chunk: Chunk) -> Document: ...

    def chunks_of(self, doc_id: str) -> list[Chunk]: ...

    def row_of(self, chunk_id: str) -> int | None: ...

    def next_chunk(self, chunk: Chunk) -> Chunk | None: ...

    def sentence_vectors(self, chunk: Chunk) -> dict[str, np.ndarray]: ...

    def df_texts(self) -> Sequence[str]: ...
