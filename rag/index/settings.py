"""What the index layer is told: where the index and caches live, the model, chunking and dense backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import ChunkingConfig
from rag.embedding import DEFAULT_MODEL_ID, preferred_model_spec
from rag.errors import ConfigError
from rag.limits import Limits

from .layout import SENTENCE_VECTORS

DENSE_BACKENDS = ("faiss", "numpy")


@dataclass(frozen=True)
class IndexSettings:
    """Where the index lives (`root`), where caches live (`cache_dir`: converted model, embedding cache), and how
    passages become vectors and indexes."""

    root: Path
    cache_dir: Path
    # bf16 autocast where the CPU computes bf16 natively: 1.7x the embedding throughput, same MRR (README Performance)
    model: str = field(default_factory=lambda: preferred_model_spec(DEFAULT_MODEL_ID))
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    faiss_factory: str = "auto"  # exact up to 200k vectors, IVF beyond (rag.index.faiss_dense, README Performance)
    dense_backend: str = "faiss"
    # "pooled" (from the chunk's own pass) halves the cold build but costs dense MRR@10 0.09 (README Performance)
    sentence_vectors: str = "separate"
    batch_size: int = 32
    max_file_bytes: int = Limits().max_file_bytes

    def __post_init__(self) -> None:
        if self.dense_backend not in DENSE_BACKENDS:
            choices = ", ".join(DENSE_BACKENDS)
            raise ConfigError(f"unknown dense backend {self.dense_backend!r}; choose one of {choices}")
        if self.sentence_vectors not in SENTENCE_VECTORS:
            choices = ", ".join(SENTENCE_VECTORS)
            raise ConfigError(f"unknown sentence vectors {self.sentence_vectors!r}; choose one of {choices}")

    @property
    def embedding_cache(self) -> Path:
        return Path(self.cache_dir) / "embeddings.sqlite"
