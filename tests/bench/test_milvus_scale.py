"""The Milvus rows of `rag bench`'s scale part: a tiny corpus through the app's Milvus collections (Milvus Lite)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.bench import terminal_report, write_report
from rag.bench.milvus_scale import milvus_rows, overlap_at
from rag.bench.scale import exact_neighbours
from rag.index import MilvusSettings

WORDS = ["芯片", "汽车", "能源", "电池", "市场", "政策", "技术", "城市", "教育", "医疗"]
WORDS += [a + b for a in "国家人民经济社会文化科学历史发展" for b in "中外新老大小高低" if a + b not in WORDS]
FIELDS = {
    "n",
    "backend",
    "index",
    "search",
    "recall@10",
    "p50_ms",
    "p95_ms",
    "filtered_p50_ms",
    "filtered_p95_ms",
    "filter_build_ms",
    "filter_map_ms",
    "bm25_p50_ms",
    "bm25_p95_ms",
    "hybrid_p50_ms",
    "hybrid_p95_ms",
    "milvus_rrf_p50_ms",
    "milvus_rrf_p95_ms",
    "milvus_weighted_p50_ms",
    "milvus_weighted_p95_ms",
    "milvus_rrf_vs_app@10",
    "milvus_weighted_vs_app@10",
    "milvus_rrf_vs_app_equal_weights@10",
    "insert_s",
    "insert_rows_per_s",
    "build_s",
    "memory_mb",
    "peak_memory_mb",
    "disk_mb",
    "vector_copy_mb",
    "chosen",
}


def milvus_row(n: int = 100_000) -> dict:
    row = dict.fromkeys(FIELDS, 1.0) | {"n": n, "backend": "milvus", "index": "Milvus FLAT", "search": "exact"}
    return row | {"insert_rows_per_s": 650, "peak_memory_mb": 2048.0, "milvus_rrf_vs_app@10": 0.61, "chosen": False}


def test_milvus_rows_get_their_own_table_beside_the_faiss_rows(tmp_path):
    faiss = {"n": 100_000, "backend": "faiss", "index": "Flat", "recall@10": 1.0, "p50_ms": 6.8, "bm25_p50_ms": 2.0}
    results = {"scale": [faiss, milvus_row()], "quick": True}
    text = terminal_report(results)
    faiss_part, milvus_part = text.split("Scale on Milvus Lite")
    assert "Milvus FLAT" not in faiss_part and "Flat" in faiss_part
    assert "Milvus FLAT" in milvus_part and "650 /s" in milvus_part and "0.61" in milvus_part
    write_report(results, tmp_path)
    assert "On Milvus Lite" in (tmp_path / "report.md").read_text("utf-8")


def test_overlap_is_the_shared_share_of_the_top_k():
    assert overlap_at([1, 2, 3, 4], [4, 3, 9, 8], 2) == 0.0
    assert overlap_at([1, 2, 3], [3, 2, 1], 3) == 1.0


@pytest.mark.slow
def test_a_small_milvus_scale_run_has_every_field_and_exact_recall_on_flat(tmp_path):
    pytest.importorskip("pymilvus", reason="the Milvus backend needs the `milvus` extra (pymilvus, milvus-lite)")
    rng = np.random.default_rng(0)
    n, dim = 2000, 16
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = [[WORDS[j] for j in rng.integers(0, len(WORDS), rng.integers(5, 40))] for _ in range(n)]
    queries = vectors[:12] + 0.1 * rng.standard_normal((12, dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    questions = [WORDS[i % len(WORDS)] + WORDS[(i + 3) % len(WORDS)] for i in range(12)]
    truth = exact_neighbours(vectors, queries, 10)
    said: list[str] = []
    row, ivf = milvus_rows(
        MilvusSettings(),
        tmp_path,
        vectors,
        docs,
        set(WORDS),
        queries,
        questions,
        truth,
        ("FLAT", "IVF_FLAT"),
        said.append,
    )
    assert set(row) == set(ivf) == FIELDS
    assert ivf["index"] == "Milvus IVF_FLAT" and ivf["build_s"] > 0 and 0 < ivf["recall@10"] <= 1
    assert row["n"] == n and row["index"] == "Milvus FLAT" and row["recall@10"] == 1.0
    for mode in ("", "filtered_", "bm25_", "hybrid_", "milvus_rrf_", "milvus_weighted_"):
        assert 0 < row[f"{mode}p50_ms"] <= row[f"{mode}p95_ms"]
    assert row["milvus_rrf_vs_app_equal_weights@10"] >= 0.9  # the same algorithm, in Milvus and in the app
    assert row["insert_rows_per_s"] > 0 and row["disk_mb"] > 0 and row["memory_mb"] > 0
    assert any("Milvus insert 2,000/2,000" in line for line in said)
