"""Documents → `Chunk`s on Chinese sentence boundaries, with character offsets and a contextual header.

May import: `rag.text`, `rag.types`, `rag.errors`.
"""

from .splitter import CHINESE_SEPARATORS, ChunkingConfig, chunk_document, chunk_documents, document_header

__all__ = ["CHINESE_SEPARATORS", "ChunkingConfig", "chunk_document", "chunk_documents", "document_header"]
