"""Build progress (stage, count, rate, time left) and the pooled sentence vectors, with fake embedders."""

from __future__ import annotations

import dataclasses

import numpy as np
from fakes import FakeSpanEmbedder

from rag.embedding import EmbeddingCache, SpanEmbedder
from rag.index import STAGES, BuildProgress, build_index, chunk_texts, sentence_spans, stale_reason


def test_build_reports_monotone_progress_with_counts_rate_and_time_left(fake_settings, fake_embedder, corpus_dir):
    seen: list[BuildProgress] = []
    build_index([corpus_dir], fake_settings.index, fake_embedder, progress=seen.append)
    stages = [p.stage for p in seen]
    assert stages[0] == "parse" and stages[-1] == "done"
    assert [STAGES.index(s) for s in stages] == sorted(STAGES.index(s) for s in stages)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)
    embedding = [p for p in seen if p.stage == "embed"]
    assert len(embedding) > 10 and embedding[-1].done == embedding[-1].total > 1900
    assert [p.done for p in embedding] == sorted(p.done for p in embedding)
    assert all(p.rate and p.rate > 0 and p.eta is not None and p.eta >= 0 for p in embedding if p.done)
    line = embedding[len(embedding) // 2].describe()
    assert f"/{embedding[0].total} texts" in line and "texts/s" in line and "left" in line, line
    assert seen[-1].describe().startswith("index ready: 222 passages")


def test_pooled_sentence_vectors_need_one_pass_per_chunk(fake_settings, corpus_dir):
    embedder = FakeSpanEmbedder()
    assert isinstance(embedder, SpanEmbedder)
    settings = dataclasses.replace(fake_settings.index, sentence_vectors="pooled")
    index, report = build_index([corpus_dir], settings, embedder)
    assert embedder.passes == report.embedded == len(index.chunks) and embedder.embedded == 0
    assert "mean-pooled" in index.manifest["dense_vectors"] and index.manifest["sentence_vectors"] == "pooled"
    chunk = next(c for c in index.chunks if len(sentence_spans(c)) >= 3)
    vectors = index.sentence_vectors(chunk)
    assert list(vectors) == chunk_texts(chunk)[1:]
    for text, vector in vectors.items():  # the fake pools a span into its own text's vector: the layout lines up
        assert np.allclose(vector, embedder.encode_queries([text])[0], atol=1e-5)


def test_pooled_and_separate_sentence_vectors_never_share_a_cache_entry(fake_settings, corpus_dir):
    embedder = FakeSpanEmbedder()
    pooled, _ = build_index([corpus_dir], dataclasses.replace(fake_settings.index, sentence_vectors="pooled"), embedder)
    separate_settings = dataclasses.replace(fake_settings.index, sentence_vectors="separate")
    assert "sentence vectors changed (pooled → separate)" in stale_reason(pooled.manifest, separate_settings)
    separate, report = build_index([corpus_dir], separate_settings, embedder)
    sentences = {t for c in separate.chunks for t in chunk_texts(c)[1:]} - {c.indexed_text for c in separate.chunks}
    assert report.embedded == len(sentences)  # chunk vectors come from the cache, every sentence is embedded anew
    with EmbeddingCache(fake_settings.index.embedding_cache, embedder.name, embedder.dimension) as cache:
        text = pooled.chunks[0].indexed_text
        span = sentence_spans(pooled.chunks[0])[0]
        assert cache.span_key(text, span) != cache.key(text[slice(*span)])


def test_separate_is_the_default_and_a_span_embedder_then_embeds_sentences_apart(fake_settings, corpus_dir):
    embedder = FakeSpanEmbedder()
    index, report = build_index([corpus_dir], fake_settings.index, embedder)
    assert embedder.passes == 0 and report.embedded == embedder.embedded > len(index.chunks)
    assert index.manifest["sentence_vectors"] == "separate" and "on its own" in index.manifest["dense_vectors"]


def test_sentence_spans_are_the_sentence_texts(magazine_docs):
    from rag.chunking import ChunkingConfig, chunk_documents

    chunks = chunk_documents(magazine_docs[:5], ChunkingConfig())
    for chunk in chunks:
        spans = sentence_spans(chunk)
        assert [chunk.indexed_text[a:b] for a, b in spans] == chunk_texts(chunk)[1:]
        assert all(chunk.indexed_text[a:b].strip() == chunk.indexed_text[a:b] for a, b in spans)
