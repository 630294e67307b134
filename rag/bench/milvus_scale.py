"""Milvus rows of the scale benchmark: the app's own collections (`rag.index.MilvusStore`) over the same synthetic
corpora as the FAISS rows, searched through the app's `MilvusDense` / `MilvusLexical` seams.

Each synthetic chunk is written as a build writes it (`chunk_row`, `vector_rows`, `MilvusStore.write`: upserts of
500 rows, with the one BM25 field of the configured `RAG_MILVUS_LEXICAL`: the jieba tokens into the
whitespace-analysed field, or the joined text into Milvus's Chinese analyzer), into an embedded Milvus Lite file
with Strong consistency. One vector per chunk, as in the FAISS rows.
The chunk rows also carry their vector (`chunk_vector`), because Milvus's `hybrid_search` fuses fields of one
collection only; the app's searches never read that copy, but it is in the memory and disk figures (n × d × 4
bytes). Every latency is one query at a time and excludes the question embedding (it does not depend on the corpus).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.index import (
    SPARSE,
    MilvusDense,
    MilvusLexical,
    MilvusSettings,
    MilvusStore,
    RowMap,
    chunk_row,
    top_k,
    vector_rows,
)
from rag.retrieval import weighted_rrf
from rag.text import tokenize
from rag.types import Chunk

from .scale import CANDIDATES, FUSION, hybrid_once, latency_ms, recall_at_k

Progress = Callable[[str], None]

WRITE_ROWS = 10_000  # rows handed to `MilvusStore.write` at a time (it upserts them 500 at a time)
DOC_CHUNKS = 50  # synthetic chunks per synthetic document: filters select whole documents
FILTER_SHARE = 0.01  # the filtered dense search allows this share of the documents
DB_FILE = "scale.db"
LATENCY_QUERIES = 100  # questions timed per mode (recall uses all of them): a 10^6 FLAT search takes ~0.1 s


def synthetic_chunk(i: int, text: str = "") -> Chunk:
    """Synthetic chunk `i` (document `i // DOC_CHUNKS`); ids are fixed so a reader's map needs no text."""
    return Chunk(f"d{i // DOC_CHUNKS:06d}", text, 0, len(text), "", f"s{i:07d}")


def write_corpus(store: MilvusStore, vectors: np.ndarray, docs: list[list[str]], say: Progress) -> float:
    """Write the synthetic chunks as a build does (vectors first, then chunk rows); returns the seconds taken."""
    n = len(docs)
    t0 = time.perf_counter()
    mark = (0, 0.0)  # rows and seconds at the last progress line
    for start in range(0, n, WRITE_ROWS):
        chunk_rows, dense_rows = [], []
        for i in range(start, min(n, start + WRITE_ROWS)):
            chunk = synthetic_chunk(i, "".join(docs[i]))
            chunk_rows.append(chunk_row(chunk, 1, store.settings.lexical, docs[i]) | {"vector": vectors[i]})
            dense_rows.extend(vector_rows(chunk, vectors[i : i + 1]))
        store.write("vectors", dense_rows, new=True)  # a fresh collection: a build's clean write inserts
        store.write("chunks", chunk_rows, new=True)
        done, seconds = min(n, start + WRITE_ROWS), time.perf_counter() - t0
        if done % 50_000 == 0 or done == n:
            recent = (done - mark[0]) / (seconds - mark[1]) if seconds > mark[1] else 0.0
            rate = f"{done / seconds:,.0f} rows/s ({recent:,.0f} since the last line)"
            say(f"n={n}: Milvus insert {done:,}/{n:,} rows, {rate}")
            mark = (done, seconds)
    return time.perf_counter() - t0


def built_fields(store: MilvusStore) -> tuple[tuple[str, str], ...]:
    """(collection part, field) of every index the bench waits for: both dense ones and the store's BM25 field."""
    return ("vectors", "vector"), ("chunks", "vector"), ("chunks", SPARSE[store.settings.lexical])


def wait_built(store: MilvusStore) -> float:
    """Flush and wait until every dense and BM25 index holds every row; returns the seconds taken."""
    t0 = time.perf_counter()
    for part, field in built_fields(store):
        store.wait_indexed(part, field)
    return time.perf_counter() - t0


