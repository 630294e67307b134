"""The exact NumPy dense backend (`NumpyDenseIndex`): a matrix product over every row, no FAISS.

The reference every other dense backend is tested against, and a choice where FAISS is not wanted
(`RAG_DENSE_BACKEND=numpy`). Saved as one `.npy` file, read with `allow_pickle=False`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.index.selection import top_k

FILE_NAME = "dense.npy"


class NumpyDenseIndex:
    """Inner-product search by brute force over L2-normalised float32 rows."""

    backend = "numpy"
    factory = "exact"

    def __init__(self, vectors: np.ndarray):
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    @classmethod
    def build(cls, vectors: np.ndarray, factory: str = "exact") -> NumpyDenseIndex:  # noqa: ARG003  (one signature)
        return cls(vectors)

    @classmethod
    def load(cls, folder: Path) -> NumpyDenseIndex:
        return cls(np.load(Path(folder) / FILE_NAME, allow_pickle=False))

    def save(self, folder: Path) -> None:
        np.save(Path(folder) / FILE_NAME, self._vectors, allow_pickle=False)

    @property
    def size(self) -> int:
        return int(self._vectors.shape[0])

    @property
    def dimension(self) -> int:
        return int(self._vectors.shape[1])

    def describe(self) -> str:
        return "exact"

    def memory_bytes(self) -> int:
        return int(self._vectors.nbytes)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each of shape (len(queries), k), best first; rows are -1 where fewer than k exist."""
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        candidates = np.arange(self.size) if allowed is None else np.asarray(allowed, dtype=np.int64)
        if len(candidates) == 0 or k <= 0:
            return scores, rows
        block = self._vectors if allowed is None else self._vectors[candidates]
        for i, query in enumerate(queries):
            found = top_k(block @ query, k)
            scores[i, : len(found)] = [s for _, s in found]
            rows[i, : len(found)] = candidates[[r for r, _ in found]]
        return scores, rows

    def reconstruct(self, start: int, count: int) -> np.ndarray:
        return self._vectors[start : start + count].copy()
