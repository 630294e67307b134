"""One contract for every index backend (files, embedded Milvus Lite, a Milvus Lite server): search in each mode,
filters, upsert, delete, stale and other-model detection, concurrent readers. Tests assert ids and order, never
raw scores (BM25's scale differs between bm25s and Milvus)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import milvus_settings
from fakes import FakeEmbedder

from rag.errors import IndexMissing, IndexProblem, IndexStale
from rag.index import build_index, check_index, dense_texts, load_milvus_index, open_index
from rag.retrieval import Retriever, SearchFilter
from rag.types import Document

DOCS = [
    Document("骗补", "有牌无车。有车无电池。标实不符。车辆闲置。" * 30, kind="article", section="工信史话"),
    Document("出海", "中望软件在汉诺威工业博览会亮相，收购了CHAM公司。" * 20, kind="article", section="案例分析"),
    Document("芯片", "国产芯片制造取得突破。光刻机仍是难点。" * 25, kind="article", section="产业观察"),
]
NEW = Document("氢能", "氢燃料电池汽车示范城市群扩大。加氢站建设提速。" * 15, kind="article", section="产业观察")
QUESTIONS = {"汉诺威工业博览会": "出海", "光刻机": "芯片", "车辆闲置": "骗补"}
MODES = ("dense", "bm25", "hybrid")
REPO, TESTS = Path(__file__).resolve().parents[2], Path(__file__).resolve().parents[1]


def build(settings, docs, embedder=None):
    return build_index([], settings.index, embedder or FakeEmbedder(), documents=docs)


def titles(index, question, mode="hybrid", where=None, k=5):
    return [h.document.title for h in Retriever(index, FakeEmbedder()).search(question, k, mode, where)]


def test_every_mode_finds_the_document_that_answers(backend_settings):
    index, _ = build(backend_settings, DOCS)
    for question, title in QUESTIONS.items():
        for mode in MODES:
            assert titles(index, question, mode)[0] == title, (question, mode)


def test_milvus_ranks_like_the_file_backend(backend_settings, fake_settings):
    if backend_settings.backend == "file":
        pytest.skip("the file backend is the reference")
    milvus, _ = build(backend_settings, DOCS)
    files, _ = build(replace(fake_settings, index_dir=fake_settings.home / "files"), DOCS)
    assert [c.id for c in milvus.chunks] == [c.id for c in files.chunks]
    assert milvus.dense.size == files.dense.size
    for question in [*QUESTIONS, "芯片 汉诺威 电池"]:
        for mode in MODES:
            got = Retriever(milvus, FakeEmbedder()).search(question, 8, mode)
            want = Retriever(files, FakeEmbedder()).search(question, 8, mode)
            assert [h.document.title for h in got] == [h.document.title for h in want], (question, mode)
            if mode == "dense":
                assert [round(h.score, 4) for h in got] == [round(h.score, 4) for h in want]


def test_each_question_word_weighs_the_same_however_many_parts_it_has(backend_settings):
    """燃料电池 is one word in three search tokens (燃料, 电池, 燃料电池): it weighs as much as 车辆 or 闲置, so the
    passage with two of the question's words comes first (counting the parts in full would put 燃料电池 first)."""
    docs = [
        Document("燃料", "燃料电池技术进步很快。" * 10, kind="article", section="产业观察"),
        Document("闲置", "车辆闲置问题突出。" * 10, kind="article", section="工信史话"),
        Document("其他", "国产芯片制造取得突破。" * 10, kind="article", section="产业观察"),
    ]
    index, _ = build(backend_settings, docs)
    assert titles(index, "燃料电池车辆闲置", "bm25")[:2] == ["闲置", "燃料"]


def test_filters_by_section_document_and_excluded_chunks(backend_settings):
    index, _ = build(backend_settings, DOCS)
    assert set(titles(index, "汉诺威工业博览会", where=SearchFilter(sections=["工信史话"]))) == {"骗补"}
    assert set(titles(index, "光刻机", "dense", SearchFilter(documents=["出海", "骗补"]))) <= {"出海", "骗补"}
    assert set(titles(index, "光刻机", "bm25", SearchFilter(documents=["出海"]))) <= {"出海"}
    first = Retriever(index, FakeEmbedder()).search("光刻机", 1)[0].chunk.id
    again = Retriever(index, FakeEmbedder()).search("光刻机", 5, where=SearchFilter(exclude_chunks=[first]))
    assert again and first not in {h.chunk.id for h in again}


def test_an_added_document_is_found_and_only_its_texts_are_embedded(backend_settings):
    build(backend_settings, DOCS)
    index, report = build(backend_settings, [*DOCS, NEW])
    new_chunks = [c for c in index.chunks if c.doc_id == NEW.id]
    assert report.embedded == len(set(dense_texts(new_chunks)[0]))  # the cache embeds each text once
    assert titles(index, "加氢站建设")[0] == "氢能"
    if backend_settings.backend == "milvus":
        assert index.manifest["changes"] | {} == {"written": len(new_chunks), "deleted": 0, "embedded": report.embedded}


