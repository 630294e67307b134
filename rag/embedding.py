"""Embedders: the `Embedder` protocol, the sentence-transformers implementation and a vector cache."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .types import content_hash

log = logging.getLogger(__name__)


class EmbeddingModelError(RuntimeError):
    """The embedding model cannot be loaded; the message says what to do."""


@runtime_checkable
class Embedder(Protocol):
    """Turns questions and passages into L2-normalised float32 vectors."""

    name: str
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


BF16_SUFFIX = "+bf16"


def split_model_spec(model: str) -> tuple[str, str]:
    """(model id or folder, "fp32" | "bf16"): a trailing `+bf16` on the model asks for bf16 autocast."""
    if model.endswith(BF16_SUFFIX) and len(model) > len(BF16_SUFFIX):
        return model[: -len(BF16_SUFFIX)], "bf16"
    return model, "fp32"


@functools.cache
def native_bf16() -> bool:
    """True when this CPU has bf16 dot-product instructions (AVX512-BF16 or AMX), which torch's oneDNN uses."""
    from .throughput import read_cpuinfo

    return bool({"avx512_bf16", "amx_bf16"} & (read_cpuinfo().get("flags") or set()))


def preferred_model_spec(model: str) -> str:
    """`model` with `+bf16` where this CPU computes bf16 natively (faster, same retrieval quality), else as is."""
    base, _ = split_model_spec(model)
    return base + BF16_SUFFIX if native_bf16() else base


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; the default is the bundled multilingual-e5-small.

    E5 models get their `query: ` / `passage: ` prefixes; models that declare prompts use them.
    A model given as `<model>+bf16` runs under CPU bf16 autocast (matmuls in bf16: about 1.7× faster where the
    CPU has AVX512-BF16 or AMX, same retrieval quality; eval/bench_embedding.py). The name keeps the suffix, so
    its vectors are cached and indexed apart from fp32 ones.
    """

    def __init__(self, model: str, cache_dir: Path, batch_size: int = 32, allow_download: bool | None = None):
        from .bundled_model import DEFAULT_MODEL_ID

        self.name = model
        model, self.precision = split_model_spec(model)
        if self.precision == "bf16" and not native_bf16():
            log.warning("%s: this CPU has no native bf16, so bf16 autocast will be slower than fp32", self.name)
        self.batch_size = batch_size
        if allow_download is None:
            allow_download = os.environ.get("RAG_ALLOW_DOWNLOAD", "") not in ("", "0", "false")
        if model == DEFAULT_MODEL_ID and not Path(model).exists():
            from .bundled_model import materialise_bundled_model

            path = str(materialise_bundled_model(Path(cache_dir)))
        else:
            path = model
        self._model = _load_sentence_transformer(path, allow_download)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        prompts = getattr(self._model, "prompts", {}) or {}
        is_e5 = "e5" in model.lower()
        self._query_prompt = prompts.get("query") or ("query: " if is_e5 else "")
        self._passage_prompt = prompts.get("passage") or prompts.get("document") or ("passage: " if is_e5 else "")
        self._lock = threading.Lock()  # torch modules are not re-entrant across threads for one model

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)

    @property
    def query_prompt(self) -> str:
        return self._query_prompt

    @property
    def passage_prompt(self) -> str:
        return self._passage_prompt

    def tokenizer(self):
        return self._model.tokenizer

    @property
    def model_config(self) -> dict:
        """The transformer's configuration (layers, hidden size, …) as a dict; empty when there is none."""
        try:
            return self._model[0].auto_model.config.to_dict()
        except (AttributeError, IndexError, KeyError, TypeError):
            return {}

    def _encode(self, texts: Sequence[str], prompt: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock, self._autocast():
            vectors = self._model.encode(
                list(texts),
                prompt=prompt or None,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.precision != "bf16":
            return contextlib.nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt, False)

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self._passage_prompt, show_progress)


def _load_sentence_transformer(path: str, allow_download: bool):
    from sentence_transformers import SentenceTransformer

    if Path(path).exists():
        try:
            return SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # a folder that is not a model
            raise EmbeddingModelError(f"{path} is not a usable sentence-transformers model folder ({exc})") from None
    try:
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception:
        if not allow_download:
            raise EmbeddingModelError(
                f"model {path!r} is not in the local cache and downloads are off: "
                "give a local model folder, or set RAG_ALLOW_DOWNLOAD=1 on a machine with network"
            ) from None
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "20")
    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as exc:
        raise EmbeddingModelError(f"could not download model {path!r}: {str(exc).splitlines()[0]}") from None


class EmbeddingCache:
    """Passage vectors keyed by (model, text) hash in a SQLite file, so unchanged chunks are never re-embedded."""

    def __init__(self, path: Path, model_name: str, dimension: int):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.model_name = model_name
        self.dimension = dimension
        self._conn = sqlite3.connect(self.path, timeout=30)
        self._conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)")
        self._conn.commit()

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
