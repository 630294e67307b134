"""Scale benchmark: dense indexes (exact, HNSW, IVF) and BM25 on synthetic corpora of 10^4–10^6 chunks.

`python -m rag.scale_bench --quick` runs 10^4 and 10^5 chunks (about 2–3 minutes); without `--quick`
it adds 10^6 (about 20 minutes on 2 shared cores, peak RSS ~12 GB). One vector per synthetic chunk;
the real index has ~10 per chunk, so read `n` as a vector count for the dense rows (`rag.ann`).

Synthetic vectors: "blob" (default) moves a real vector part of the way towards one of its 10
nearest real neighbours and adds Gaussian noise with the real vectors' covariance (`NOISE_SCALE`
times it); "local" takes random steps along the directions to all 10 neighbours plus less noise,
a lower-dimensional neighbourhood. Uniform random vectors would have no neighbour structure and
isotropic noise would leave the anisotropic e5 space. Drawn 2,170 at a time, both match the 2,170
real vectors' similarities within ~0.03 (real / blob / local: 10th-neighbour cosine 0.925 / 0.921 /
0.918, random pair 0.868 / 0.861 / 0.841, question to its 10th passage 0.885 / 0.881 / 0.886; local
intrinsic dimension 15 / 13 / 12). At 10^5 their intrinsic dimensions part (19 vs 11), which brackets
how hard a real corpus of that size would be. Queries are the embedded development questions;
recall@k is against exact search over the same vectors.

Synthetic texts for BM25: the real chunks' sentences are tokenised once with `rag.lexical.tokenize`,
and each synthetic chunk is the tokens of as many random sentences as a random real chunk has, so
10^6 chunks do not spend ~1.5 hours in jieba (`bm25_tokenise_s_est` says what the real build would).
The vocabulary stays the real one, so posting lists are longer than in a real corpus of that size
and BM25 query times are on the pessimistic side. Hybrid timings are the search part of
`Retriever.search` (ANN fetch of `DENSE_FETCH` rows, BM25 top 50, weighted RRF) without the query
embedding, which does not depend on the corpus size.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.embedding import Embedder
from rag.engine import load_embedder
from rag.evaluation import development_set
from rag.index import BM25Index, LexicalIndex, MilvusSettings, NumpyDenseIndex, SearchIndex, load_index, top_k
from rag.index import faiss_dense as ann
from rag.retrieval import RetrievalSettings, weighted_rrf
from rag.retrieval.retriever import VECTORS_PER_CHUNK
from rag.text import split_sentences, tokenize

Progress = Callable[[str], None]
ExtraRows = Callable[[int, np.ndarray, list[list[str]], np.ndarray], list[dict[str, Any]]]

NOISE_SCALE = 0.5  # "blob": times the real covariance; calibrated as in the module docstring
MAX_STEP = 0.5  # "blob": how far towards a real neighbour a synthetic vector may move
LOCAL_STEP = 0.15  # "local": spread of the random steps along the 10 real-neighbour directions
LOCAL_NOISE = 0.35  # "local": covariance-shaped noise on top
STRUCTURES = ("blob", "local")
NEIGHBOURS = 10
QUICK_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000)
EF_SEARCH_SWEEP = (16, 32, 64, 128, 256)
NPROBE_SWEEP = (8, 16, 32, 64, 128)
FUSION = RetrievalSettings()  # candidates per retriever and fusion constants, as the live retriever uses them
CANDIDATES = FUSION.candidates
DENSE_FETCH = FUSION.candidates * VECTORS_PER_CHUNK  # rows the retriever asks the dense index for
BATCH = 50_000
SUMMARY = ("search", "recall@10", "p50_ms", "p95_ms", "memory_mb", "build_s", "bm25_p50_ms", "bm25_p95_ms")
SUMMARY += ("hybrid_p50_ms", "hybrid_p95_ms")


@dataclass(frozen=True)
class Geometry:
    """What synthesis needs from the real vectors: the vectors, their real neighbours, a noise factor."""

    base: np.ndarray  # (m, d), L2-normalised
    neighbours: np.ndarray  # (m, NEIGHBOURS) rows of each vector's nearest other real vectors
    noise: np.ndarray  # (d, d): standard normal z @ noise.T has the real covariance

    @classmethod
    def of(cls, base: np.ndarray) -> Geometry:
        """Neighbours by exact inner product and the covariance square root (eigen-decomposition)."""
        base = np.ascontiguousarray(base, dtype=np.float32)
        sims = base @ base.T
        np.fill_diagonal(sims, -np.inf)
        k = min(NEIGHBOURS, len(base) - 1)
        neighbours = np.argsort(-sims, axis=1)[:, :k]
        values, vectors = np.linalg.eigh(np.cov(base.T.astype(np.float64)))
        noise = (vectors * np.sqrt(np.clip(values, 0.0, None))).astype(np.float32)
        return cls(base, neighbours, noise)


def synthesise_vectors(geometry: Geometry, n: int, seed: int = 0, structure: str = "blob") -> np.ndarray:
    """`n` unit vectors near the real ones; `structure` is "blob" or "local" (see `STRUCTURES`)."""
    if structure not in STRUCTURES:
        raise ValueError(f"unknown structure {structure!r}; choose one of {', '.join(STRUCTURES)}")
    rng = np.random.default_rng(seed)
    base, dim = geometry.base, geometry.base.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        anchor = rng.integers(0, len(base), size)
        if structure == "blob":
            other = geometry.neighbours[anchor, rng.integers(0, geometry.neighbours.shape[1], size)]
            step = rng.uniform(0.0, MAX_STEP, size).astype(np.float32)[:, None]
            block = base[anchor] + step * (base[other] - base[anchor])
            scale = NOISE_SCALE
        else:
            neighbours = geometry.neighbours[anchor]
            steps = LOCAL_STEP * rng.standard_normal(neighbours.shape, dtype=np.float32)
            block = base[anchor].copy()
            for j in range(neighbours.shape[1]):
                block += steps[:, j : j + 1] * (base[neighbours[:, j]] - base[anchor])
            scale = LOCAL_NOISE
        block += scale * (rng.standard_normal((size, dim), dtype=np.float32) @ geometry.noise.T)
        out[start : start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def sentence_tokens(texts: Iterable[str]) -> tuple[list[list[str]], list[int]]:
    """Tokens of every sentence of `texts` (tokenised once) and the sentence count of each text."""
    sentences: list[list[str]] = []
    counts: list[int] = []
    for text in texts:
        spans = split_sentences(text) or [(0, len(text))]
        tokens = [tokenize(text[a:b]) for a, b in spans]
        tokens = [t for t in tokens if t]
        sentences.extend(tokens)
        counts.append(max(1, len(tokens)))
    return sentences, counts


def synthesise_docs(sentences: list[list[str]], counts: Sequence[int], n: int, seed: int = 0) -> list[list[str]]:
    """`n` token lists, each the tokens of as many random real sentences as a random real chunk has."""
    rng = np.random.default_rng(seed)
    sizes = np.asarray(counts)[rng.integers(0, len(counts), n)]
    picks = rng.integers(0, len(sentences), int(sizes.sum()))
    docs: list[list[str]] = []
    at = 0
    for size in sizes:
        doc: list[str] = []
        for row in picks[at : at + size]:
            doc.extend(sentences[row])
        docs.append(doc or ["\u2205"])
        at += size
    return docs


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row ids of the exact top-`k` by inner product (the ground truth)."""
    return NumpyDenseIndex(vectors).search(queries, k)[1]