def test_a_removed_or_edited_document_leaves_no_passages(backend_settings):
    first, _ = build(backend_settings, [*DOCS, NEW])
    edited = Document("芯片", "国产芯片制造取得突破。" * 25, kind="article", section="产业观察")
    index, report = build(backend_settings, [edited, *DOCS[:2]])
    assert set(index.documents) == {d.id for d in (edited, *DOCS[:2])}
    assert "氢能" not in titles(index, "加氢站建设", k=10) and "芯片" in titles(index, "芯片制造")
    assert not {c.id for c in index.chunks} & {c.id for c in first.chunks if c.doc_id in (NEW.id, DOCS[2].id)}
    if backend_settings.backend == "milvus":
        gone = sum(c.doc_id in (NEW.id, DOCS[2].id) for c in first.chunks)
        assert index.manifest["changes"]["deleted"] == gone
        assert sorted(index.chunks, key=lambda c: c.id) == sorted(index.chunks, key=lambda c: c.id)


def test_missing_other_model_and_changed_corpus_are_reasons_to_build(backend_settings, tmp_path):
    assert "no index" in check_index(backend_settings.index)
    build(backend_settings, DOCS)
    reason = check_index(replace(backend_settings, model="another-model").index)
    assert reason and "embedding model changed" in reason
    index, why = open_index(replace(backend_settings, model="other").index, lambda: FakeEmbedder(name="other"))
    assert "embedding model changed" in why and index.model_name == "other"
    other = replace(backend_settings, model="other").index
    assert check_index(other) is None
    (tmp_path / "new.txt").write_text("新的文章。" * 20, encoding="utf-8")
    assert check_index(other, [tmp_path / "new.txt"]) == "the corpus files changed since the last build"


def test_readers_search_while_a_build_updates_the_index(backend_settings):
    index, _ = build(backend_settings, DOCS)
    failures: list[object] = []

    def read():
        try:
            for _ in range(15):
                assert titles(index, "光刻机")[0] == "芯片"
        except Exception as exc:  # collected: pytest does not see a thread's exception
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    build(backend_settings, [*DOCS, NEW])
    for t in readers:
        t.join()
    assert not failures


# ---------------------------------------------------------------- Milvus only


def test_milvus_errors_are_one_sentence(fake_settings):
    pytest.importorskip("pymilvus")
    settings = milvus_settings(fake_settings)
    with pytest.raises(IndexMissing, match="no index in the Milvus collections"):
        load_milvus_index(settings.index)
    build(settings, DOCS)
    with pytest.raises(IndexStale, match="built with fake-bigram, not other"):
        load_milvus_index(settings.index, model="other")
    with pytest.raises(IndexStale, match="64-d vectors but the model makes 384-d"):
        load_milvus_index(settings.index, dimension=384)
    down = replace(settings, milvus=replace(settings.milvus, uri="http://127.0.0.1:9", timeout=2))
    with pytest.raises(IndexProblem, match="cannot reach Milvus at http://127.0.0.1:9") as caught:
        load_milvus_index(down.index)
    assert "\n" not in str(caught.value)


def test_another_dimension_rewrites_the_collections(fake_settings):
    pytest.importorskip("pymilvus")
    settings = milvus_settings(fake_settings)
    build(settings, DOCS)
    index, report = build(settings, DOCS, FakeEmbedder(dimension=32))
    assert index.dense.dimension == 32 and index.manifest["changes"]["deleted"] == 0
    assert index.manifest["changes"]["written"] == len(index.chunks)


READER = """
import json, sys
from pathlib import Path
from dataclasses import replace
from fakes import FakeEmbedder
from rag.config import Settings
from rag.index import MilvusSettings, load_milvus_index
from rag.retrieval import Retriever
milvus = MilvusSettings(uri=sys.argv[2], collection=sys.argv[3])
settings = Settings(home=Path(sys.argv[1]), backend="milvus", milvus=milvus)
index = load_milvus_index(settings.index, model="fake-bigram", dimension=64)
retriever = Retriever(index, FakeEmbedder())
print(json.dumps([retriever.search("光刻机", 3)[0].document.title for _ in range(20)], ensure_ascii=False))
"""


def test_several_client_processes_search_one_milvus_server(fake_settings, milvus_server, tmp_path):
    settings = milvus_settings(fake_settings, milvus_server)
    build(settings, DOCS)
    script = tmp_path / "reader.py"
    script.write_text(READER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS)]))
    argv = [sys.executable, str(script), str(tmp_path), milvus_server, settings.milvus.collection]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    readers = [subprocess.Popen(argv, env=env, **pipes) for _ in "abc"]
    build(settings, [*DOCS, NEW])  # a writer upserts while they read
    for proc in readers:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1]) == ["芯片"] * 20
