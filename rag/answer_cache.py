"""What the answerer looks up repeatedly, cached: sentence vectors per embedder (`sentence_vectors`, an LRU),
and per index object the row of each chunk (`_chunk_row`), the texts for document frequencies
(`_texts_for_df`) and the sentence vectors a multi-vector dense index already stores (`_stored_vectors`).

Per-index caches hold a weak reference to the index, so a rebuilt index is never served stale entries.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from .embedding import Embedder
from .text import squash
from .types import Chunk

_MAX_DF_TEXTS = 20000
_corpus_lock = threading.Lock()
_corpus_texts: dict[int, tuple[weakref.ref, list[str]]] = {}


def _texts_for_df(index: Any) -> list[str]:
    """Lower-cased chunk texts (with headers) of an index, cached per index object (sampled when huge)."""
    key = id(index)
    with _corpus_lock:
        entry = _corpus_texts.get(key)
        if entry is not None and entry[0]() is index:
            return entry[1]
        chunks = list(getattr(index, "chunks", []))
        if len(chunks) > _MAX_DF_TEXTS:
            step = len(chunks) / _MAX_DF_TEXTS
            chunks = [chunks[int(i * step)] for i in range(_MAX_DF_TEXTS)]
        texts = [squash(f"{c.header}\n{c.text}").lower() for c in chunks]
        for k in [k for k, (ref, _) in _corpus_texts.items() if ref() is None]:
            del _corpus_texts[k]
        try:
            _corpus_texts[key] = (weakref.ref(index), texts)
        except TypeError:  # an object without weak references: do not cache
            pass
        return texts


class _VectorCache:
    """A small LRU of sentence vectors per embedder, so repeated passages are not embedded twice."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._data: OrderedDict[tuple[tuple[int, str], str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        key = (id(embedder), str(getattr(embedder, "name", "")))
        with self._lock:
            found = {t: self._data[(key, t)] for t in texts if (key, t) in self._data}
            for t in found:
                self._data.move_to_end((key, t))
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = np.asarray(embedder.encode_passages(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, vectors):
                    found[t] = v
                    self._data[(key, t)] = v
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
        if not texts:
            return np.zeros((0, getattr(embedder, "dimension", 1)), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


sentence_vectors = _VectorCache()


_rows_lock = threading.Lock()
_rows: dict[int, tuple[weakref.ref, dict[str, int]]] = {}


def _chunk_row(index: Any, chunk_id: str) -> int | None:
    """Row of a chunk in `index.chunks` (cached per index object)."""
    key = id(index)
    with _rows_lock:
        entry = _rows.get(key)
        if entry is None or entry[0]() is not index:
            rows = {c.id: i for i, c in enumerate(getattr(index, "chunks", []))}
            try:
                _rows[key] = (weakref.ref(index), rows)
            except TypeError:
                return rows.get(chunk_id)
            entry = _rows[key]
    return entry[1].get(chunk_id)


def _stored_vectors(index: Any, embedder: Embedder, chunk: Chunk) -> dict[str, np.ndarray]:
    """The sentence vectors the index already holds for `chunk` (multi-vector dense index), by sentence text.

    Used only when the index was built with the same model as `embedder`; empty when unavailable."""
    try:
        owner = getattr(index, "dense_owner", None)
        model = (getattr(index, "manifest", None) or {}).get("model", {}).get("name")
        if owner is None or model != getattr(embedder, "name", None):
            return {}
        from .index import dense_texts

        row = _chunk_row(index, chunk.id)
        if row is None:
            return {}
        lo, hi = int(np.searchsorted(owner, row, "left")), int(np.searchsorted(owner, row, "right"))
        texts, _ = dense_texts([chunk])
        if hi - lo != len(texts) or not all(owner[lo:hi] == row):
            return {}
        vectors = index.faiss_index.reconstruct_n(lo, hi - lo)
        return {t: np.asarray(v, dtype=np.float32) for t, v in zip(texts[1:], vectors[1:])}
    except Exception:  # an index type without reconstruction, an older layout …: embed instead
        return {}