def recall_at_k(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    """Mean share of the exact top-`k` found in the approximate top-`k`."""
    hits = sum(len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth))
    return hits / (k * len(truth))


def latency_ms(run: Callable[[int], Any], count: int, repeats: int = 1) -> tuple[float, float]:
    """p50 and p95 in ms of `run(i)` for i in 0..count-1, one call at a time on one thread, after a warm-up.

    One OpenMP thread, as `ann.SEARCH_THREADS`: FAISS splits a single exact query over threads, and on
    this shared 2-core machine the threads' barrier made a 20,000-vector scan 24 ms instead of 1.3 ms.
    """
    with ann.faiss_threads(ann.SEARCH_THREADS):
        for i in range(min(5, count)):
            run(i)
        times = []
        for _ in range(repeats):
            for i in range(count):
                t0 = time.perf_counter()
                run(i)
                times.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def _sweep(factory: str) -> list[dict[str, int]]:
    if factory.startswith("HNSW"):
        return [{"ef_search": e} for e in EF_SEARCH_SWEEP]
    if factory.startswith("IVF"):
        return [{"nprobe": p} for p in NPROBE_SWEEP]
    return [{}]


FACTORY_KINDS: dict[str, Callable[[int], str]] = {
    "flat": lambda n: ann.FLAT,
    "hnsw": lambda n: f"HNSW{ann.HNSW_M},Flat",
    "ivf": ann.ivf_factory,
    "ivf-sq8": lambda n: ann.ivf_factory(n, "SQ8"),
}


