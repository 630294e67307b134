"""The `DenseIndex` contract: every dense backend runs the same tests (exact NumPy, FAISS Flat, FAISS IVF)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.index import DenseIndex, FaissDenseIndex, NumpyDenseIndex


def _vectors(n: int = 600, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exact(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    rows = np.arange(len(vectors)) if allowed is None else allowed
    scores = vectors[rows] @ query
    return [int(rows[i]) for i in np.argsort(-scores, kind="stable")[:k]]


class DenseIndexContract:
    """What every dense backend promises. Subclasses set `build(vectors)` and `exact` (returns the exact top-k)."""

    exact = True

    def build(self, vectors: np.ndarray) -> DenseIndex:
        raise NotImplementedError

    @pytest.fixture()
    def data(self):
        vectors = _vectors()
        return vectors, self.build(vectors)

    def test_it_is_a_dense_index(self, data):
        _, index = data
        assert isinstance(index, DenseIndex)
        assert index.size == 600 and index.dimension == 32
        assert isinstance(index.describe(), str) and index.memory_bytes() > 0

    def test_search_returns_the_nearest_rows_best_first(self, data):
        vectors, index = data
        queries = _vectors(5, seed=1)
        scores, rows = index.search(queries, 10)
        assert scores.shape == rows.shape == (5, 10)
        for q, score_row, found in zip(queries, scores, rows):
            assert list(score_row) == sorted(score_row, reverse=True)
            assert np.allclose(score_row, vectors[found] @ q, atol=1e-4)
            expected = _exact(vectors, q, 10)
            overlap = len(set(found.tolist()) & set(expected))
            assert overlap == 10 if self.exact else overlap >= 8

    def test_allowed_rows_are_the_only_rows_returned(self, data):
        vectors, index = data
        allowed = np.arange(3, 600, 7, dtype=np.int64)
        scores, rows = index.search(_vectors(3, seed=2), 5, allowed)
        assert set(rows.ravel().tolist()) <= set(allowed.tolist())
        assert (rows >= 0).all()

    def test_asking_for_more_rows_than_exist_pads_with_minus_one(self, data):
        _, index = data
        allowed = np.array([1, 2, 3], dtype=np.int64)
        _, rows = index.search(_vectors(1, seed=3), 5, allowed)
        assert sorted(rows[0][:3].tolist()) == [1, 2, 3] and rows[0][3:].tolist() == [-1, -1]

    def test_reconstruct_gives_the_stored_rows(self, data):
        vectors, index = data
        assert np.allclose(index.reconstruct(10, 5), vectors[10:15], atol=1e-5)

    def test_save_and_load_round_trip(self, data, tmp_path):
        vectors, index = data
        index.save(tmp_path)
        loaded = type(index).load(tmp_path)
        query = _vectors(2, seed=4)
        assert np.array_equal(loaded.search(query, 5)[1], index.search(query, 5)[1])
        assert loaded.size == index.size and loaded.describe() == index.describe()


class TestNumpyDenseIndex(DenseIndexContract):
    def build(self, vectors):
        return NumpyDenseIndex.build(vectors)


class TestFaissFlat(DenseIndexContract):
    def build(self, vectors):
        return FaissDenseIndex.build(vectors, "Flat")


class TestFaissIVF(DenseIndexContract):
    exact = False  # approximate by design; filtered searches widen nprobe and stay exact enough

    def build(self, vectors):
        return FaissDenseIndex.build(vectors, "IVF16,Flat")


class TestFaissAuto(DenseIndexContract):
    def build(self, vectors):
        index = FaissDenseIndex.build(vectors, "auto")
        assert index.factory == "Flat"  # a small corpus is searched exactly
        return index
