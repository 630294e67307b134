"""`Settings`: where things live, and the index, retrieval, answer and limit settings, from defaults and RAG_*.

May import: `rag.answer` and everything below it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.answer import DEFAULT_SETTINGS, AnswerSettings
from rag.chunking import ChunkingConfig
from rag.embedding import DEFAULT_MODEL_ID, preferred_model_spec
from rag.errors import ConfigError
from rag.index import IndexSettings, MilvusSettings
from rag.limits import Limits
from rag.retrieval import RetrievalSettings


def default_home() -> Path:
    """`$RAG_HOME`, else `$XDG_CACHE_HOME/magrag`, else `~/.cache/magrag`."""
    if home := os.environ.get("RAG_HOME"):
        return Path(home).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "magrag"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _milvus_from_env(base: Settings) -> dict:
    """RAG_BACKEND and the RAG_MILVUS_* settings."""
    m = base.milvus
    try:
        timeout = float(os.environ.get("RAG_MILVUS_TIMEOUT") or m.timeout)
    except ValueError:
        raise ConfigError(
            f"RAG_MILVUS_TIMEOUT must be a number of seconds, got {os.environ['RAG_MILVUS_TIMEOUT']!r}"
        ) from None
    milvus = MilvusSettings(
        uri=os.environ.get("RAG_MILVUS_URI") or m.uri,
        token=os.environ.get("RAG_MILVUS_TOKEN") or m.token,
        database=os.environ.get("RAG_MILVUS_DATABASE") or m.database,
        collection=os.environ.get("RAG_MILVUS_COLLECTION") or m.collection,
        index_type=os.environ.get("RAG_MILVUS_INDEX_TYPE") or m.index_type,
        lexical=os.environ.get("RAG_MILVUS_LEXICAL") or m.lexical,
        timeout=timeout,
    )
    return {"backend": os.environ.get("RAG_BACKEND") or base.backend, "milvus": milvus}


#: `Settings.answerer` values: "auto" lets the local model answer English questions when it is installed and
#: quotes for the rest (README, Generative answers); "extractive" always quotes; "local" uses the model for all.
AUTO, EXTRACTIVE, LOCAL = "auto", "extractive", "local"
ANSWERERS = (AUTO, EXTRACTIVE, LOCAL)


@dataclass(frozen=True)
class Settings:
    """Everything configurable. `Settings.from_env()` reads RAG_* variables over the defaults.

    `home` holds the caches (converted model, embedding cache) and, unless `index_dir` is set, the index; the
    model, chunking and dense-index choices form `index` (the `IndexSettings` the index layer gets)."""

    home: Path = field(default_factory=default_home)
    index_dir: Path | None = None
    # bf16 autocast where the CPU computes bf16 natively: 1.7x the embedding throughput, same MRR (README Performance)
    model: str = field(default_factory=lambda: preferred_model_spec(DEFAULT_MODEL_ID))
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    faiss_factory: str = "auto"  # exact up to 200k vectors, IVF beyond (rag.index.faiss_dense, README Performance)
    dense_backend: str = "faiss"
    # "separate": each sentence embedded on its own; "pooled" halves the cold build, dense MRR@10 −0.09 (README)
    sentence_vectors: str = "separate"
    # the bundled issue's shipped vectors prime the embedding cache (RAG_SEED_VECTORS=0: embed everything)
    seed_vectors: bool = True
    batch_size: int = 32
    backend: str = "file"
    milvus: MilvusSettings = field(default_factory=MilvusSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    answer: AnswerSettings = DEFAULT_SETTINGS
    limits: Limits = field(default_factory=Limits)
    # "auto", "extractive" (instant quotes) or "local" (the local chat model composes from chosen sentences)
    answerer: str = AUTO

    @property
    def index_path(self) -> Path:
        return self.index_dir or self.home / "index"

    @property
    def index(self) -> IndexSettings:
        """What the index layer needs: paths, model, chunking, dense backend, file-size limit."""
        return IndexSettings(
            root=self.index_path,
            cache_dir=self.home,
            model=self.model,
            chunking=self.chunking,
            faiss_factory=self.faiss_factory,
            dense_backend=self.dense_backend,
            sentence_vectors=self.sentence_vectors,
            seed_vectors=self.seed_vectors,
            batch_size=self.batch_size,
            max_file_bytes=self.limits.max_file_bytes,
            backend=self.backend,
            milvus=self.milvus,
        )

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Defaults, then RAG_* environment variables, then keyword overrides (from CLI flags)."""
        base = cls()
        limits = base.limits
        env = {
            "model": os.environ.get("RAG_MODEL") or base.model,
            "faiss_factory": os.environ.get("RAG_FAISS_FACTORY") or base.faiss_factory,
            "dense_backend": os.environ.get("RAG_DENSE_BACKEND") or base.dense_backend,
            "sentence_vectors": os.environ.get("RAG_SENTENCE_VECTORS") or base.sentence_vectors,
            "answerer": os.environ.get("RAG_ANSWERER") or base.answerer,
            "seed_vectors": os.environ.get("RAG_SEED_VECTORS", "1").strip().lower() not in ("0", "no", "off", "false"),
            "retrieval": replace(base.retrieval, top_k=_env_int("RAG_TOP_K", base.retrieval.top_k)),
            "limits": replace(
                limits,
                max_query_chars=_env_int("RAG_MAX_QUERY_CHARS", limits.max_query_chars),
                max_file_bytes=_env_int("RAG_MAX_FILE_MB", limits.max_file_bytes // 2**20) * 2**20,
                max_upload_files=_env_int("RAG_MAX_UPLOAD_FILES", limits.max_upload_files),
            ),
            "chunking": ChunkingConfig(
                chunk_size=_env_int("RAG_CHUNK_SIZE", base.chunking.chunk_size),
                chunk_overlap=_env_int("RAG_CHUNK_OVERLAP", base.chunking.chunk_overlap),
            ),
        }
        env |= _milvus_from_env(base)
        if index_dir := os.environ.get("RAG_INDEX_DIR"):
            env["index_dir"] = Path(index_dir).expanduser()
        settings = replace(base, **env)
        settings.index  # noqa: B018  (checks the dense backend now, not at the first build)
        clean = {k: v for k, v in overrides.items() if v is not None}
        settings = replace(settings, **clean)
        if settings.answerer not in ANSWERERS:
            raise ValueError(f"unknown answerer {settings.answerer!r}: use one of {', '.join(ANSWERERS)}")
        return settings
