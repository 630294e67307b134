"""Files → `Document`s: reading text files (UTF-8, UTF-16, GBK), the magazine parser, the bundled issue.

May import: `rag.text`, `rag.types`, `rag.errors`.
"""

from .bundled import bundled_corpus
from .corpus import (
    DEFAULT_MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    LoadedCorpus,
    decode_text,
    documents_from_text,
    iter_text_files,
    load_corpus,
    read_text_file,
)
from .magazine import parse_magazine

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "TEXT_SUFFIXES",
    "LoadedCorpus",
    "bundled_corpus",
    "decode_text",
    "documents_from_text",
    "iter_text_files",
    "load_corpus",
    "parse_magazine",
    "read_text_file",
]
