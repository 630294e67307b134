"""Seed vectors: a plain file that primes the cache for its own model only, and the shipped seed is current."""

from __future__ import annotations

import numpy as np
import pytest

from rag.chunking import chunk_documents
from rag.embedding import EmbeddingCache, SeedVectors, bundled_seed_path, read_seed, write_seed
from rag.index import dense_texts, keep_sentence_vectors


def _seed(model="m", n=3, dim=4) -> SeedVectors:
    vectors = np.arange(n * dim, dtype=np.float32).reshape(n, dim)
    return SeedVectors(model, [f"k{i}" for i in range(n)], vectors)


def test_round_trip_and_no_pickle(tmp_path):
    path = tmp_path / "v.npz"
    write_seed(path, _seed())
    seed = read_seed(path)
    assert seed is not None and seed.model == "m" and seed.keys == ["k0", "k1", "k2"]
    np.testing.assert_array_equal(seed.vectors, _seed().vectors)
    with np.load(path, allow_pickle=False) as data:  # every array is plain
        assert sorted(data.files) == ["format", "keys", "model", "vectors"]
    assert [p.name for p in tmp_path.iterdir()] == ["v.npz"]  # no temp file left behind


@pytest.mark.parametrize("content", [b"", b"not a zip", None])
def test_unreadable_seed_is_ignored(tmp_path, content):
    path = tmp_path / "v.npz"
    if content is not None:
        path.write_bytes(content)
    assert read_seed(path) is None


def test_prime_fills_only_what_the_cache_lacks_for_its_model(tmp_path):
    with EmbeddingCache(tmp_path / "c.sqlite", "m", 4) as cache:
        cache.put_keys(["k0"], np.full((1, 4), 9, dtype=np.float32))
        assert cache.prime(_seed(model="other")) == 0
        assert cache.prime(_seed(dim=5)) == 0
        assert cache.prime(None) == 0
        assert cache.prime(_seed()) == 2
        got = cache.get_keys(["k0", "k1", "k2"])
    np.testing.assert_array_equal(got["k0"], np.full(4, 9, dtype=np.float32))  # a cached vector is never replaced
    np.testing.assert_array_equal(got["k2"], _seed().vectors[2])


@pytest.fixture(scope="module")
def shipped(real_settings) -> SeedVectors:
    seed = read_seed(bundled_seed_path())
    assert seed is not None, "rag/data/vectors.npz is missing: run python scripts/seed_vectors.py"
    if seed.model != real_settings.model:  # e.g. a CPU without native bf16 runs the model under another name
        pytest.skip(f"the seed is for {seed.model}, this machine runs {real_settings.model}: every text is embedded")
    return seed


def test_shipped_seed_covers_the_bundled_issue(shipped, magazine_docs, real_settings):
    """Fails when the chunking or the dense layout changed without `python scripts/seed_vectors.py`."""
    chunks = chunk_documents(magazine_docs, real_settings.chunking)
    texts, _ = dense_texts(chunks, sentences=keep_sentence_vectors(len(chunks)))
    with EmbeddingCache(real_settings.home / "seed-check.sqlite", shipped.model, shipped.dimension) as cache:
        wanted = {cache.key(t) for t in texts}
    assert wanted <= set(shipped.keys), f"{len(wanted - set(shipped.keys))} texts have no seed vector"


def test_shipped_vectors_are_what_the_bundled_model_computes(shipped, magazine_docs, real_settings, real_embedder):
    chunks = chunk_documents(magazine_docs, real_settings.chunking)
    texts, _ = dense_texts(chunks, sentences=keep_sentence_vectors(len(chunks)))
    sample = [texts[i] for i in np.linspace(0, len(texts) - 1, 8).astype(int)]
    fresh = real_embedder.encode_passages(sample)
    with EmbeddingCache(real_settings.home / "seed-check.sqlite", shipped.model, shipped.dimension) as cache:
        by_key = dict(zip(shipped.keys, shipped.vectors))
        seeded = np.stack([by_key[cache.key(t)] for t in sample])
    cosines = np.sum(seeded * fresh, axis=1) / np.linalg.norm(seeded, axis=1) / np.linalg.norm(fresh, axis=1)
    assert cosines.min() > 0.9999
