"""The search index: the dense, lexical and chunk-store seams (`protocols`), their backends (FAISS and exact NumPy
dense indexes, bm25s; or Milvus collections with `RAG_BACKEND=milvus`), the vector layout, the store with its
manifest, the build, and the build lock.

May import: `rag.ingest`, `rag.chunking`, `rag.embedding`, `rag.text`, `rag.types`, `rag.errors`, `rag.limits`.
"""

from .backends import build_index, check_index, open_index
from .build import (
    BuildReport,
    Progress,
    corpus_fingerprint,
    expected_settings,
    pipeline_fingerprint,
    pools_sentences,
    stale_reason,
)
from .faiss_dense import FaissDenseIndex, choose_factory
from .layout import (
    MIN_SENTENCE_CHARS,
    SENTENCE_VECTORS,
    chunk_texts,
    dense_texts,
    keep_sentence_vectors,
    sentence_spans,
)
from .lexical import BM25Index
from .lock import IndexLock
from .milvus import SPARSE, MilvusStore
from .milvus_build import chunk_row, load_milvus_index, vector_rows
from .milvus_search import MilvusDense, MilvusLexical, RowMap
from .numpy_dense import NumpyDenseIndex
from .progress import STAGES, BuildProgress, ProgressTracker, clock
from .protocols import ChunkStore, DenseIndex, LexicalIndex
from .selection import top_k
from .settings import BACKENDS, DENSE_BACKENDS, IndexSettings, MilvusSettings
from .store import FORMAT_VERSION, SearchIndex, current_build, load_index, read_manifest, write_atomic

__all__ = [
    "BACKENDS",
    "MilvusDense",
    "MilvusLexical",
    "MilvusSettings",
    "MilvusStore",
    "RowMap",
    "chunk_row",
    "load_milvus_index",
    "vector_rows",
    "DENSE_BACKENDS",
    "FORMAT_VERSION",
    "MIN_SENTENCE_CHARS",
    "SENTENCE_VECTORS",
    "SPARSE",
    "STAGES",
    "BuildProgress",
    "BM25Index",
    "BuildReport",
    "ChunkStore",
    "DenseIndex",
    "FaissDenseIndex",
    "IndexLock",
    "IndexSettings",
    "LexicalIndex",
    "NumpyDenseIndex",
    "Progress",
    "ProgressTracker",
    "SearchIndex",
    "build_index",
    "check_index",
    "choose_factory",
    "clock",
    "chunk_texts",
    "corpus_fingerprint",
    "current_build",
    "dense_texts",
    "expected_settings",
    "keep_sentence_vectors",
    "load_index",
    "open_index",
    "pipeline_fingerprint",
    "pools_sentences",
    "read_manifest",
    "sentence_spans",
    "stale_reason",
    "top_k",
    "write_atomic",
]