def default_factories(n: int) -> list[str]:
    """Index types measured at `n` vectors: exact, HNSW, IVF and (from 10^5) IVF with 8-bit codes."""
    compressed = [ann.ivf_factory(n, "SQ8")] if n >= 100_000 else []
    return [ann.FLAT, f"HNSW{ann.HNSW_M},Flat", ann.ivf_factory(n)] + compressed


@dataclass
class BM25Run:
    """A BM25 index built over synthetic chunks and its timings."""

    index: BM25Index
    build_s: float
    p50_ms: float
    p95_ms: float


def measure_bm25(docs: list[list[str]], questions: Sequence[str], k: int = CANDIDATES) -> BM25Run:
    """Build bm25s over token lists (as `BM25Index.build` does after tokenising) and time top-k queries."""
    import bm25s

    t0 = time.perf_counter()
    retriever = bm25s.BM25(method="lucene")
    retriever.index(docs, show_progress=False)
    build_s = time.perf_counter() - t0
    index = BM25Index(retriever)
    p50, p95 = latency_ms(lambda i: top_k(index.scores(questions[i]), k, positive_only=True), len(questions))
    return BM25Run(index, build_s, p50, p95)


def hybrid_once(dense_index: Any, bm25: LexicalIndex, query: np.ndarray, question: str) -> list[int]:
    """Dense fetch + BM25 top-k + weighted RRF for one query, as `Retriever.search` in hybrid mode.

    `dense_index` is a FAISS index or a `DenseIndex` (such as `MilvusDense`); `bm25` any `LexicalIndex`."""
    fetch = min(DENSE_FETCH, dense_index.ntotal if hasattr(dense_index, "ntotal") else dense_index.size)
    rows = dense_index.search(query[None, :], fetch)[1][0]
    dense = [int(r) for r in rows[:CANDIDATES] if r >= 0]  # one vector per synthetic chunk: row = chunk
    lexical = top_k(bm25.scores(question), CANDIDATES, positive_only=True)
    rankings = [(FUSION.dense_weight, dense), (FUSION.bm25_weight, [r for r, _ in lexical])]
    return [row for row, _ in weighted_rrf(rankings, FUSION.rrf_k)]


