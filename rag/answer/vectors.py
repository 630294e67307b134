"""Sentence vectors the answerer needs, cached: an LRU per answerer, so repeated passages are embedded once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from rag.embedding import Embedder


class SentenceVectors:
    """Passage-side vectors of short texts from one embedder, kept in a bounded LRU (thread-safe)."""

    def __init__(self, embedder: Embedder, size: int = 4096):
        self.embedder = embedder
        self.size = size
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (L2-normalised), embedding only the texts not cached yet."""
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        with self._lock:
            found = {t: self._data[t] for t in texts if t in self._data}
            for t in found:
                self._data.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = np.asarray(self.embedder.encode_passages(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, vectors):
                    found[t] = v
                    self._data[t] = v
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def __len__(self) -> int:
        return len(self._data)
