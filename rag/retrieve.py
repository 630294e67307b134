"""Search: dense (FAISS), BM25 and hybrid reciprocal-rank fusion, with document/section filters."""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from .ann import search_parameters, use_search_threads
from .embedding import Embedder
from .index import SearchIndex
from .text import has_cjk
from .timing import NO_TIMER, StageTimer
from .types import Hit

MODES = ("hybrid", "dense", "bm25")
VECTORS_PER_CHUNK = 8  # rows fetched per wanted chunk: several sentence vectors of one chunk may rank together


class QueryError(ValueError):
    """A question or search option that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class SearchFilter:
    """Restrict results to some documents (by id or exact title) and/or sections."""

    documents: Collection[str] = ()
    sections: Collection[str] = ()

    def allows(self, index: SearchIndex, doc_id: str) -> bool:
        doc = index.documents[doc_id]
        if self.documents and doc_id not in self.documents and doc.title not in self.documents:
            return False
        return not self.sections or (doc.section or "") in self.sections

    def __bool__(self) -> bool:
        return bool(self.documents or self.sections)


def check_query(question: str, k: int, mode: str, max_chars: int = 2000, max_k: int = 100) -> str:
    """Validate user input; return the cleaned question or raise `QueryError` with a one-line reason."""
    if not isinstance(question, str) or not question.strip():
        raise QueryError("the question is empty; type a question")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
    if not any(ch.isalnum() for ch in cleaned):
        raise QueryError("the question has no words in it; type a question with words")
    if len(cleaned) > max_chars:
        raise QueryError(f"the question is {len(cleaned)} characters long; the limit is {max_chars}")
    if mode not in MODES:
        raise QueryError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if not isinstance(k, int) or not 1 <= k <= max_k:
        raise QueryError(f"k must be between 1 and {max_k}, got {k!r}")
    return cleaned


class Retriever:
    """Searches one loaded index with one embedder. Thread-safe for concurrent searches."""

    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder,
        rrf_k: int = 60,
        candidates: int = 50,
        translate: bool = True,
        dense_weight: float = 0.6,
        bm25_weight: float = 1.0,
        max_query_chars: int = 2000,
        max_k: int = 100,
    ):
        self.index = index
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.bm25_weight = bm25_weight
        self.max_query_chars = max_query_chars  # limits for `check_query` in callers that take raw user input
        self.max_k = max_k
        self.candidates = candidates
        self.translate = translate
        self._translator = None
        self._translator_lock = threading.Lock()
        use_search_threads()

    def lexical_query(self, question: str) -> str:
        """The text BM25 searches with: the question, or Chinese terms for an English question."""
        if not self.translate or has_cjk(question):
            return question
        with self._translator_lock:
            if self._translator is None:
                from .crosslingual import QueryTranslator

                names = {a for d in self.index.documents.values() for a in d.authors}
                self._translator = QueryTranslator(self.index.bm25.vocabulary, names)
        return self._translator.translate(question)

    def _mask(self, where: SearchFilter | None) -> np.ndarray | None:
        if not where:
            return None
        allowed = {d for d in self.index.documents if where.allows(self.index, d)}
        return np.array([c.doc_id in allowed for c in self.index.chunks], dtype=bool)

    def dense(
        self, question: str, n: int, mask: np.ndarray | None = None, timer: StageTimer | None = None
    ) -> list[tuple[int, float]]:
        """(chunk row, cosine) pairs, best first; a chunk scores the best of its chunk and sentence vectors."""
        import faiss

        timer = timer or NO_TIMER
        owner = self.index.dense_owner
        with timer.stage("embed_query"):
            vector = self.embedder.encode_queries([question])
        params = None
        allowed = len(owner)
        if mask is not None:
            ids = np.flatnonzero(mask[owner]).astype(np.int64)
            if len(ids) == 0:
                return []
            params = search_parameters(self.index.faiss_index, faiss.IDSelectorBatch(ids), allowed=len(ids))
            allowed = len(ids)
        fetch = min(allowed, n * VECTORS_PER_CHUNK)
        if fetch <= 0:
            return []
        with timer.stage("faiss"):
            scores, rows = self.index.faiss_index.search(vector, fetch, params=params)
        best: dict[int, float] = {}
        for row, score in zip(rows[0], scores[0]):
            if row < 0:
                continue
            chunk = int(owner[row])
            if chunk not in best:
                best[chunk] = float(score)
                if len(best) == n:
                    break
        return list(best.items())

    def bm25(
        self, question: str, n: int, mask: np.ndarray | None = None, timer: StageTimer | None = None
    ) -> list[tuple[int, float]]:
        """(chunk row, BM25 score) pairs with a positive score, best first."""
        with (timer or NO_TIMER).stage("bm25"):
            return self._bm25(question, n, mask)

    def _bm25(self, question: str, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        query = self.lexical_query(question)
        scores = self.index.bm25.scores(query, mask.astype(np.float32) if mask is not None else None)
        n = min(n, len(scores))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]

    def search(
        self,
        question: str,
        k: int = 5,
        mode: str = "hybrid",
        where: SearchFilter | None = None,
        timer: StageTimer | None = None,
    ) -> list[Hit]:
        """Top-`k` hits for `question`. Modes: hybrid (weighted RRF of dense and BM25), dense, bm25.

        `timer`, when given, receives the seconds spent in embed_query, faiss, bm25 and fusion."""
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        mask = self._mask(where)
        pool = max(self.candidates, k)
        dense = self.dense(question, pool, mask, timer) if mode in ("dense", "hybrid") else []
        lexical = self.bm25(question, pool, mask, timer) if mode in ("bm25", "hybrid") else []
        with (timer or NO_TIMER).stage("fusion"):
            return self._fuse(dense, lexical, k, mode)

    def _fuse(
        self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]], k: int, mode: str
    ) -> list[Hit]:
        dense_at = {row: (rank, score) for rank, (row, score) in enumerate(dense, 1)}
        bm25_at = {row: (rank, score) for rank, (row, score) in enumerate(lexical, 1)}
        if mode == "dense":
            ranked = [(row, score) for row, score in dense]
        elif mode == "bm25":
            ranked = [(row, score) for row, score in lexical]
        else:
            fused: dict[int, float] = {}
            for weight, ranking in ((self.dense_weight, dense), (self.bm25_weight, lexical)):
                for rank, (row, _) in enumerate(ranking, 1):
                    fused[row] = fused.get(row, 0.0) + weight / (self.rrf_k + rank)
            ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        hits = []
        for rank, (row, score) in enumerate(ranked[:k], 1):
            chunk = self.index.chunks[row]
            d, b = dense_at.get(row, (None, None)), bm25_at.get(row, (None, None))
            hits.append(Hit(rank, score, chunk, self.index.document_of(chunk), d[0], d[1], b[0], b[1]))
        return hits
