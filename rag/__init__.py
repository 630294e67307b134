"""Offline question answering over Chinese magazine articles, with cited answers and an evaluation harness.

The user API: `Settings` → `open_engine(settings)` → `engine.retriever.search(...)` / `engine.answerer.answer(...)`
(or `answer_question` / `stream_answer` for one-off answers), the records they return, and the errors.

Layers, each importing only the ones below it (checked by import-linter in the test command):
`cli` → `bench` → `evaluation` → `engine` → `config` → `answer` → `retrieval` → `index` →
`ingest | chunking | embedding` → `text` → `types | errors | limits | timing`.
"""

from rag.answer import Answer, Answerer, Citation, LLMConfig, Source, answer_question, stream_answer
from rag.config import Settings
from rag.engine import Engine, open_engine, rebuild_engine
from rag.errors import (
    ConfigError,
    DatasetError,
    EmbeddingModelError,
    IndexBusy,
    IndexCorrupt,
    IndexMissing,
    IndexProblem,
    IndexStale,
    QueryError,
    RagError,
    UnreadableFile,
    UsageError,
)
from rag.retrieval import SearchFilter
from rag.types import Chunk, Document, Hit

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Answerer",
    "Chunk",
    "Citation",
    "ConfigError",
    "DatasetError",
    "Document",
    "EmbeddingModelError",
    "Engine",
    "Hit",
    "IndexBusy",
    "IndexCorrupt",
    "IndexMissing",
    "IndexProblem",
    "IndexStale",
    "LLMConfig",
    "QueryError",
    "RagError",
    "SearchFilter",
    "Settings",
    "Source",
    "UnreadableFile",
    "UsageError",
    "answer_question",
    "open_engine",
    "rebuild_engine",
    "stream_answer",
]
