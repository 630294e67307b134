"""Passage vectors cached on disk by (model, text) hash, so unchanged passages are never embedded twice; span
vectors pooled from a passage's pass are keyed apart (`SPAN_POOLING`), so they never stand in for a sentence
embedded on its own. Both embed in length-sorted batches and report `(done, total)` after each."""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.types import content_hash

from .protocol import Embedder, Span, SpanEmbedder
from .seed import SeedVectors

log = logging.getLogger(__name__)

#: The layout of the SQLite file; a file of another version is not read (its vectors are recomputed).
CACHE_SCHEMA_VERSION = 1
#: Part of the key of a span vector pooled from its passage's pass (`SpanEmbedder`), never of a passage's key.
SPAN_POOLING = "span-mean-pooled"

#: Called after each batch with (texts embedded so far, texts to embed, share of the characters embedded so far).
Tick = Callable[[int, int, float], None]


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

    def span_key(self, text: str, span: Span) -> str:
        """The key of the vector pooled over `span` of `text`'s own pass (apart from any passage's key)."""
        return content_hash(self.model_name, SPAN_POOLING, f"{span[0]}:{span[1]}", text, length=32)

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return self.get_keys([self.key(t) for t in texts])

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.put_keys([self.key(t) for t in texts], vectors)

    def get_keys(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._conn.execute(f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", batch)
            for key, dim, blob in rows:
                if dim == self.dimension and len(blob) == 4 * dim:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_keys(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(k, self.dimension, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors)]
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def prime(self, seed: SeedVectors | None) -> int:
        """Add the vectors of `seed` this cache lacks, if the seed was made by this cache's model; returns how many."""
        if seed is None or seed.model != self.model_name or seed.dimension != self.dimension:
            return 0
        rows = [(k, self.dimension, v.tobytes()) for k, v in zip(seed.keys, seed.vectors)]
        with self._conn:
            before = self._conn.total_changes
            self._conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", rows)
            return self._conn.total_changes - before

    def close(self) -> None:
        self._conn.close()


def batches(texts: Sequence[str], calls: int = 24, most: int = 64) -> list[list[int]]:
    """Indexes of `texts` in batches of similar length (little padding), in an order that alternates long and short
    batches, so the rate after any few batches says how long the rest will take."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    size = max(1, min(most, math.ceil(len(order) / calls)))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    mixed = []
    while groups:
        mixed.append(groups.pop(0))
        if groups:
            mixed.append(groups.pop())
    return mixed


def _encode_in_batches(embedder: Embedder, texts: list[str], tick: Tick | None) -> np.ndarray:
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    done, chars, total_chars = 0, 0, sum(map(len, texts)) or 1
    if tick:
        tick(0, len(texts), 0.0)
    for batch in batches(texts):
        vectors[batch] = embedder.encode_passages([texts[i] for i in batch])
        done, chars = done + len(batch), chars + sum(len(texts[i]) for i in batch)
        if tick:
            tick(done, len(texts), chars / total_chars)
    return vectors


def embed_passages_cached(
    embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache | None, tick: Tick | None = None
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those missing from the cache; returns (vectors, number embedded)."""
    if cache is None:
        return _encode_in_batches(embedder, list(texts), tick), len(texts)
    cached = cache.get_many(texts)
    missing = [t for t in dict.fromkeys(texts) if cache.key(t) not in cached]
    if tick and not missing:
        tick(0, 0, 1.0)
    if missing:
        log.info("embedding %d of %d passages", len(missing), len(texts))
        fresh = _encode_in_batches(embedder, missing, tick)
        cache.put_many(missing, fresh)
        cached.update({cache.key(t): v for t, v in zip(missing, fresh)})
    vectors = (
        np.stack([cached[cache.key(t)] for t in texts]) if texts else np.zeros((0, embedder.dimension), np.float32)
    )
    return np.ascontiguousarray(vectors, dtype=np.float32), len(missing)


def embed_with_spans_cached(
    embedder: SpanEmbedder,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    cache: EmbeddingCache,
    tick: Tick | None = None,
) -> tuple[list[np.ndarray], int]:
    """For each text, its passage vector followed by its span vectors pooled from the same pass (cache first);
    returns (one matrix per text, number of passes run). A text missing any of its vectors is passed again."""
    keys = [[cache.key(t)] + [cache.span_key(t, s) for s in sp] for t, sp in zip(texts, spans)]
    cached = cache.get_keys([k for row in keys for k in row])
    missing = [i for i, row in enumerate(keys) if any(k not in cached for k in row)]
    missing = list({texts[i]: i for i in reversed(missing)}.values())  # each distinct text once
    done, chars, total_chars = 0, 0, sum(len(texts[i]) for i in missing) or 1
    if tick:
        tick(0, len(missing), 0.0)
    if missing:
        log.info("embedding %d of %d passages with their sentences", len(missing), len(texts))
        for batch in batches([texts[i] for i in missing]):
            rows = [missing[b] for b in batch]
            vectors, pooled = embedder.encode_passages_with_spans([texts[i] for i in rows], [spans[i] for i in rows])
            new_keys = [k for i in rows for k in keys[i]]
            new_vectors = np.concatenate([np.vstack([v[None, :], p]) for v, p in zip(vectors, pooled)])
            cache.put_keys(new_keys, new_vectors)
            cached.update(zip(new_keys, new_vectors))
            done, chars = done + len(rows), chars + sum(len(texts[i]) for i in rows)
            if tick:
                tick(done, len(missing), chars / total_chars)
    out = [np.stack([cached[k] for k in row]).astype(np.float32) for row in keys]
    return out, len(missing)
