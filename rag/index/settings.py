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
BACKENDS = ("file", "milvus")
MILVUS_LEXICAL = ("jieba", "milvus")


@dataclass(frozen=True)
class MilvusSettings:
    """Where the Milvus index lives and how it is searched (README, Running on Milvus).

    `uri` is a local `.db` file (embedded Milvus Lite; empty means `<index root>/milvus.db`) or `http(s)://host:port`
    (a Milvus >= 2.5 server or cluster, or a Milvus Lite server); `token` is `user:password` or an API key.
    `lexical` says which tokens BM25 runs on: the app's jieba tokens, or Milvus's own Chinese analyzer."""

    uri: str = ""
    token: str = ""
    database: str = ""
    collection: str = "magrag"
    index_type: str = "FLAT"  # Milvus Lite 2.5 has FLAT, IVF_FLAT and AUTOINDEX; a cluster also HNSW, DISKANN
    lexical: str = "jieba"  # the better of the two on the development set (README, Running on Milvus)
    timeout: float = 30.0  # seconds for connecting and for each call (a busy server loads collections slowly)

    def __post_init__(self) -> None:
        if self.lexical not in MILVUS_LEXICAL:
            raise ConfigError(
                f"unknown Milvus lexical mode {self.lexical!r}; choose one of {', '.join(MILVUS_LEXICAL)}"
            )
        if not self.collection.replace("_", "").isalnum() or not self.collection[:1].isalpha():
            raise ConfigError(f"the Milvus collection name {self.collection!r} must be letters, digits and _")


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
    # prime the embedding cache with the bundled issue's shipped vectors (rag.embedding.seed); off: a cold build
    seed_vectors: bool = True
    batch_size: int = 32
    max_file_bytes: int = Limits().max_file_bytes
    backend: str = "file"  # file: FAISS + bm25s files under `root`; milvus: collections in `milvus.uri`
    milvus: MilvusSettings = field(default_factory=MilvusSettings)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown index backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.dense_backend not in DENSE_BACKENDS:
            choices = ", ".join(DENSE_BACKENDS)
            raise ConfigError(f"unknown dense backend {self.dense_backend!r}; choose one of {choices}")
        if self.sentence_vectors not in SENTENCE_VECTORS:
            choices = ", ".join(SENTENCE_VECTORS)
            raise ConfigError(f"unknown sentence vectors {self.sentence_vectors!r}; choose one of {choices}")

    @property
    def milvus_uri(self) -> str:
        """The Milvus address: the configured URI, else the embedded Milvus Lite file in the index folder."""
        return self.milvus.uri or str(Path(self.root) / "milvus.db")

    @property
    def embedding_cache(self) -> Path:
        return Path(self.cache_dir) / "embeddings.sqlite"