def measure_dense(
    factory: str,
    vectors: np.ndarray,
    queries: np.ndarray,
    truth: np.ndarray,
    k: int,
    hybrid: Callable[[Any], tuple[float, float]] | None = None,
) -> list[dict[str, Any]]:
    """Build `factory` over `vectors` and measure each search setting of its sweep; one row per setting."""
    t0 = time.perf_counter()
    index = ann.build_dense(vectors, factory)
    build_s = time.perf_counter() - t0
    memory_mb = ann.index_bytes(index) / 2**20
    rows = []
    for setting in _sweep(factory):
        ann.tune_for_search(index, **setting)
        found = index.search(queries, k)[1]
        p50, p95 = latency_ms(lambda i: index.search(queries[i : i + 1], k), len(queries))
        default = setting in ({}, {"ef_search": ann.HNSW_EF_SEARCH}, {"nprobe": ann.IVF_NPROBE})
        hybrid_p50, hybrid_p95 = hybrid(index) if hybrid is not None and default else (None, None)
        rows.append(
            {
                "index": factory,
                "search": ann.describe(index),
                "recall@10": round(recall_at_k(found, truth, k), 4),
                "p50_ms": round(p50, 3),
                "p95_ms": round(p95, 3),
                "memory_mb": round(memory_mb, 1),
                "build_s": round(build_s, 2),
                "hybrid_p50_ms": None if hybrid_p50 is None else round(hybrid_p50, 2),
                "hybrid_p95_ms": None if hybrid_p95 is None else round(hybrid_p95, 2),
            }
        )
    return rows


def run_scale_benchmark(  # noqa: PLR0913  (benchmark knobs, one parameter each)
    sizes: Sequence[int],
    base_vectors: np.ndarray,
    sentences: list[list[str]],
    sentence_counts: Sequence[int],
    queries: np.ndarray,
    questions: Sequence[str],
    factories: Callable[[int], list[str]] = default_factories,
    k: int = 10,
    seed: int = 0,
    structure: str = "blob",
    tokenise_s_per_chunk: float | None = None,
    progress: Progress | None = None,
    extra: ExtraRows | None = None,
) -> list[dict[str, Any]]:
    """Rows `{n, index, search, recall@10, p50_ms, p95_ms, memory_mb, build_s, bm25_*, hybrid_*, chosen}`.

    `queries` are unit query vectors and `questions` their texts (BM25 side of the hybrid timing);
    `sentences`/`sentence_counts` come from `sentence_tokens` over the real chunks; with
    `tokenise_s_per_chunk` (jieba time per real chunk) rows also carry the jieba time `n` chunks would take.
    `extra(n, vectors, token lists, exact top-k)` adds rows of another backend over the same corpus (Milvus).
    """
    say = progress or (lambda message: None)
    geometry = Geometry.of(base_vectors)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    rows: list[dict[str, Any]] = []
    for n in sizes:
        say(f"n={n}: synthesising vectors and texts")
        vectors = synthesise_vectors(geometry, n, seed, structure)
        truth = exact_neighbours(vectors, queries, k)
        say(f"n={n}: BM25")
        docs = synthesise_docs(sentences, sentence_counts, n, seed)
        bm25 = measure_bm25(docs, questions)
        chosen = ann.choose_factory(n, vectors.shape[1])
        jieba_s = None if tokenise_s_per_chunk is None else round(n * tokenise_s_per_chunk, 1)

        def hybrid(index: Any, bm25: BM25Run = bm25) -> tuple[float, float]:
            return latency_ms(lambda i: hybrid_once(index, bm25.index, queries[i], questions[i]), len(queries))

        for factory in factories(n):
            say(f"n={n}: {factory}")
            for row in measure_dense(factory, vectors, queries, truth, k, hybrid):
                default = row["hybrid_p50_ms"] is not None
                rows.append(
                    {"n": n, "structure": structure, "backend": "faiss"}
                    | row
                    | {
                        "bm25_build_s": round(bm25.build_s, 2),
                        "bm25_p50_ms": round(bm25.p50_ms, 2),
                        "bm25_p95_ms": round(bm25.p95_ms, 2),
                        "bm25_tokenise_s_est": jieba_s,
                        "chosen": default and row["index"] == chosen,
                    }
                )
            tuned = [r for r in rows if r["n"] == n and r["index"] == factory and r["hybrid_p50_ms"] is not None]
            say(f"n={n}: {factory}: " + ", ".join(f"{key} {tuned[-1][key]}" for key in SUMMARY if tuned))
            gc.collect()
        del bm25, hybrid
        gc.collect()
        if extra is not None:
            rows.extend({"structure": structure} | row for row in extra(n, vectors, docs, truth))
        del vectors, docs
        gc.collect()
    return rows


