"""The Milvus `chunks` collection holds the BM25 field of the configured lexical mode only, a change of mode
rewrites the collections, a build inserts new rows (upserts after one that stopped while writing), and
`RowMap.where` builds the filter a plain loop over the chunks would."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from conftest import milvus_settings
from test_backend_contract import DOCS, NEW, build, titles

from rag.index import MilvusStore, RowMap, check_index
from rag.types import Chunk


def chunk_fields(settings) -> set[str]:
    store = MilvusStore(settings.milvus, settings.index.milvus_uri)
    return {f["name"] for f in store.client.describe_collection(store.name("chunks"))["fields"]}


def test_each_lexical_mode_has_only_its_bm25_field_and_switching_rebuilds(fake_settings):
    pytest.importorskip("pymilvus")
    jieba = milvus_settings(fake_settings)
    build(jieba, DOCS)
    fields = chunk_fields(jieba)
    assert {"tokens", "sparse_jieba"} <= fields and not fields & {"indexed", "sparse_zh"}

    zh = replace(jieba, milvus=replace(jieba.milvus, lexical="milvus"))
    assert check_index(zh.index) == "the Milvus BM25 tokens changed (jieba → milvus)"
    index, _ = build(zh, DOCS)
    fields = chunk_fields(zh)
    assert {"indexed", "sparse_zh"} <= fields and not fields & {"tokens", "sparse_jieba"}
    assert index.manifest["lexical"] == "milvus"
    assert index.manifest["changes"]["written"] == len(index.chunks) and index.manifest["embedded"] == 0
    assert titles(index, "光刻机", "bm25")[0] == "芯片" and titles(index, "光刻机")[0] == "芯片"
    assert check_index(zh.index) is None
    assert check_index(jieba.index) == "the Milvus BM25 tokens changed (milvus → jieba)"


def test_a_build_after_one_stopped_while_writing_upserts_and_leaves_no_duplicate_rows(fake_settings):
    pytest.importorskip("pymilvus")
    settings = milvus_settings(fake_settings)
    build(settings, DOCS)
    index, _ = build(settings, [*DOCS, NEW])  # a clean incremental build inserts NEW's rows
    store = MilvusStore(settings.milvus, settings.index.milvus_uri)
    vectors = index.manifest["counts"]["vectors"]
    assert store.count("vectors") == vectors and store.count("chunks") == len(index.chunks)
    assert store.begin_write()  # no build left its mark
    store.end_write()
    # a build that stopped after writing NEW's vector rows, before its chunk rows
    added = [c.id for c in index.chunks if index.document_of(c).title == "氢能"]
    store.delete("chunks", "id", added)
    assert store.begin_write()
    index, _ = build(settings, [*DOCS, NEW])
    assert index.manifest["changes"]["written"] == len(added)
    assert store.count("vectors") == vectors and store.count("chunks") == len(index.chunks)
    assert titles(index, "加氢站")[0] == "氢能" and store.begin_write()


def loop_where(chunks: list[Chunk], rows: np.ndarray, field: str) -> str:
    """The filter as the first version built it: one Python pass over every chunk."""
    allowed = np.zeros(len(chunks), dtype=bool)
    allowed[rows] = True
    if allowed.all():
        return ""
    by_doc: dict[str, list[bool]] = {}
    for chunk, ok in zip(chunks, allowed):
        by_doc.setdefault(chunk.doc_id, []).append(bool(ok))
    whole = [d for d, oks in by_doc.items() if all(oks)]
    loose = [c.id for c, ok in zip(chunks, allowed) if ok and c.doc_id not in set(whole)]
    terms = ([f"doc_id in {json_list(whole)}"] if whole else []) + ([f"{field} in {json_list(loose)}"] if loose else [])
    return " or ".join(terms) or 'doc_id == ""'


def json_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def test_row_map_where_matches_a_loop_over_the_chunks():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 40)
        chunks = [Chunk(f"d{rng.randint(0, 5)}", "x", 0, 1, "", f"c{i}") for i in range(n)]
        row_map = RowMap(chunks, np.ones(n, dtype=np.int64))
        assert row_map.where(None, "id") == ""
        picks = [np.array([], dtype=np.int64), np.arange(n), np.array(rng.sample(range(n), rng.randint(1, n)))]
        for rows in picks:
            assert row_map.where(rows, "chunk_id") == loop_where(chunks, rows, "chunk_id")
    assert RowMap(chunks, np.ones(n, dtype=np.int64)).where(np.array([], dtype=np.int64), "id") == 'doc_id == ""'
