"""The `DenseIndex` and `LexicalIndex` seams over Milvus collections, so the retriever works on them unchanged.

Rows are the reader's: chunk row i is `SearchIndex.chunks[i]`, vector rows follow `rag.index.layout`. A hit whose
chunk this reader does not know (written by a build after it loaded) is left out; a deleted chunk is simply not
found. Filters become Milvus expressions on document and chunk ids.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.errors import IndexProblem
from rag.text import query_terms, search_tokens
from rag.types import Chunk

from .milvus import SPARSE, MilvusStore, quoted

RECONSTRUCT_CACHE = 4096  # row ranges kept by a reader (about 20 vectors of 384 floats each: ~120 MB at most)
LEXICAL_LIMIT = 1000  # BM25 candidates fetched; the retriever keeps its pool (tens) of them


class RowMap:
    """Chunk rows ↔ chunk ids and vector rows ↔ (chunk, j) for one loaded snapshot of the index."""

    def __init__(self, chunks: Sequence[Chunk], counts: np.ndarray):
        self.chunks = chunks
        self.row = {c.id: i for i, c in enumerate(chunks)}
        self.owner = np.repeat(np.arange(len(chunks), dtype=np.int64), counts)
        self.offset = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def vector_row(self, vector_id: str) -> int | None:
        chunk_id, _, j = vector_id.rpartition(":")
        row = self.row.get(chunk_id)
        return None if row is None else int(self.offset[row]) + int(j)

    def vector_id(self, row: int) -> str:
        chunk = int(self.owner[row])
        return f"{self.chunks[chunk].id}:{row - int(self.offset[chunk])}"

    @cached_property
    def documents(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Document ids in order of first appearance, each chunk row's document number, and chunks per document."""
        number: dict[str, int] = {}
        numbers = (number.setdefault(c.doc_id, len(number)) for c in self.chunks)
        of_chunk = np.fromiter(numbers, np.int64, len(self.chunks))
        return list(number), of_chunk, np.bincount(of_chunk, minlength=len(number))

    def where(self, chunk_rows: np.ndarray | None, id_field: str) -> str:
        """A filter allowing exactly `chunk_rows` (whole documents by doc_id, the rest by chunk id in `id_field`)."""
        if chunk_rows is None:
            return ""
        allowed = np.zeros(len(self.chunks), dtype=bool)
        allowed[chunk_rows] = True
        if allowed.all():
            return ""
        doc_ids, of_chunk, sizes = self.documents
        whole = np.bincount(of_chunk[allowed], minlength=len(doc_ids)) == sizes
        loose = np.flatnonzero(allowed & ~whole[of_chunk])
        terms = []
        if whole.any():
            terms.append(f"doc_id in {quoted(doc_ids[d] for d in np.flatnonzero(whole))}")
        if len(loose):
            terms.append(f"{id_field} in {quoted(self.chunks[r].id for r in loose)}")
        return " or ".join(terms) or 'doc_id == ""'


class MilvusDense:
    """Cosine search over the `vectors` collection, in the reader's vector rows."""

    backend = "milvus"

    def __init__(self, store: MilvusStore, rows: RowMap, dimension: int):
        self.store = store
        self.rows = rows
        self.factory = store.settings.index_type
        self._dimension = dimension
        self._vectors: dict[tuple[int, int], np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return len(self.rows.owner)

    @property
    def dimension(self) -> int:
        return self._dimension

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        where = self.rows.where(np.unique(self.rows.owner[allowed]) if allowed is not None else None, "chunk_id")
        found = self.store.search("vectors", "vector", np.asarray(queries, dtype=np.float32).tolist(), k, where)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        for q, hits in enumerate(found):
            known = [(r, s) for r, s in ((self.rows.vector_row(i), s) for i, s in hits) if r is not None]
            for j, (row, score) in enumerate(known[:k]):
                rows[q, j], scores[q, j] = row, score
        return scores, rows

    def reconstruct(self, start: int, count: int) -> np.ndarray:
        """Vector rows start..start+count-1 (a chunk's rows are asked for again by every answer that cites it)."""
        with self._lock:
            if (start, count) in self._vectors:
                return self._vectors[(start, count)]
        ids = [self.rows.vector_id(r) for r in range(start, start + count)]
        got = self.store.vectors_of(ids)
        if len(got) != len(ids):
            raise IndexProblem("the Milvus index changed while it was read; open it again")
        vectors = np.stack([got[i] for i in ids]) if ids else np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            if len(self._vectors) >= RECONSTRUCT_CACHE:
                self._vectors.clear()
            self._vectors[(start, count)] = vectors
        return vectors

    def describe(self) -> str:
        return f"Milvus {self.factory} (COSINE) at {self.store.uri}"

    def memory_bytes(self) -> int:
        return 0  # the vectors live in the Milvus process

    def save(self, folder: Path) -> None:
        raise IndexProblem(f"a Milvus index is not saved to {folder}: it lives in its collections")


#: Repetitions of a query token of weight 1: a word's weight split over 2, 3, 4 or 6 parts stays exact (5 is close).
QUERY_WEIGHT_UNIT = 12


class MilvusLexical:
    """BM25 over the `chunks` collection's sparse vector: the app's jieba tokens, or Milvus's Chinese analyzer (the one
    `MilvusSettings.lexical` names; the index holds only that one)."""

    def __init__(self, store: MilvusStore, rows: RowMap, vocabulary: set[str] | None = None):
        """`vocabulary` (the jieba tokens of every chunk) is computed from the chunks when first needed if not given."""
        self.store = store
        self.rows = rows
        self.field = SPARSE[store.settings.lexical]
        self._vocabulary = vocabulary

    @property
    def size(self) -> int:
        return len(self.rows.chunks)

    @property
    def vocabulary(self) -> set[str]:
        if self._vocabulary is None:
            self._vocabulary = {t for c in self.rows.chunks for t in search_tokens(c.indexed_text)}
        return self._vocabulary

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage for `query` (0 outside the best `LEXICAL_LIMIT`, or masked out)."""
        out = np.zeros(self.size, dtype=np.float32)
        # Milvus weighs a query term by how often it occurs: the word weights of `query_terms` as repetitions
        weighted = {
            t: max(1, round(w * QUERY_WEIGHT_UNIT)) for t, w in query_terms(query).items() if t in self.vocabulary
        }
        if not any(weighted.values()):
            return out
        where = self.rows.where(np.flatnonzero(mask) if mask is not None else None, "id")
        text = " ".join(t for t, n in weighted.items() for _ in range(n)) if self.field == SPARSE["jieba"] else query
        for chunk_id, score in self.store.search("chunks", self.field, [text], LEXICAL_LIMIT, where)[0]:
            row = self.rows.row.get(chunk_id)
            if row is not None and score > 0:
                out[row] = score
        return out

    def save(self, folder: Path) -> None:
        raise IndexProblem(f"a Milvus index is not saved to {folder}: it lives in its collections")
