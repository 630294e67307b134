"""The dense vector layout: which texts of a chunk get a vector, and which chunk owns each vector row.

Each chunk contributes its header-carrying text and (up to `MAX_SENTENCE_VECTOR_CHUNKS` chunks) each of its
sentences of at least `MIN_SENTENCE_CHARS` characters: a question usually matches one sentence, and a whole-chunk
vector blurs it (README, How it works). A chunk scores the best of its vectors. Rows of one chunk are contiguous.
"""

from __future__ import annotations

import numpy as np

from rag.text import split_sentences
from rag.types import Chunk

MIN_SENTENCE_CHARS = 4
# Above this many chunks the index keeps one vector per chunk: ~10 vectors a chunk would make 2·10^6 vectors
# (3 GB, ~15 h of embedding) here, and 10^7 vectors (over the machine's memory) at 10^6 chunks.
MAX_SENTENCE_VECTOR_CHUNKS = 200_000


def keep_sentence_vectors(n_chunks: int) -> bool:
    """Whether the index should hold sentence vectors besides the chunk vectors at this corpus size."""
    return n_chunks <= MAX_SENTENCE_VECTOR_CHUNKS


def chunk_texts(chunk: Chunk, sentences: bool = True) -> list[str]:
    """The texts embedded for one chunk: its indexed text, then (with `sentences`) each sentence on its own."""
    texts = [chunk.indexed_text]
    spans = split_sentences(chunk.text)
    if sentences and len(spans) >= 2:
        for start, end in spans:
            sentence = chunk.text[start:end].strip()
            if len(sentence) >= MIN_SENTENCE_CHARS:
                texts.append(sentence)
    return texts


def dense_texts(chunks: list[Chunk], sentences: bool = True) -> tuple[list[str], np.ndarray]:
    """The texts embedded for the dense index and the chunk row each belongs to."""
    texts: list[str] = []
    owner: list[int] = []
    for row, chunk in enumerate(chunks):
        mine = chunk_texts(chunk, sentences)
        texts.extend(mine)
        owner.extend([row] * len(mine))
    return texts, np.asarray(owner, dtype=np.int64)