# ---------------------------------------------------------------- `rag bench`

HNSW_MAX_N = 100_000  # HNSW is measured up to here by `rag bench`: at 10^6 it built in 426 s and lost to IVF


def default_sizes(quick: bool) -> list[int]:
    """Corpus sizes `rag bench` measures: 10^4 and 10^5 chunks, plus 10^6 unless `quick`."""
    return list(QUICK_SIZES if quick else FULL_SIZES)


def bench_factories(n: int) -> list[str]:
    """`default_factories` without HNSW above `HNSW_MAX_N` (slowest to build, and never chosen)."""
    return [f for f in default_factories(n) if n <= HNSW_MAX_N or not f.startswith("HNSW")]


def scale_section(  # noqa: PLR0913  (the `rag bench` inputs, one parameter each)
    index: SearchIndex,
    embedder: Embedder,
    questions: Sequence[str],
    sizes: Sequence[int],
    query_embed_ms: float | None = None,
    progress: Progress | None = None,
    milvus: MilvusSettings | None = None,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """`{"scale": rows, "scale_notes": text}` for `rag bench`, built from a loaded `SearchIndex`.

    With `milvus`, each size also gets Milvus rows (`rag.bench.milvus_scale`) over the same corpus, in a Milvus Lite
    file under `workdir`. With `query_embed_ms` (the measured median query embedding), every row's hybrid p50 and p95
    both become the whole hybrid search; `hybrid_search_part_p50_ms` / `_p95_ms` keep the corpus-dependent part."""
    base = index.dense.reconstruct(0, index.dense.size)
    texts = [chunk.text for chunk in index.chunks]
    t0 = time.perf_counter()
    sentences, counts = sentence_tokens(texts)
    per_chunk = (time.perf_counter() - t0) / max(len(texts), 1)
    queries = np.asarray(embedder.encode_queries(list(questions)), dtype=np.float32)
    extra = None
    if milvus is not None:
        vocabulary = {token for sentence in sentences for token in sentence}
        extra = milvus_extra(milvus, workdir, vocabulary, queries, list(questions), progress)
    rows = run_scale_benchmark(
        sizes,
        base,
        sentences,
        counts,
        queries,
        list(questions),
        factories=bench_factories,
        tokenise_s_per_chunk=per_chunk,
        progress=progress,
        extra=extra,
    )
    if query_embed_ms is not None:
        add_query_embedding(rows, query_embed_ms)
    return {"scale": rows, "scale_notes": scale_notes(query_embed_ms, milvus is not None)}


def milvus_extra(  # noqa: PLR0913
    milvus: MilvusSettings,
    workdir: Path | None,
    vocabulary: set[str],
    queries: np.ndarray,
    questions: list[str],
    progress: Progress | None,
) -> ExtraRows:
    """The Milvus rows of one size, each size in a fresh Milvus Lite file in a temporary folder under `workdir`."""
    import tempfile

    from .milvus_scale import milvus_rows

    def rows(_n: int, vectors: np.ndarray, docs: list[list[str]], truth: np.ndarray) -> list[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="rag-bench-milvus-", dir=workdir) as folder:
            return milvus_rows(milvus, Path(folder), vectors, docs, vocabulary, queries, questions, truth, say=progress)

    return rows


HYBRID_KEYS = ("hybrid", "milvus_rrf", "milvus_weighted")


def add_query_embedding(rows: list[dict[str, Any]], query_embed_ms: float) -> None:
    """Add the median query embedding to every hybrid p50 and p95, keeping the search part beside them."""
    for row in rows:
        for key in HYBRID_KEYS:
            for stat in ("p50", "p95"):
                if row.get(f"{key}_{stat}_ms") is not None:
                    row[f"{key}_search_part_{stat}_ms"] = row[f"{key}_{stat}_ms"]
                    row[f"{key}_{stat}_ms"] = round(row[f"{key}_{stat}_ms"] + query_embed_ms, 2)


def scale_notes(query_embed_ms: float | None, milvus: bool) -> str:
    """What the scale rows measure, for the report."""
    embedding = (
        f"hybrid p50 and p95 = search part + the measured median query embedding ({query_embed_ms:.1f} ms). "
        if query_embed_ms is not None
        else "Every p50 and p95 excludes the query embedding (it does not depend on the corpus size). "
    )
    milvus_note = (
        "Milvus rows: the app's collections in embedded Milvus Lite (Strong consistency), written with the app's "
        "row code, searched through `MilvusDense`/`MilvusLexical`; memory is the Lite process's RSS and includes a "
        "copy of the vectors on the chunk rows (`vector_copy_mb`) that only Milvus's own `hybrid_search` reads. "
        if milvus
        else ""
    )
    return (
        "Synthetic corpora: one vector per chunk drawn near the real e5 vectors (see `rag.bench.scale`), "
        "the development questions as queries, recall@10 against exact search over the same vectors, "
        "latency one query at a time on one FAISS thread. BM25 documents are made of real sentences' "
        "jieba tokens (build time excludes tokenisation; `bm25_tokenise_s_est` estimates it). "
        + embedding
        + milvus_note
        + "◀ marks the index `auto` chooses at that size."
    )


# ---------------------------------------------------------------- command line


def load_inputs(questions_path: Path) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """Real vectors and chunk texts from the live index, and the embedded development questions."""
    settings = Settings.from_env()
    index = load_index(settings.index_path)
    base = index.dense.reconstruct(0, index.dense.size)
    texts = [chunk.text for chunk in index.chunks]
    rows = [json.loads(line) for line in questions_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [row["question"] for row in rows]
    queries = load_embedder(settings).encode_queries(questions)
    return base, texts, np.asarray(queries, dtype=np.float32), questions


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table."""
    keys = ["n", "index", "search", "recall@10", "p50_ms", "p95_ms", "memory_mb", "build_s"]
    keys += ["bm25_build_s", "bm25_p50_ms", "hybrid_p50_ms", "chosen"]
    lines = ["\t".join(keys)]
    lines += ["\t".join("" if row.get(key) is None else str(row[key]) for key in keys) for row in rows]
    return "\n".join(lines)


def _kinds(names: list[str]) -> Callable[[int], list[str]]:
    return lambda n: [FACTORY_KINDS[name](n) for name in names]


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark and write the rows as JSON."""
    parser = argparse.ArgumentParser(prog="python -m rag.bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 and 10^5 chunks only (a few minutes)")
    parser.add_argument("--sizes", type=int, nargs="+", help="corpus sizes in chunks (overrides --quick)")
    parser.add_argument("--questions", type=Path, default=development_set())
    parser.add_argument("--out", type=Path, help="write the rows to this JSON file")
    parser.add_argument("--threads", type=int, help="FAISS/OpenMP threads (default: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--factories", nargs="+", choices=sorted(FACTORY_KINDS), help="index kinds (default: all)")
    parser.add_argument("--structure", choices=STRUCTURES, default="blob", help="how synthetic vectors are made")
    args = parser.parse_args(argv)
    threads = args.threads or os.cpu_count() or 1
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    say("loading the live index and embedding the questions")
    base, texts, queries, questions = load_inputs(args.questions)
    with ann.faiss_threads(threads):
        rows = _run(args, sizes, base, texts, queries, questions, say)
    say("done")
    print(format_table(rows))
    if args.out:
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def _run(args: argparse.Namespace, sizes, base, texts, queries, questions, say) -> list[dict[str, Any]]:  # noqa: PLR0913
    t0 = time.perf_counter()
    sentences, counts = sentence_tokens(texts)
    per_chunk = (time.perf_counter() - t0) / len(texts)
    return run_scale_benchmark(
        sizes,
        base,
        sentences,
        counts,
        queries,
        questions,
        factories=_kinds(args.factories) if args.factories else default_factories,
        seed=args.seed,
        structure=args.structure,
        tokenise_s_per_chunk=per_chunk,
        progress=say,
    )


if __name__ == "__main__":
    raise SystemExit(main())
