"""The bm25s lexical backend: BM25 over `rag.text.search_tokens` (jieba words and counts), saved as numpy/JSON files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.text import query_terms, search_tokens


class BM25Index:
    """A bm25s index over pre-tokenised passages, saved as plain numpy/JSON files (no pickle)."""

    #: The folder a BM25 index is saved to inside a build folder.
    FOLDER = "bm25"

    def __init__(self, retriever):  # a bm25s.BM25
        self._retriever = retriever

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25(method="lucene")
        corpus_tokens = [search_tokens(t) or ["\u2205"] for t in texts]
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever)

    @property
    def vocabulary(self) -> set[str]:
        return set(self._retriever.vocab_dict)

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage for `query` (0 where no query term occurs, or masked out)."""
        scores = np.zeros(self.size, dtype=np.float32)
        by_weight: dict[float, list[str]] = {}  # one bm25s call per distinct weight (mostly 1 and 1/2)
        for token, weight in query_terms(query).items():
            if token in self._retriever.vocab_dict:
                by_weight.setdefault(weight, []).append(token)
        for weight, tokens in by_weight.items():
            scores += weight * np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
        return scores * mask if mask is not None else scores

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, mmap=False))
