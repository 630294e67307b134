"""A tiny deterministic embedder whose rankings are known in advance: hashed character bigrams."""

from __future__ import annotations

import hashlib

import numpy as np


class FakeEmbedder:
    """Bag of hashed character bigrams, L2-normalised: texts sharing more bigrams are closer."""

    def __init__(self, dimension: int = 64, name: str = "fake-bigram"):
        self.name = name
        self.dimension = dimension
        self.calls = 0
        self.embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for a, b in zip(text, text[1:]):
            h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
            v[h % self.dimension] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def encode_queries(self, texts):
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_passages(self, texts, show_progress=False):
        self.calls += 1
        self.embedded += len(texts)
        return self.encode_queries(texts)


class ListStore:
    """A `ChunkStore` over plain lists: chunks in document order, no stored vectors (for answerer logic tests)."""

    model_name = ""

    def __init__(self, documents, chunks):
        self.documents = {d.id: d for d in documents}
        self.chunks = list(chunks)

    def document_of(self, chunk):
        return self.documents[chunk.doc_id]

    def chunks_of(self, doc_id):
        return [c for c in self.chunks if c.doc_id == doc_id]

    def row_of(self, chunk_id):
        return next((i for i, c in enumerate(self.chunks) if c.id == chunk_id), None)

    def next_chunk(self, chunk):
        row = self.row_of(chunk.id)
        if row is None or row + 1 >= len(self.chunks) or self.chunks[row + 1].doc_id != chunk.doc_id:
            return None
        return self.chunks[row + 1]

    def sentence_vectors(self, chunk):
        return {}

    def df_texts(self):
        return ["".join(f"{c.header}\n{c.text}".split()).lower() for c in self.chunks]


class FakeSpanEmbedder(FakeEmbedder):
    """A `SpanEmbedder`: a span's vector is the fake vector of the span's own text (so pooled equals separate)."""

    def __init__(self, dimension: int = 64, name: str = "fake-bigram"):
        super().__init__(dimension, name)
        self.passes = 0

    def encode_passages_with_spans(self, texts, spans):
        self.passes += len(texts)
        pooled = [
            np.stack([self._vector(t[a:b]) for a, b in s]) if s else np.zeros((0, self.dimension), np.float32)
            for t, s in zip(texts, spans)
        ]
        return self.encode_queries(list(texts)), pooled
