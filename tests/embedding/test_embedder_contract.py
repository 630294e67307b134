"""The `Embedder` contract: the real bundled model and the fake one used by fast tests make the same promises."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import FakeEmbedder

from rag.embedding import Embedder

TEXTS = ["新能源汽车骗补有哪几类？", "中望软件在汉诺威工业博览会亮相。", "How did companies cheat on EV subsidies?"]


class EmbedderContract:
    """Subclasses provide the `embedder` fixture."""

    def test_it_is_an_embedder(self, embedder):
        assert isinstance(embedder, Embedder)
        assert isinstance(embedder.name, str) and embedder.name and embedder.dimension > 0

    @pytest.mark.parametrize("side", ["encode_queries", "encode_passages"])
    def test_vectors_are_unit_length_float32_rows(self, embedder, side):
        vectors = getattr(embedder, side)(TEXTS)
        assert vectors.shape == (len(TEXTS), embedder.dimension) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)

    @pytest.mark.parametrize("side", ["encode_queries", "encode_passages"])
    def test_no_texts_give_an_empty_matrix(self, embedder, side):
        assert getattr(embedder, side)([]).shape == (0, embedder.dimension)

    def test_the_same_text_gives_the_same_vector(self, embedder):
        a, b = embedder.encode_passages(TEXTS), embedder.encode_passages(list(reversed(TEXTS)))
        assert np.allclose(a, b[::-1], atol=1e-4)

    def test_a_related_passage_is_closer_than_an_unrelated_one(self, embedder):
        q = embedder.encode_queries(["新能源汽车骗补"])[0]
        related, unrelated = embedder.encode_passages(["新能源汽车骗补的几种方式。", "工业软件出海的故事。"])
        assert q @ related > q @ unrelated


class TestFakeEmbedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self):
        return FakeEmbedder()


@pytest.mark.slow
class TestBundledEmbedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self, real_embedder):
        return real_embedder
