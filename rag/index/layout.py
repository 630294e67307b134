"""The dense vector layout: which texts of a chunk get a vector, and which chunk owns each vector row.

Each chunk contributes its header-carrying text and (up to `MAX_SENTENCE_VECTOR_CHUNKS` chunks) each of its
sentences of at least `MIN_SENTENCE_CHARS` characters: a question usually matches one sentence, and a whole-chunk
vector blurs it (README, How it works). A chunk scores the best of its vectors. Rows of one chunk are contiguous.
A sentence's vector is "separate" (the sentence embedded on its own, the default) or "pooled" (the mean of its
tokens in the chunk's own forward pass: one pass per chunk, half the embedding time, but dense MRR@10 0.09 lower
on the development set, README Performance) — `SENTENCE_VECTORS`, chosen in `IndexSettings`.
"""

from __future__ import annotations

import numpy as np

from rag.text import split_sentences
from rag.types import Chunk

MIN_SENTENCE_CHARS = 4
# Above this many chunks the index keeps one vector per chunk: ~10 vectors a chunk would make 2·10^6 vectors
# (3 GB, ~15 h of embedding) here, and 10^7 vectors (over the machine's memory) at 10^6 chunks.
MAX_SENTENCE_VECTOR_CHUNKS = 200_000
SENTENCE_VECTORS = ("pooled", "separate")


def keep_sentence_vectors(n_chunks: int) -> bool:
    """Whether the index should hold sentence vectors besides the chunk vectors at this corpus size."""
    return n_chunks <= MAX_SENTENCE_VECTOR_CHUNKS


def sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Where the chunk's sentence vectors come from: character spans in `chunk.indexed_text` of each sentence of at
    least `MIN_SENTENCE_CHARS` characters (none when the chunk is a single sentence), whitespace trimmed."""
    spans = split_sentences(chunk.text)
    if len(spans) < 2:
        return []
    shift = len(chunk.indexed_text) - len(chunk.text)
    kept = []
    for start, end in spans:
        raw = chunk.text[start:end]
        sentence = raw.strip()
        if len(sentence) >= MIN_SENTENCE_CHARS:
            first = start + len(raw) - len(raw.lstrip())
            kept.append((shift + first, shift + first + len(sentence)))
    return kept


def chunk_texts(chunk: Chunk, sentences: bool = True) -> list[str]:
    """The texts embedded for one chunk: its indexed text, then (with `sentences`) each sentence on its own."""
    text = chunk.indexed_text
    return [text] + ([text[a:b] for a, b in sentence_spans(chunk)] if sentences else [])


def dense_texts(chunks: list[Chunk], sentences: bool = True) -> tuple[list[str], np.ndarray]:
    """The texts embedded for the dense index and the chunk row each belongs to."""
    texts: list[str] = []
    owner: list[int] = []
    for row, chunk in enumerate(chunks):
        mine = chunk_texts(chunk, sentences)
        texts.extend(mine)
        owner.extend([row] * len(mine))
    return texts, np.asarray(owner, dtype=np.int64)
