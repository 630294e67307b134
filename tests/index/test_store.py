"""Index folder: round trip, staleness, embedding cache, integrity checks, FAISS = brute force, locking."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from rag.chunking import ChunkingConfig
from rag.errors import IndexBusy, IndexCorrupt, IndexMissing
from rag.index import IndexLock, build_index, load_index, open_index, stale_reason


@pytest.fixture()
def built(fake_settings, fake_embedder, corpus_dir):
    index, report = build_index([corpus_dir], fake_settings.index, fake_embedder)
    return index, report


def test_round_trip(built, fake_settings):
    index, report = built
    loaded = load_index(fake_settings.index_path)
    assert [c.id for c in loaded.chunks] == [c.id for c in index.chunks]
    assert loaded.documents.keys() == index.documents.keys()
    some = next(iter(index.documents.values()))
    assert loaded.documents[some.id] == some
    counts = loaded.manifest["counts"]
    assert (counts["documents"], counts["chunks"]) == (report.documents, report.chunks)
    assert counts["vectors"] == loaded.dense.size == len(loaded.dense_owner) > report.chunks
    assert sorted(set(loaded.dense_owner.tolist())) == list(range(report.chunks))  # every chunk has vectors
    manifest = loaded.manifest
    assert manifest["model"] == {"name": "fake-bigram", "dimension": 64}
    assert manifest["chunking"]["chunk_size"] == fake_settings.chunking.chunk_size
    assert len(manifest["corpus"]["hash"]) == 64 and manifest["versions"]["faiss-cpu"]
    assert not list(fake_settings.index_path.rglob("*.pkl")) and not list(fake_settings.index_path.rglob("*.pickle"))


def test_up_to_date_index_loads_without_embedding(built, fake_settings, fake_embedder, corpus_dir):
    calls = fake_embedder.calls
    index, reason = open_index(fake_settings.index, lambda: fake_embedder, [corpus_dir])
    assert reason is None and fake_embedder.calls == calls


def test_stale_index_is_rebuilt_and_says_why(built, fake_settings, fake_embedder, corpus_dir):
    changed = dataclasses.replace(fake_settings, chunking=ChunkingConfig(chunk_size=200, chunk_overlap=20))
    index, reason = open_index(changed.index, lambda: fake_embedder, [corpus_dir])
    assert reason == "the chunking changed (size/overlap 500/100 → 200/20)"
    assert index.manifest["chunking"]["chunk_size"] == 200
    other_model = dataclasses.replace(fake_settings, model="some/other-model")
    assert "embedding model changed" in stale_reason(index.manifest, other_model.index)


def test_reindexing_embeds_only_changed_chunks(fake_settings, fake_embedder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# 甲\n\n" + "".join(f"第一篇文章的第{i}句话。" for i in range(60)), encoding="utf-8")
    (corpus / "b.md").write_text("# 乙\n\n" + "".join(f"第二篇文章的第{i}句话。" for i in range(60)), encoding="utf-8")
    _, first = build_index([corpus], fake_settings.index, fake_embedder)
    _, unchanged = build_index([corpus], fake_settings.index, fake_embedder)
    assert unchanged.embedded == 0
    (corpus / "b.md").write_text(
        "# 乙\n\n" + "".join(f"第二篇文章改过的第{i}句。" for i in range(60)), encoding="utf-8"
    )
    _, second = build_index([corpus], fake_settings.index, fake_embedder)
    assert 0 < second.embedded < first.embedded / 2 + 5  # only b.md's passages and sentences


def test_damaged_files_are_detected(built, fake_settings):
    folder = built[0].path
    (folder / "dense.faiss").write_bytes((folder / "dense.faiss").read_bytes()[:100])
    with pytest.raises(IndexCorrupt, match="dense.faiss is missing or damaged; run `rag index`"):
        load_index(fake_settings.index_path)


def test_chunk_file_out_of_step_with_vectors_is_detected(built, fake_settings):
    folder = built[0].path
    lines = (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(IndexCorrupt):
        load_index(fake_settings.index_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"].pop("chunks.jsonl")  # even without a checksum, counts catch it
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        load_index(fake_settings.index_path)


def test_damaged_index_is_rebuilt_by_open_index(built, fake_settings, fake_embedder, corpus_dir):
    (built[0].path / "chunks.jsonl").write_text("garbage", encoding="utf-8")
    index, reason = open_index(fake_settings.index, lambda: fake_embedder, [corpus_dir])
    assert "damaged" in reason and len(index.chunks) == len(built[0].chunks)


def test_missing_index_message(fake_settings):
    with pytest.raises(IndexMissing, match="run `rag index`"):
        load_index(fake_settings.index_path)


def test_faiss_equals_numpy_brute_force(built, fake_embedder):
    index, _ = built
    vectors = index.dense.reconstruct(0, index.dense.size)
    for question in ["新能源汽车补贴", "工业软件出海", "数据要素价值", "智能计算"]:
        q = fake_embedder.encode_queries([question])
        scores, rows = index.dense.search(q, 10)
        exact = vectors @ q[0]
        expected = np.argsort(-exact, kind="stable")[:10]
        assert np.allclose(scores[0], exact[expected], atol=1e-5)
        assert set(rows[0]) == set(expected) or np.allclose(np.sort(exact[rows[0]]), np.sort(exact[expected]))


def test_second_builder_is_refused_with_the_holders_pid(fake_settings, fake_embedder, corpus_dir):
    import os

    with IndexLock(fake_settings.index_path):
        with pytest.raises(IndexBusy, match=f"being built by PID {os.getpid()}"):
            build_index([corpus_dir], fake_settings.index, fake_embedder)


def test_auto_index_type_is_exact_for_one_issue(built):
    index, _ = built
    assert index.manifest["faiss_factory"] == "auto"
    assert index.manifest["faiss_index"] == {"factory": "Flat", "search": "exact"}


def test_approximate_index_builds_loads_tuned_and_filters(fake_settings, fake_embedder, corpus_dir):
    """An HNSW index (what `auto` picks for an archive) round-trips with its efSearch and agrees with exact search."""
    from rag.index import faiss_dense as ann
    from rag.retrieval import Retriever, SearchFilter

    hnsw_settings = dataclasses.replace(fake_settings, faiss_factory="HNSW32,Flat")
    build_index([corpus_dir], hnsw_settings.index, fake_embedder)
    loaded = load_index(hnsw_settings.index_path)
    assert loaded.manifest["faiss_index"]["factory"] == "HNSW32,Flat"
    assert loaded.dense.describe() == f"efSearch={ann.HNSW_EF_SEARCH}"
    exact_settings = dataclasses.replace(fake_settings, home=fake_settings.home / "exact")
    exact, _ = build_index([corpus_dir], exact_settings.index, fake_embedder)
    approx, flat = Retriever(loaded, fake_embedder), Retriever(exact, fake_embedder)
    question = "新能源汽车骗补有哪几类"
    top = {c for c, _ in flat.dense(question, 10)}
    assert len(top & {c for c, _ in approx.dense(question, 10)}) >= 9
    section = loaded.documents[loaded.chunks[0].doc_id].section
    where = SearchFilter(sections=frozenset({section}))
    hits = approx.search(question, 5, "dense", where=where)
    assert hits and all(h.document.section == section for h in hits)


def test_large_corpora_keep_one_vector_per_chunk(fake_settings, fake_embedder, corpus_dir, monkeypatch):
    monkeypatch.setattr("rag.index.build.keep_sentence_vectors", lambda n_chunks: False)
    index, report = build_index([corpus_dir], fake_settings.index, fake_embedder)
    assert index.dense.size == len(index.dense_owner) == report.chunks
    assert index.manifest["dense_vectors"].startswith("one per chunk")


def test_an_incomplete_manifest_is_rebuilt_with_a_reason(built, fake_settings, fake_embedder, corpus_dir):
    from rag.index import current_build

    path = current_build(fake_settings.index_path) / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    del manifest["model"]
    path.write_text(json.dumps(manifest), "utf-8")
    index, reason = open_index(fake_settings.index, lambda: fake_embedder, [corpus_dir])
    assert reason == "the index manifest is incomplete" and index.manifest["model"]["name"] == "fake-bigram"


def test_a_failed_save_leaves_no_partial_build(built, fake_settings, fake_embedder, corpus_dir, monkeypatch):
    before = sorted(p.name for p in (fake_settings.index_path / "builds").iterdir())

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rag.index.build.write_index_files", disk_full)
    with pytest.raises(OSError):
        build_index([corpus_dir], fake_settings.index, fake_embedder)
    assert sorted(p.name for p in (fake_settings.index_path / "builds").iterdir()) == before
    assert load_index(fake_settings.index_path).manifest["counts"]["chunks"] == built[1].chunks
