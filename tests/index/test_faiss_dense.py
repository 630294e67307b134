"""ANN index choice and build (approximate checked against exact), and the scale benchmark on tiny sizes."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from rag.bench import scale as sb
from rag.index import faiss_dense as ann

DIM = 32


def _clustered(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    """Unit vectors around 50 random centres: neighbour structure, unlike uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, dim)).astype(np.float32)
    x = centres[rng.integers(0, 50, n)] + 0.5 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def corpus() -> tuple[np.ndarray, np.ndarray]:
    x = _clustered(20_200, seed=1)
    return x[:20_000], x[20_000:]  # held-out rows as queries


def test_small_corpora_are_searched_exactly():
    assert ann.choose_factory(0) == "Flat"
    assert ann.choose_factory(2_170, 384) == "Flat"
    assert ann.choose_factory(ann.FLAT_MAX_VECTORS, 384) == "Flat"


def test_large_corpora_get_an_approximate_index_that_fits_in_memory():
    factory = ann.choose_factory(1_000_000, 384)
    assert factory.startswith("IVF") and factory.endswith(",Flat")
    assert ann.estimate_bytes(factory, 1_000_000, 384) <= ann.MEMORY_BUDGET_BYTES
    huge = ann.choose_factory(10_000_000, 384)  # 10^6 chunks with their sentence vectors
    assert huge.startswith("IVF") and huge.endswith("SQ8")
    assert ann.estimate_bytes(huge, 10_000_000, 384) <= ann.MEMORY_BUDGET_BYTES


def test_sentence_vectors_are_dropped_only_for_large_corpora():
    from rag.index import keep_sentence_vectors

    assert keep_sentence_vectors(222)
    assert not keep_sentence_vectors(1_000_000)


@pytest.mark.parametrize("factory", ["HNSW32,Flat", "IVF128,Flat"])
def test_approximate_index_matches_exact_search(corpus, factory):
    data, queries = corpus
    index = ann.build_dense(data, factory)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(data)
    truth = exact.search(queries, 10)[1]
    found = index.search(queries, 10)[1]
    assert sb.recall_at_k(found, truth, 10) >= 0.95
    assert abs(ann.index_bytes(index) - ann.estimate_bytes(factory, len(data), DIM)) < 0.2 * ann.index_bytes(index)


def test_search_settings_survive_a_write_and_are_set_again_after_loading():
    data = _clustered(2_000)
    for factory, expected in (("HNSW16,Flat", "efSearch=64"), ("IVF16,Flat", "nprobe=16")):
        index = ann.build_dense(data, factory)
        assert ann.describe(index) == expected
        loaded = faiss.deserialize_index(faiss.serialize_index(index))
        assert ann.describe(loaded) == expected
        ann.tune_for_search(loaded, ef_search=99, nprobe=5)
        assert ann.describe(loaded) in ("efSearch=99", "nprobe=5")


def test_filtered_search_parameters_keep_the_tuned_setting():
    data = _clustered(2_000)
    allowed = np.arange(0, 2_000, 2, dtype=np.int64)
    for factory in ("Flat", "HNSW16,Flat", "IVF16,Flat"):
        index = ann.build_dense(data, factory)
        params = ann.search_parameters(index, faiss.IDSelectorBatch(allowed), allowed=len(allowed))
        rows = index.search(data[:5], 10, params=params)[1]
        assert set(rows[rows >= 0].tolist()) <= set(allowed.tolist())
        assert (rows >= 0).mean() > 0.9
    assert ann.search_parameters(ann.build_dense(data, "HNSW16,Flat")).efSearch == ann.HNSW_EF_SEARCH


def test_a_narrow_filter_on_ivf_still_finds_the_nearest_allowed_rows(corpus):
    data, queries = corpus
    index = ann.build_dense(data, "IVF128,Flat")
    allowed = np.random.default_rng(2).choice(len(data), 30, replace=False).astype(np.int64)
    params = ann.search_parameters(index, faiss.IDSelectorBatch(allowed), allowed=len(allowed))
    assert params.nprobe == index.nlist
    found = index.search(queries, 10, params=params)[1]
    truth = allowed[np.argsort(-(queries @ data[allowed].T), axis=1)[:, :10]]
    assert sb.recall_at_k(found, truth, 10) == 1.0
    assert ann.search_parameters(index, faiss.IDSelectorBatch(allowed)).nprobe == index.nlist
    assert ann.search_parameters(index, faiss.IDSelectorBatch(allowed), allowed=len(data)).nprobe == ann.IVF_NPROBE


def test_synthetic_vectors_stay_near_the_real_ones():
    base = _clustered(300, dim=DIM)
    geometry = sb.Geometry.of(base)
    a = sb.synthesise_vectors(geometry, 1_000, seed=3)
    assert a.shape == (1_000, DIM) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, sb.synthesise_vectors(geometry, 1_000, seed=3))
    nearest = (a @ base.T).max(axis=1)
    assert np.median(nearest) > np.median(a @ base[:50].T)  # closer to some real vector than to a random one


def test_synthetic_docs_are_made_of_real_sentences():
    sentences, counts = sb.sentence_tokens(["人工智能推动制造业转型。数据中心建设加快！", "新能源汽车销量增长。"])
    assert counts == [2, 1] and all(sentences)
    docs = sb.synthesise_docs(sentences, counts, 50, seed=1)
    vocabulary = {t for s in sentences for t in s}
    assert len(docs) == 50 and all(set(d) <= vocabulary for d in docs)


def test_scale_benchmark_rows_on_tiny_sizes():
    base = _clustered(400, dim=DIM)
    queries = _clustered(20, seed=7, dim=DIM)
    sentences, counts = sb.sentence_tokens(
        ["人工智能推动制造业转型。数据中心建设加快！", "新能源汽车销量增长。工厂升级。"]
    )
    questions = ["人工智能", "汽车销量"] * 10
    messages: list[str] = []

    def factories(n: int) -> list[str]:
        return ["Flat", "HNSW16,Flat", "IVF16,Flat"]

    rows = sb.run_scale_benchmark(
        [1_000, 3_000], base, sentences, counts, queries, questions, factories=factories, progress=messages.append
    )
    assert messages
    keys = {"n", "index", "recall@10", "p50_ms", "p95_ms", "memory_mb", "build_s", "bm25_build_s", "bm25_p50_ms"}
    keys |= {"hybrid_p50_ms", "chosen"}
    assert all(keys <= row.keys() for row in rows)
    assert {row["n"] for row in rows} == {1_000, 3_000}
    for row in rows:
        assert 0.0 <= row["recall@10"] <= 1.0
        assert row["p50_ms"] >= 0 and row["p95_ms"] >= row["p50_ms"] and row["memory_mb"] > 0
        assert row["build_s"] >= 0 and row["bm25_build_s"] >= 0
    flat = [row for row in rows if row["index"] == "Flat"]
    assert [row["recall@10"] for row in flat] == [1.0, 1.0]
    assert all(row["chosen"] and row["hybrid_p50_ms"] is not None for row in flat)
    assert sum(row["chosen"] for row in rows) == 2
    assert "recall@10" in sb.format_table(rows)
