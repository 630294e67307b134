"""Search: dense, BM25 and hybrid (weighted reciprocal-rank fusion), with document/section/chunk filters."""

from __future__ import annotations

import threading

import numpy as np

from rag.embedding import Embedder
from rag.index import SearchIndex, top_k
from rag.limits import Limits
from rag.text import is_english
from rag.timing import NO_TIMER, StageTimer
from rag.types import Hit

from .crosslingual import QueryTranslator
from .filters import SearchFilter
from .fusion import weighted_rrf
from .query import check_mode
from .settings import RetrievalSettings

VECTORS_PER_CHUNK = 8  # rows fetched per wanted chunk: several sentence vectors of one chunk may rank together


class Retriever:
    """Searches one loaded index with one embedder. Thread-safe for concurrent searches."""

    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder,
        settings: RetrievalSettings = RetrievalSettings(),
        limits: Limits = Limits(),
    ):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.limits = limits  # for `check_query` in callers that take raw user input
        self._translator: QueryTranslator | None = None
        self._translator_lock = threading.Lock()

    def _translating(self) -> QueryTranslator:
        with self._translator_lock:
            if self._translator is None:
                names = {a for d in self.index.documents.values() for a in d.authors}
                self._translator = QueryTranslator(self.index.bm25.vocabulary, names)
            return self._translator

    def lexical_query(self, question: str) -> str:
        """The text BM25 searches with: the question, or Chinese terms for an English question."""
        if not self.settings.translate or not is_english(question):
            return question
        return self._translating().translate(question)

    def lexical_groups(self, question: str) -> list[tuple[str, ...]]:
        """The terms of `lexical_query` for an English question, grouped by the word each stands for
        (`QueryTranslator.term_groups`); [] for other questions."""
        if not self.settings.translate or not is_english(question):
            return []
        return self._translating().term_groups(question)

    def question_names(self, question: str) -> list[str]:
        """The Chinese names an English question names (Anta → 安踏, Miao Wei → 苗圩); [] for other questions."""
        if not self.settings.translate or not is_english(question):
            return []
        return self._translating().names_in(question)

    def _mask(self, where: SearchFilter | None) -> np.ndarray | None:
        if not where:
            return None
        allowed = {d for d in self.index.documents if where.allows(self.index.documents, d)}
        excluded = set(where.exclude_chunks)
        return np.array([c.doc_id in allowed and c.id not in excluded for c in self.index.chunks], dtype=bool)

    def dense(
        self, question: str, n: int, mask: np.ndarray | None = None, timer: StageTimer | None = None
    ) -> list[tuple[int, float]]:
        """(chunk row, cosine) pairs, best first; a chunk scores the best of its chunk and sentence vectors."""
        timer = timer or NO_TIMER
        owner = self.index.dense_owner
        with timer.stage("embed_query"):
            vector = self.embedder.encode_queries([question])
        allowed_rows = None
        allowed = len(owner)
        if mask is not None:
            allowed_rows = np.flatnonzero(mask[owner]).astype(np.int64)
            if len(allowed_rows) == 0:
                return []
            allowed = len(allowed_rows)
        fetch = min(allowed, n * VECTORS_PER_CHUNK)
        if fetch <= 0:
            return []
        with timer.stage("faiss"):
            scores, rows = self.index.dense.search(vector, fetch, allowed_rows)
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
            query = self.lexical_query(question)
            scores = self.index.bm25.scores(query, mask.astype(np.float32) if mask is not None else None)
            return top_k(scores, n, positive_only=True)

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
        check_mode(mode)
        mask = self._mask(where)
        pool = max(self.settings.candidates, k)
        dense = self.dense(question, pool, mask, timer) if mode in ("dense", "hybrid") else []
        lexical = self.bm25(question, pool, mask, timer) if mode in ("bm25", "hybrid") else []
        with (timer or NO_TIMER).stage("fusion"):
            return self._fuse(dense, lexical, k, mode)

    def _fuse(self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]], k: int, mode: str) -> list[Hit]:
        dense_at = {row: (rank, score) for rank, (row, score) in enumerate(dense, 1)}
        bm25_at = {row: (rank, score) for rank, (row, score) in enumerate(lexical, 1)}
        if mode == "dense":
            ranked = dense
        elif mode == "bm25":
            ranked = lexical
        else:
            s = self.settings
            rankings = [(s.dense_weight, [r for r, _ in dense]), (s.bm25_weight, [r for r, _ in lexical])]
            ranked = weighted_rrf(rankings, s.rrf_k)
        hits = []
        for rank, (row, score) in enumerate(ranked[:k], 1):
            chunk = self.index.chunks[row]
            d, b = dense_at.get(row, (None, None)), bm25_at.get(row, (None, None))
            hits.append(Hit(rank, score, chunk, self.index.document_of(chunk), d[0], d[1], b[0], b[1]))
        return hits
