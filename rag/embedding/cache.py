"""Passage vectors cached on disk by (model, text) hash, so unchanged passages are never embedded twice."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.types import content_hash

from .protocol import Embedder

log = logging.getLogger(__name__)

#: The layout of the SQLite file; a file of another version is not read (its vectors are recomputed).
CACHE_SCHEMA_VERSION = 1


class EmbeddingCache:
    """Passage vectors keyed by (model, text) hash in a SQLite file, so unchanged chunks are never re-embedded."""

    def __init__(self, path: Path, model_name: str, dimension: int):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.model_name = model_name
        self.dimension = dimension
        self._conn = sqlite3.connect(self.path, timeout=30)
        with self._conn:
            self._conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is not None and row[0] != str(CACHE_SCHEMA_VERSION):
                log.info(
                    "embedding cache %s has schema %s, not %s: starting it afresh", path, row[0], CACHE_SCHEMA_VERSION
                )
                self._conn.execute("DROP TABLE IF EXISTS vectors")
            self._conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)")
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(CACHE_SCHEMA_VERSION),))

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def key(self, text: str) -> str:
        return content_hash(self.model_name, text, length=32)

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        keys = [self.key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._conn.execute(f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", batch)
            for key, dim, blob in rows:
                if dim == self.dimension and len(blob) == 4 * dim:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (self.key(t), self.dimension, np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)
        ]
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._conn.close()


def embed_passages_cached(
    embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache | None, show_progress: bool = False
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those missing from the cache; returns (vectors, number embedded)."""
    if cache is None:
        return embedder.encode_passages(texts, show_progress=show_progress), len(texts)
    cached = cache.get_many(texts)
    missing = [t for t in dict.fromkeys(texts) if cache.key(t) not in cached]
    if missing:
        log.info("embedding %d of %d passages", len(missing), len(texts))
        fresh = embedder.encode_passages(missing, show_progress=show_progress)
        cache.put_many(missing, fresh)
        cached.update({cache.key(t): v for t, v in zip(missing, fresh)})
    vectors = (
        np.stack([cached[cache.key(t)] for t in texts]) if texts else np.zeros((0, embedder.dimension), np.float32)
    )
    return np.ascontiguousarray(vectors, dtype=np.float32), len(missing)
