"""The benchmark behind `rag bench`: indexing (cold, warm, incremental), query latency per mode and stage.

Every figure is a median (or p95) over repeated runs made in the same process, so ratios between them are
meaningful even on a noisy machine; nothing here asserts a time. The scale part (synthetic 10⁴–10⁶ corpora)
lives in `rag.scale_bench`; `rag.bench_report` renders the results.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer import Answerer
from rag.config import Settings
from rag.embedding import Embedder
from rag.engine import open_engine
from rag.evaluation import load_dataset
from rag.index import BuildReport, build_index, dense_texts
from rag.ingest import bundled_corpus
from rag.timing import StageTimer

from .scale import default_sizes, scale_section
from .throughput import bert_encoder_shape, compute_bound, corpus_flops_per_token, token_lengths

Progress = Callable[[str], None]
SEARCH_STAGES = ("embed_query", "faiss", "bm25", "fusion")
EDIT_MARK = "（基准测试补记{n}：本句为增量重建测试所加。）"


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean in milliseconds of a list of durations in seconds."""
    ms = np.asarray(seconds, dtype=float) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "n": len(ms),
    }


# ---------------------------------------------------------------- indexing


def count_tokens(embedder: Embedder, texts: Sequence[str], prompt: str = "passage: ") -> int:
    """Tokens the model actually reads for `texts` (prompt and special tokens included, truncated as the model
    truncates); 0 when the embedder exposes no tokenizer."""
    tokenizer_of = getattr(embedder, "tokenizer", None)
    if tokenizer_of is None:
        return 0
    limit = getattr(embedder, "max_tokens", 512)
    encoded = tokenizer_of()([prompt + t for t in texts], truncation=True, max_length=limit)
    return sum(len(ids) for ids in encoded["input_ids"])


