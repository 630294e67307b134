"""How searches rank: k, the candidates per retriever, the fusion constants, query translation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievalSettings:
    """Defaults chosen on the development set (README, Quality)."""

    top_k: int = 5
    candidates: int = 50  # per retriever, before fusion
    rrf_k: int = 60
    dense_weight: float = 0.6  # weighted RRF
    bm25_weight: float = 1.0
    translate: bool = True  # English questions get Chinese BM25 terms (rag.retrieval.crosslingual)
