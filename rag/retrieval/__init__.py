"""Finding passages for a question: query checks, the `Retriever` (dense | bm25 | hybrid), filters, the one
weighted RRF, and English → Chinese terms for BM25.

May import: `rag.index` and everything below it.
"""

from .crosslingual import QueryTranslator
from .filters import SearchFilter
from .fusion import weighted_rrf
from .query import MODES, check_mode, check_query
from .retriever import Retriever
from .settings import RetrievalSettings

__all__ = [
    "MODES",
    "QueryTranslator",
    "RetrievalSettings",
    "Retriever",
    "SearchFilter",
    "check_mode",
    "check_query",
    "weighted_rrf",
]
