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


@pytest.mark.slow
def test_span_vectors_come_from_the_passage_pass(real_embedder):
    """The bundled embedder pools span vectors from the passage's own pass: unit rows, the passage vector unchanged,
    a span close to its sentence embedded alone, and a span past the token limit embedded on its own."""
    from rag.embedding import SpanEmbedder

    assert isinstance(real_embedder, SpanEmbedder)
    text = "新能源汽车骗补问题。" + TEXTS[1] + " Companies cheated on subsidies."
    spans = [(0, 10), (10, 10 + len(TEXTS[1])), (len(text) - 31, len(text))]
    long_text = "中望软件" * 600 + "。最后一句在截断之后。"
    vectors, pooled = real_embedder.encode_passages_with_spans([text, long_text], [spans, [(2400, len(long_text))]])
    assert np.allclose(vectors, real_embedder.encode_passages([text, long_text]), atol=2e-2)
    assert pooled[0].shape == (3, real_embedder.dimension) and pooled[0].dtype == np.float32
    assert np.allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-4)
    alone = real_embedder.encode_passages([text[a:b] for a, b in spans])
    similarity = (pooled[0] * alone).sum(axis=1)
    assert similarity.min() > 0.8 and np.argmax(pooled[0] @ alone[1]) == 1, similarity
    assert np.allclose(pooled[1][0], real_embedder.encode_passages([long_text[2400:]])[0], atol=2e-2)