def overlap_at(a: Sequence[int], b: Sequence[int], k: int) -> float:
    """Share of the top-`k` of `a` that is in the top-`k` of `b`."""
    return len(set(a[:k]) & set(b[:k])) / k if k else 0.0


def _p(pair: tuple[float, float]) -> tuple[float, float]:
    return round(pair[0], 2), round(pair[1], 2)


def measure_modes(  # noqa: PLR0913  (one measured store and the corpus it holds)
    store: MilvusStore,
    n: int,
    vocabulary: set[str],
    queries: np.ndarray,
    questions: Sequence[str],
    truth: np.ndarray,
    k: int = 10,
) -> dict[str, Any]:
    """Recall@k, p50/p95 of dense, filtered dense, BM25, the app's hybrid and Milvus's own fusion, and agreement."""
    rows = RowMap([synthetic_chunk(i) for i in range(n)], np.ones(n, dtype=np.int64))
    dense = MilvusDense(store, rows, queries.shape[1])
    lexical = MilvusLexical(store, rows, vocabulary)
    texts = [" ".join(t for t in tokenize(q) if t in vocabulary) or "\u2205" for q in questions]
    count = min(len(questions), LATENCY_QUERIES)
    found = dense.search(queries, k)[1]
    allowed = np.arange(max(DOC_CHUNKS, int(n * FILTER_SHARE) // DOC_CHUNKS * DOC_CHUNKS))
    t0 = time.perf_counter()
    rows.documents  # noqa: B018  (the chunk → document map: built once per loaded index, at its first filter)
    map_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    where = rows.where(allowed, "chunk_id")  # the app builds this expression for every filtered search
    where_ms = (time.perf_counter() - t0) * 1000
    out: dict[str, Any] = {"recall@10": round(recall_at_k(found, truth, k), 4), "filter_build_ms": round(where_ms, 1)}
    out["filter_map_ms"] = round(map_ms, 1)
    out["p50_ms"], out["p95_ms"] = _p(latency_ms(lambda i: dense.search(queries[i : i + 1], k), count))
    filtered = _p(latency_ms(lambda i: store.search("vectors", "vector", [queries[i].tolist()], k, where), count))
    out["filtered_p50_ms"], out["filtered_p95_ms"] = filtered
    bm25 = _p(latency_ms(lambda i: top_k(lexical.scores(questions[i]), CANDIDATES, positive_only=True), count))
    out["bm25_p50_ms"], out["bm25_p95_ms"] = bm25
    ranked: dict[str, dict[int, list[int]]] = {"app": {}, "milvus_rrf": {}, "milvus_weighted": {}}

    def app(i: int) -> None:
        ranked["app"][i] = hybrid_once(dense, lexical, queries[i], questions[i])

    def milvus(name: str, weights: tuple[float, ...]) -> Callable[[int], None]:
        def run(i: int) -> None:
            hits = store.hybrid(queries[i].tolist(), texts[i], k, CANDIDATES, weights)
            ranked[name][i] = [rows.row[chunk_id] for chunk_id, _ in hits]

        return run

    out["hybrid_p50_ms"], out["hybrid_p95_ms"] = _p(latency_ms(app, count))
    out["milvus_rrf_p50_ms"], out["milvus_rrf_p95_ms"] = _p(latency_ms(milvus("milvus_rrf", ()), count))
    weights = (FUSION.dense_weight, FUSION.bm25_weight)
    out["milvus_weighted_p50_ms"], out["milvus_weighted_p95_ms"] = _p(
        latency_ms(milvus("milvus_weighted", weights), count)
    )
    return out | fusion_agreement(dense, lexical, queries, questions[:count], ranked, k)


def fusion_agreement(  # noqa: PLR0913
    dense: MilvusDense,
    lexical: MilvusLexical,
    queries: np.ndarray,
    questions: Sequence[str],
    ranked: dict[str, dict[int, list[int]]],
    k: int,
) -> dict[str, float]:
    """Mean top-`k` overlap of Milvus's RRF and WeightedRanker with the app's weighted RRF, and of Milvus's RRF with
    the app's fusion at equal weights (the same algorithm: it should be 1.0)."""
    equal, rrf, weighted = [], [], []
    for i in range(len(questions)):
        d = [int(r) for r in dense.search(queries[i : i + 1], CANDIDATES)[1][0] if r >= 0]
        b = [r for r, _ in top_k(lexical.scores(questions[i]), CANDIDATES, positive_only=True)]
        unweighted = [r for r, _ in weighted_rrf([(1.0, d), (1.0, b)], FUSION.rrf_k)]
        equal.append(overlap_at(ranked["milvus_rrf"][i], unweighted, k))
        rrf.append(overlap_at(ranked["milvus_rrf"][i], ranked["app"][i], k))
        weighted.append(overlap_at(ranked["milvus_weighted"][i], ranked["app"][i], k))
    return {
        "milvus_rrf_vs_app@10": round(statistics.fmean(rrf), 4),
        "milvus_weighted_vs_app@10": round(statistics.fmean(weighted), 4),
        "milvus_rrf_vs_app_equal_weights@10": round(statistics.fmean(equal), 4),
    }


def summary(row: dict[str, Any]) -> str:
    """One line with a Milvus row's figures (progress output, so a long run shows them as they come)."""
    modes = ", ".join(
        f"{name} {row[key + 'p50_ms']}/{row[key + 'p95_ms']}"
        for name, key in (("dense", ""), ("filtered", "filtered_"), ("bm25", "bm25_"), ("hybrid", "hybrid_"))
        + (("milvus-rrf", "milvus_rrf_"), ("milvus-weighted", "milvus_weighted_"))
    )
    return (
        f"{row['index']}: insert {row['insert_rows_per_s']} rows/s ({row['insert_s']} s), build {row['build_s']} s, "
        f"recall@10 {row['recall@10']}, p50/p95 ms {modes}; overlap@10 with the app's fusion "
        f"rrf {row['milvus_rrf_vs_app@10']} weighted {row['milvus_weighted_vs_app@10']} "
        f"equal-weights {row['milvus_rrf_vs_app_equal_weights@10']}; memory {row['memory_mb']} MB "
        f"(peak {row['peak_memory_mb']}), disk {row['disk_mb']} MB"
    )


def milvus_rows(  # noqa: PLR0913  (the corpus, its queries and where to put it)
    settings: MilvusSettings,
    folder: Path,
    vectors: np.ndarray,
    docs: list[list[str]],
    vocabulary: set[str],
    queries: np.ndarray,
    questions: Sequence[str],
    truth: np.ndarray,
    index_types: Sequence[str] = (),
    say: Progress | None = None,
) -> list[dict[str, Any]]:
    """One row per index type of `index_types` (default: the configured one) over one Milvus Lite file in `folder`,
    written once with the corpus; later types re-index the same rows."""
    say = say or (lambda message: None)
    index_types = index_types or (settings.index_type,)
    n = len(docs)
    uri = str(folder / DB_FILE)
    first = replace(settings, uri=uri, collection="scale", index_type=index_types[0])
    store = MilvusStore(first, uri)
    rows: list[dict[str, Any]] = []
    try:
        store.drop()
        store.create(vectors.shape[1], chunk_vector=True)
        insert_s = write_corpus(store, vectors, docs, say)
        for at, index_type in enumerate(index_types):
            say(f"n={n}: Milvus {index_type}: building the index")
            if at == 0:
                build_s = wait_built(store)
            else:
                t0 = time.perf_counter()
                for part in ("vectors", "chunks"):
                    store.reindex(part, "vector", index_type)
                build_s = time.perf_counter() - t0
                store.close()
                store = MilvusStore(replace(first, index_type=index_type), uri)
            say(f"n={n}: Milvus {index_type}: searching")
            measured = measure_modes(store, n, vocabulary, queries, questions, truth)
            footprint = store.lite_footprint()
            search = "nprobe 64 of 1024 lists" if index_type.upper().startswith("IVF") else "exact"
            rows.append(
                {"n": n, "backend": "milvus", "index": f"Milvus {index_type}", "search": search}
                | measured
                | {
                    "insert_s": round(insert_s, 1),
                    "insert_rows_per_s": round(n / insert_s),
                    "build_s": round(build_s, 2),
                    "memory_mb": footprint["rss_mb"],
                    "peak_memory_mb": footprint["peak_rss_mb"],
                    "disk_mb": footprint["disk_mb"],
                    "vector_copy_mb": round(n * vectors.shape[1] * 4 / 2**20, 1),
                    "chosen": False,
                }
            )
            say(f"n={n}: {summary(rows[-1])}")
    finally:
        store.drop()
        store.release()
    return rows
