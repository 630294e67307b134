"""`rag bench`: indexing, query-latency and report pieces measure what they claim (no time is asserted)."""

from __future__ import annotations

import json

import pytest

from rag.answer import Answerer
from rag.bench import (
    bench_indexing,
    bench_queries,
    benchmark_questions,
    count_tokens,
    percentiles,
    terminal_report,
    write_report,
)
from rag.evaluation import development_set
from rag.index import build_index
from rag.retrieval import Retriever
from rag.timing import StageTimer

DATASET = development_set()


@pytest.fixture()
def fake_retriever(fake_settings, fake_embedder, corpus_dir):
    index, _ = build_index([corpus_dir], fake_settings.index, fake_embedder)
    return Retriever(index, fake_embedder)


def test_percentiles_in_milliseconds():
    stats = percentiles([0.001, 0.002, 0.003, 0.004, 0.100])
    assert stats["p50_ms"] == 3.0 and stats["n"] == 5
    assert 4.0 < stats["p95_ms"] <= 100.0


def test_timer_does_not_change_results_and_sees_every_stage(fake_retriever):
    timer = StageTimer()
    timed = fake_retriever.search("新能源汽车骗补", 5, "hybrid", timer=timer)
    plain = fake_retriever.search("新能源汽车骗补", 5, "hybrid")
    assert [h.chunk.id for h in timed] == [h.chunk.id for h in plain]
    assert set(timer.seconds) == {"embed_query", "faiss", "bm25", "fusion"}
    bm25_only = StageTimer()
    fake_retriever.search("新能源汽车骗补", 5, "bm25", timer=bm25_only)
    assert set(bm25_only.seconds) == {"bm25", "fusion"}


def test_warm_rebuild_embeds_nothing_and_one_edit_embeds_little(fake_settings, fake_embedder, corpus_dir, tmp_path):
    result = bench_indexing([corpus_dir], fake_settings, fake_embedder, tmp_path / "work", repeats=2)
    assert result["chunks"] == 222 and result["vectors"] >= result["chunks"]
    assert result["warm_embedded"] == 0
    assert 0 < result["incremental_embedded"] < result["texts_embedded"] / 20
    assert set(result["cold_stages_s"]) >= {"parse", "chunk", "embed", "faiss", "bm25", "save"}
    assert result["warm_ratio"] == pytest.approx(result["warm_s"] / result["cold_s"], rel=0.01)
    assert corpus_dir.joinpath(next(p.name for p in corpus_dir.iterdir())).read_text("utf-8").count("基准测试补记") == 0


def test_query_benchmark_covers_modes_and_ask_stages(fake_retriever):
    questions = benchmark_questions(DATASET, ["发展智能计算的道路选择"], minimum=0)[:12]
    result = bench_queries(Answerer(fake_retriever), questions)
    assert set(result) == {"dense", "bm25", "hybrid", "ask"}
    for stats in result.values():
        assert stats["n"] == 12 and 0 < stats["p50_ms"] <= stats["p95_ms"]
        assert sum(s["share"] for s in stats["stages"].values()) <= 1.0001
    assert set(result["ask"]["stages"]) == {"embed_query", "faiss", "bm25", "fusion", "answer"}
    assert result["ask"]["p50_ms"] > result["hybrid"]["p50_ms"] * 0.5  # ask includes a hybrid search


def test_questions_are_topped_up_to_the_minimum():
    titles = [f"标题{i}" for i in range(40)]
    dev = len(benchmark_questions(DATASET, titles, minimum=0))
    questions = benchmark_questions(DATASET, titles, minimum=dev + 10)
    assert len(questions) == dev + 10 and "《标题0》主要讲了什么？" in questions
    assert any(q.startswith("What does the article") for q in questions)


def test_report_writes_json_markdown_and_plots(fake_retriever, tmp_path):
    query = bench_queries(Answerer(fake_retriever), ["新能源汽车骗补", "智能计算"])
    scale = [
        {
            "n": 10_000,
            "index": "Flat",
            "recall@10": 1.0,
            "p50_ms": 0.4,
            "memory_mb": 15.0,
            "build_s": 0.01,
            "bm25_p50_ms": 0.3,
            "hybrid_p50_ms": 0.9,
            "chosen": True,
        },
        {"n": 100_000, "index": "Flat", "recall@10": 1.0, "p50_ms": 4.0, "memory_mb": 150.0, "build_s": 0.1},
    ]
    results = {"query": query, "scale": scale, "quick": True}
    written = write_report(results, tmp_path / "out")
    names = {p.name for p in written}
    assert names == {"bench.json", "report.md", "stages.png", "scale.png"}
    assert json.loads((tmp_path / "out" / "bench.json").read_text("utf-8"))["scale"][1]["n"] == 100_000
    assert (tmp_path / "out" / "scale.png").read_bytes()[:4] == b"\x89PNG"
    text = terminal_report(results)
    assert "hybrid" in text and "100,000" in text


@pytest.mark.slow
def test_token_count_uses_the_real_tokenizer(real_embedder):
    one = count_tokens(real_embedder, ["新能源汽车"])
    two = count_tokens(real_embedder, ["新能源汽车", "新能源汽车"])
    assert one > 3 and two == 2 * one
    long = count_tokens(real_embedder, ["字" * 5000])
    assert long == real_embedder.max_tokens
