"""The seam every embedder fits: questions and passages → L2-normalised float32 vectors; `SpanEmbedder` adds span
vectors pooled from the passage's own forward pass."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

Span = tuple[int, int]  # character offsets [start, end) in a passage


@runtime_checkable
class Embedder(Protocol):
    """Turns questions and passages into L2-normalised float32 vectors."""

    name: str
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


@runtime_checkable
class SpanEmbedder(Embedder, Protocol):
    """An embedder that also returns, from the same forward pass, one vector per character span of each passage
    (the mean of the span's token embeddings, L2-normalised): sentence vectors without a pass per sentence."""

    def encode_passages_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]: ...
