"""The baseline a LangChain user gets by default, built in the same run for comparison."""

from __future__ import annotations

from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.embedding import Embedder, EmbeddingCache, embed_passages_cached
from rag.index import top_k
from rag.ingest import iter_text_files, read_text_file

from .retrieval import PassageSearch


class BaselineSearch:
    """The pipeline a LangChain user gets by default: whole files, RecursiveCharacterTextSplitter() 500/50,
    the same embedding model, dense only (exact inner product)."""

    def __init__(self, files: list[Path], embedder: Embedder, cache: EmbeddingCache | None = None):
        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
        paths, _ = iter_text_files(files)
        self.passages: list[tuple[str, str]] = []
        for path in paths:
            text, _ = read_text_file(path)
            for i, piece in enumerate(splitter.split_text(text)):
                self.passages.append((f"baseline:{path.name}:{i}", piece))
        self.embedder = embedder
        self.vectors, _ = embed_passages_cached(embedder, [p for _, p in self.passages], cache)

    def search(self, question: str, k: int):
        q = self.embedder.encode_queries([question])[0]
        found = top_k(self.vectors @ q, k)
        return [(self.passages[i][0], self.passages[i][1], score, {"title": "(whole text)"}) for i, score in found]

    def as_passage_search(self) -> PassageSearch:
        return PassageSearch(self.search, lambda: iter(self.passages))