def _edit_one_article(corpus: Path, n: int) -> str:
    """Append a marked sentence to a long line near the middle of the first text file; returns the line's start."""
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".txt", ".md"))
    path = files[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    long_lines = [i for i, line in enumerate(lines) if len(line.strip()) >= 40] or list(range(len(lines)))
    target = long_lines[(len(long_lines) // 2 + n) % len(long_lines)]
    lines[target] = lines[target].rstrip() + EDIT_MARK.format(n=n)
    path.chmod(0o644)
    path.write_text("\n".join(lines), encoding="utf-8")
    return lines[target][:20]


def bench_indexing(  # over 60 lines: cold, warm and incremental builds timed in one place
    sources: list[Path],
    settings: Settings,
    embedder: Embedder,
    workdir: Path,
    repeats: int = 3,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Cold build (empty embedding cache), warm rebuilds (nothing changed) and incremental rebuilds (one
    article edited) of `sources`, in a scratch home under `workdir` that reuses the loaded `embedder`."""
    say = progress or (lambda message: None)
    corpus = workdir / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    for source in sources:
        target = corpus / source.name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    # a cold build embeds every text: no seed vectors
    scratch = replace(settings, home=workdir / "home", index_dir=None, seed_vectors=False)
    if scratch.home.exists():
        shutil.rmtree(scratch.home)

    def timed_build() -> tuple[float, BuildReport, Any]:
        t0 = time.perf_counter()
        index, report = build_index([corpus], scratch.index, embedder)
        return time.perf_counter() - t0, report, index

    say("indexing: cold build (empty embedding cache)")
    cold_s, cold, index = timed_build()
    texts, _ = dense_texts(index.chunks)
    tokens = count_tokens(embedder, texts)
    warm, incremental = [], []
    for n in range(repeats):
        say(f"indexing: warm rebuild {n + 1}/{repeats}")
        seconds, report, _ = timed_build()
        warm.append((seconds, report.embedded))
    for n in range(repeats):
        say(f"indexing: incremental rebuild {n + 1}/{repeats} (one article edited)")
        _edit_one_article(corpus, n)
        seconds, report, _ = timed_build()
        incremental.append((seconds, report.embedded, report.stages))
    warm_s = statistics.median(s for s, _ in warm)
    incremental_s = statistics.median(s for s, _, _ in incremental)
    embed_s = cold.stages["embed"]
    return {
        "documents": cold.documents,
        "chunks": cold.chunks,
        "vectors": index.dense.size,
        "texts_embedded": cold.embedded,
        "tokens": tokens,
        "cold_s": round(cold_s, 3),
        "cold_stages_s": {k: round(v, 3) for k, v in cold.stages.items()},
        "warm_s": round(warm_s, 3),
        "warm_embedded": max(e for _, e in warm),
        "warm_ratio": round(warm_s / cold_s, 4),
        "incremental_s": round(incremental_s, 3),
        "incremental_embedded": int(statistics.median(e for _, e, _ in incremental)),
        "incremental_ratio": round(incremental_s / cold_s, 4),
        "embed_s": round(embed_s, 3),
        "tokens_per_s": round(tokens / embed_s, 1) if embed_s > 0 and tokens else None,
    }


# ---------------------------------------------------------------- queries


def _stage_summary(runs: list[tuple[float, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Median ms per stage and its share of the summed total time."""
    total = sum(t for t, _ in runs) or 1.0
    names = sorted({name for _, stages in runs for name in stages})
    return {
        name: {
            "median_ms": round(statistics.median(stages.get(name, 0.0) for _, stages in runs) * 1000, 3),
            "share": round(sum(stages.get(name, 0.0) for _, stages in runs) / total, 4),
        }
        for name in names
    }


def bench_queries(
    answerer: Answerer,
    questions: Sequence[str],
    modes: Sequence[str] = ("dense", "bm25", "hybrid"),
    k: int = 5,
    ask: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Latency of every mode (and of the full extractive `ask` path) over `questions`, model warm.

    Modes are interleaved question by question so that background load affects them alike. `stages` gives
    each stage's median and share; for `ask`, `answer` is everything after retrieval."""
    say = progress or (lambda message: None)
    retriever = answerer.retriever
    answerer.warm_up()
    for question in questions[:5]:
        for mode in modes:
            retriever.search(question, k, mode)
    runs: dict[str, list[tuple[float, dict[str, float]]]] = {m: [] for m in (*modes, *(("ask",) if ask else ()))}
    for i, question in enumerate(questions):
        if i % 50 == 0:
            say(f"queries: {i}/{len(questions)}")
        for mode in modes:
            timer = StageTimer()
            t0 = time.perf_counter()
            retriever.search(question, k, mode, timer=timer)
            runs[mode].append((time.perf_counter() - t0, dict(timer.seconds)))
        if ask:
            timer = StageTimer()
            t0 = time.perf_counter()
            answerer.answer(question, k, timer=timer)
            total = time.perf_counter() - t0
            stages = dict(timer.seconds)
            stages["answer"] = max(0.0, total - sum(stages.values()))
            runs["ask"].append((total, stages))
    return {
        mode: percentiles([t for t, _ in samples]) | {"stages": _stage_summary(samples)}
        for mode, samples in runs.items()
    }


def benchmark_questions(dataset: Path, titles: Sequence[str], minimum: int = 200) -> list[str]:
    """The evaluation questions, topped up to `minimum` with questions about the corpus's article titles
    (Chinese and English alternately), so the latency percentiles rest on enough samples."""
    questions = [q.question for q in load_dataset(dataset)]
    extra = []
    for title in titles:
        extra.append(f"《{title}》主要讲了什么？")
        extra.append(f"What does the article “{title}” argue?")
    return questions + extra[: max(0, minimum - len(questions))]


# ---------------------------------------------------------------- the whole run


def machine_info() -> dict[str, Any]:
    """CPU model, core count and this process's peak resident memory."""
    import os
    import platform
    import resource

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_benchmark(  # noqa: PLR0913  (the `rag bench` options, one parameter each)
    settings: Settings,
    dataset: Path,
    quick: bool = False,
    sizes: Sequence[int] | None = None,
    parts: set[str] | None = None,
    progress: Progress | None = None,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Everything `rag bench` reports, as one JSON-ready dict (see the README's Performance section)."""
    import tempfile

    say = progress or (lambda message: None)
    parts = parts or {"index", "query", "scale"}
    say("loading the model and the index")
    engine = open_engine(settings)
    results: dict[str, Any] = {"created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": quick}
    if "query" in parts:
        titles = [d.title for d in engine.index.documents.values() if d.is_article]
        questions = benchmark_questions(dataset, titles)
        results["query"] = bench_queries(engine.answerer, questions, progress=say)
    if "index" in parts:
        with tempfile.TemporaryDirectory(prefix="rag-bench-", dir=workdir) as scratch:
            sources = [Path(s) for s in engine.index.manifest.get("sources", [])] or [bundled_corpus()]
            index = bench_indexing(sources, settings, engine.embedder, Path(scratch), 1 if quick else 3, say)
        texts, _ = dense_texts(engine.index.chunks)
        results["index"] = index | _against_compute_bound(engine.embedder, texts, index)
    if "scale" in parts:
        embed_ms = None
        if "query" in results:
            embed_ms = results["query"]["hybrid"]["stages"].get("embed_query", {}).get("median_ms")
        chosen = list(sizes) if sizes else default_sizes(quick)
        questions = [q.question for q in load_dataset(dataset)]
        milvus = settings.index.milvus if settings.index.backend == "milvus" else None
        section = scale_section(engine.index, engine.embedder, questions, chosen, embed_ms, say, milvus, workdir)
        results.update(section)
    results["machine"] = machine_info()
    return results


def _against_compute_bound(embedder: Embedder, texts: Sequence[str], index: dict[str, Any]) -> dict[str, Any]:
    """The compute bound for this CPU at the FLOPs per token of these texts, and measured / bound."""
    config = getattr(embedder, "model_config", None)
    lengths = token_lengths(embedder, texts)
    if not config or lengths is None:
        return {"compute_bound": None, "compute_bound_ratio": None}
    shape = bert_encoder_shape(config)
    flops = corpus_flops_per_token(shape["params"], shape["layers"], shape["hidden"], lengths)
    bound = compute_bound(flops)
    bound["explanation"] = (
        f"{bound['cores']} cores × {bound['flops_per_cycle_per_core']} FLOP/cycle × {bound['clock_ghz']} GHz "
        f"= {bound['peak_gflops']} GFLOP/s ÷ {flops / 1e6:.1f} MFLOP/token"
    )
    measured = index.get("tokens_per_s")
    ratio = measured / bound["tokens_per_s"] if measured and bound.get("tokens_per_s") else None
    return {"compute_bound": bound, "compute_bound_ratio": round(ratio, 4) if ratio else None}
