"""Text → vectors: the `Embedder` protocol, the sentence-transformers backend (bf16 where the CPU has it), the
on-disk vector cache (primed with the bundled issue's seed vectors), the bundled multilingual-e5-small and the CPU
facts that choose how to run it.

May import: `rag.text`, `rag.types`, `rag.errors`.
"""

from .bundled import DEFAULT_MODEL_ID, bundled_model_path, materialise_bundled_model
from .cache import (
    CACHE_SCHEMA_VERSION,
    SPAN_POOLING,
    EmbeddingCache,
    batches,
    embed_passages_cached,
    embed_with_spans_cached,
)
from .cpu import native_bf16, read_cpuinfo, usable_cores
from .protocol import Embedder, Span, SpanEmbedder
from .seed import SeedVectors, bundled_seed_path, read_seed, write_seed
from .st_backend import BF16_SUFFIX, SentenceTransformerEmbedder, preferred_model_spec, split_model_spec

__all__ = [
    "BF16_SUFFIX",
    "CACHE_SCHEMA_VERSION",
    "DEFAULT_MODEL_ID",
    "SPAN_POOLING",
    "Embedder",
    "EmbeddingCache",
    "Span",
    "SpanEmbedder",
    "batches",
    "SeedVectors",
    "SentenceTransformerEmbedder",
    "bundled_model_path",
    "bundled_seed_path",
    "embed_passages_cached",
    "embed_with_spans_cached",
    "materialise_bundled_model",
    "native_bf16",
    "preferred_model_spec",
    "read_cpuinfo",
    "read_seed",
    "split_model_spec",
    "usable_cores",
    "write_seed",
]
