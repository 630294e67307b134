"""The `ChunkStore` and `LexicalIndex` contracts: the built index and the list-backed fake answer alike."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import ListStore

from rag.index import BM25Index, ChunkStore, LexicalIndex, build_index
from rag.types import Document

DOCS = [
    Document("骗补", "有牌无车。有车无电池。标实不符。车辆闲置。" * 30, kind="article", section="工信史话"),
    Document("出海", "中望软件在汉诺威工业博览会亮相，收购了CHAM公司。" * 20, kind="article", section="案例分析"),
]


class ChunkStoreContract:
    """Subclasses provide the `store` fixture over `DOCS`."""

    def test_it_is_a_chunk_store(self, store):
        assert isinstance(store, ChunkStore)
        assert set(store.documents) == {d.id for d in DOCS} and len(store.chunks) >= 2

    def test_rows_and_documents_of_chunks(self, store):
        for row, chunk in enumerate(store.chunks):
            assert store.row_of(chunk.id) == row
            assert store.document_of(chunk).id == chunk.doc_id
        assert store.row_of("no such chunk") is None

    def test_chunks_of_a_document_are_its_chunks_in_order(self, store):
        for doc_id in store.documents:
            mine = store.chunks_of(doc_id)
            assert mine and all(c.doc_id == doc_id for c in mine)
            assert [c.start for c in mine] == sorted(c.start for c in mine)
        assert sum(len(store.chunks_of(d)) for d in store.documents) == len(store.chunks)

    def test_next_chunk_stays_inside_its_document(self, store):
        for chunk in store.chunks:
            nxt = store.next_chunk(chunk)
            assert nxt is None or (nxt.doc_id == chunk.doc_id and nxt.start > chunk.start)
        last_of_each = {c.doc_id: c for c in store.chunks}.values()
        assert all(store.next_chunk(c) is None for c in last_of_each)

    def test_document_frequency_texts_are_lower_case_without_whitespace(self, store):
        texts = store.df_texts()
        assert len(texts) == len(store.chunks)
        assert all(t == t.lower() and not any(ch.isspace() for ch in t) for t in texts)

    def test_sentence_vectors_are_keyed_by_sentence_text(self, store):
        for chunk in store.chunks:
            vectors = store.sentence_vectors(chunk)
            assert all(isinstance(t, str) and t in chunk.text for t in vectors)
            assert all(isinstance(v, np.ndarray) and v.ndim == 1 for v in vectors.values())


class TestSearchIndexStore(ChunkStoreContract):
    @pytest.fixture()
    def store(self, fake_settings, fake_embedder):
        index, _ = build_index([], fake_settings.index, fake_embedder, documents=DOCS)
        assert any(index.sentence_vectors(c) for c in index.chunks)  # the multi-vector index holds them
        return index


class TestListStore(ChunkStoreContract):
    @pytest.fixture()
    def store(self, fake_settings, fake_embedder):
        index, _ = build_index([], fake_settings.index, fake_embedder, documents=DOCS)
        return ListStore(DOCS, index.chunks)


class LexicalIndexContract:
    """Subclasses provide `lexical`, built over `TEXTS`."""

    TEXTS = ["新能源汽车骗补的四种方式", "工业软件出海与收购", "数据要素的价值", "新能源汽车的电池"]

    def test_it_is_a_lexical_index(self, lexical):
        assert isinstance(lexical, LexicalIndex) and lexical.size == len(self.TEXTS)
        assert "新能源" in lexical.vocabulary or "新能源汽车" in lexical.vocabulary

    def test_matching_passages_score_above_zero_and_others_zero(self, lexical):
        scores = lexical.scores("新能源汽车")
        assert scores.shape == (len(self.TEXTS),)
        assert scores[0] > 0 and scores[3] > 0 and scores[1] == 0 and scores[2] == 0

    def test_a_mask_zeroes_passages(self, lexical):
        mask = np.array([0, 1, 1, 1], dtype=np.float32)
        assert lexical.scores("新能源汽车", mask)[0] == 0

    def test_unknown_words_score_nothing(self, lexical):
        assert not lexical.scores("量子引力").any()

    def test_save_and_load_round_trip(self, lexical, tmp_path):
        lexical.save(tmp_path / "lex")
        loaded = type(lexical).load(tmp_path / "lex")
        assert np.allclose(loaded.scores("工业软件"), lexical.scores("工业软件"))


class TestBM25Index(LexicalIndexContract):
    @pytest.fixture()
    def lexical(self):
        return BM25Index.build(self.TEXTS)


class TestMilvusStore(ChunkStoreContract):
    """The index loaded from embedded Milvus Lite collections."""

    @pytest.fixture()
    def store(self, fake_settings, fake_embedder):
        pytest.importorskip("pymilvus", reason="the Milvus backend needs the `milvus` extra (pymilvus, milvus-lite)")
        from conftest import milvus_settings

        index, _ = build_index([], milvus_settings(fake_settings).index, fake_embedder, documents=DOCS)
        assert any(index.sentence_vectors(c) for c in index.chunks)
        return index
