"""Embedding throughput on the real build texts, against this CPU's compute bound, for each CPU lever.

    RAG_HOME=/tmp/rhome python eval/bench_embedding.py [--sample 8] [--rounds 3] [--no-quality] [--json]

Throughput: every configuration embeds the same texts (every `--sample`-th unique build text) once per round;
rounds run the configurations in a fresh shuffled order, and each ratio is taken against the default (torch fp32,
batch 32, all cores) of the same round, then the median is reported. Levers: batch size (sentence-transformers
sorts the whole input by length inside `encode`, so its batches are already length buckets), corpus-order
batching (no sort) to show the padding that sorting saves, torch threads, bf16 autocast (the model
spec `<model>+bf16` in rag), torch dynamic int8 and,
when `onnxruntime` and `onnx` are importable, ONNX Runtime fp32 / int8 exported from the local model folder.

Quality: each variant embeds all unique build texts once (reported as full-corpus tokens/s), the vectors go into
a scratch embedding cache, the index is built from it and scored on the evaluation set (dense and hybrid MRR@10).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.bench.throughput import (
    bert_encoder_shape,
    compute_bound,
    corpus_flops_per_token,
    measure_embedding,
    token_lengths,
)
from rag.chunking import chunk_documents
from rag.config import Settings
from rag.embedding import BF16_SUFFIX, EmbeddingCache, SentenceTransformerEmbedder, split_model_spec
from rag.engine import Engine
from rag.evaluation import development_set, load_dataset, run_retrieval_eval
from rag.index import build_index, dense_texts
from rag.ingest import bundled_corpus, load_corpus

DEFAULT = "torch-fp32"
MRR_TOLERANCE = 0.01


# ------------------------------------------------------------------ variants


def torch_int8_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The default embedder with every nn.Linear replaced by torch's dynamic int8 version."""
    import warnings

    import torch

    model = split_model_spec(settings.model)[0]
    embedder = SentenceTransformerEmbedder(model, settings.home, settings.batch_size)
    module = embedder._model[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module.model = torch.ao.quantization.quantize_dynamic(module.auto_model, {torch.nn.Linear}, torch.qint8)
    if not any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in module.auto_model.modules()):
        raise RuntimeError("torch dynamic quantisation did not replace the model's Linear layers")
    embedder.name += "+torch-int8"
    return embedder


class CorpusOrderEmbedder:
    """Batches in the order given (what a loop over the build texts would do): no global length sort."""

    sorts_by_length = False

    def __init__(self, inner: SentenceTransformerEmbedder):
        self.inner = inner
        self.name, self.dimension = inner.name, inner.dimension
        self.batch_size = inner.batch_size
        self.passage_prompt, self.max_tokens = inner.passage_prompt, inner.max_tokens

    def tokenizer(self):
        return self.inner.tokenizer()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:  # noqa: ARG002
        n = self.batch_size
        return np.vstack([self.inner.encode_passages(texts[i : i + n]) for i in range(0, len(texts), n)])


class OnnxEmbedder:
    """An exported model (tokens → mean-pooled, normalised vector) run by ONNX Runtime, batched like encode()."""

    def __init__(self, path: Path, like: SentenceTransformerEmbedder, threads: int, tag: str):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = like.tokenizer()
        self.name, self.dimension = f"{like.name}+{tag}", like.dimension
        self.batch_size, self.max_tokens = like.batch_size, like.max_tokens
        self.query_prompt, self.passage_prompt = like.query_prompt, like.passage_prompt

    def tokenizer(self):
        return self._tokenizer

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts])
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            enc = self._tokenizer(
                [prompt + texts[i] for i in rows], padding=True, truncation=True, max_length=self.max_tokens
            )
            feed = {k: np.asarray(enc[k], dtype=np.int64) for k in ("input_ids", "attention_mask")}
            out[rows] = self._session.run(None, feed)[0]
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), self.query_prompt)

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:  # noqa: ARG002
        return self._encode(list(texts), self.passage_prompt)


def onnx_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def build_onnx_models(model_dir: Path, out: Path) -> dict[str, Path]:
    """Export the local model folder to ONNX (eager attention so ORT fuses it), optimise, quantise; cached in `out`."""
    files = {"ort-fp32": out / "fp32.onnx", "ort-int8": out / "int8.onnx", "ort-int8-ffn2fp32": out / "int8b.onnx"}
    if all(p.is_file() for p in files.values()):
        return files
    import logging

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    logging.getLogger("onnxruntime").setLevel(logging.ERROR)
    out.mkdir(parents=True, exist_ok=True)
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self, model: torch.nn.Module):
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    ids = torch.randint(5, 1000, (2, 16))
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 9:] = 0  # a padded row, so the trace keeps the mask path
    raw = out / "raw.onnx"
    axes = {0: "batch", 1: "tokens"}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(bert),
            (ids, mask),
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "sentence_embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    config = bert.config
    fused = optimize_model(
        str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
    )
    fused.save_model_to_file(str(files["ort-fp32"]))
    raw.unlink()
    options = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    quantize_dynamic(
        files["ort-fp32"], files["ort-int8"], weight_type=QuantType.QInt8, per_channel=True, extra_options=options
    )
    graph = onnx.load(str(files["ort-fp32"]), load_external_data=False).graph
    ffn_out = [
        n.name for n in graph.node if n.op_type == "MatMul" and "/output/dense" in n.name and "attention" not in n.name
    ]
    quantize_dynamic(
        files["ort-fp32"],
        files["ort-int8-ffn2fp32"],
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=ffn_out,
        extra_options=options,
    )
    return files


# ------------------------------------------------------------------ measurement


@dataclasses.dataclass(frozen=True)
class Config:
    variant: str
    batch: int
    threads: int

    @property
    def label(self) -> str:
        return f"{self.variant} b{self.batch} t{self.threads}"


class Variants:
    """Creates each variant once (ONNX sessions once per thread count) and sets torch's thread count per run."""

    def __init__(self, settings: Settings, scratch: Path, onnx_dir: Path | None):
        self.settings, self.scratch, self.onnx_dir = settings, scratch, onnx_dir
        self._made: dict[tuple[str, int], Any] = {}
        self.base = self._torch("fp32")
        self._onnx_files: dict[str, Path] | None = None

    def names(self) -> list[str]:
        names = [DEFAULT, "torch-fp32-corpus-order", "torch-bf16", "torch-int8"]
        if self.onnx_dir is not None:
            names += ["ort-fp32", "ort-int8", "ort-int8-ffn2fp32"]
        return names

    def get(self, variant: str, threads: int):
        import torch

        torch.set_num_threads(threads)
        key = (variant, threads if variant.startswith("ort") else 0)
        if key not in self._made:
            self._made[key] = self._make(variant, threads)
        return self._made[key]

    def _torch(self, precision: str) -> SentenceTransformerEmbedder:
        s = self.settings
        model = split_model_spec(s.model)[0] + (BF16_SUFFIX if precision == "bf16" else "")
        return SentenceTransformerEmbedder(model, s.cache_dir, s.batch_size)

    def _make(self, variant: str, threads: int):
        s = self.settings
        if variant == DEFAULT:
            return self.base
        if variant == "torch-fp32-corpus-order":
            return CorpusOrderEmbedder(self._torch("fp32"))
        if variant == "torch-bf16":
            return self._torch("bf16")
        if variant == "torch-int8":
            return torch_int8_embedder(s)
        if variant.startswith("ort"):
            if self._onnx_files is None:
                from rag.bundled_model import bundled_model_path

                assert self.onnx_dir is not None
                t0 = time.perf_counter()
                self._onnx_files = build_onnx_models(bundled_model_path(s.cache_dir), self.onnx_dir)
                log(f"ONNX models ready in {time.perf_counter() - t0:.0f}s ({self.onnx_dir})")
            return OnnxEmbedder(self._onnx_files[variant], self.base, threads, variant)
        raise ValueError(f"unknown variant {variant}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(variants: Variants, config: Config, texts: list[str], keep: bool = False) -> dict[str, Any]:
    embedder = variants.get(config.variant, config.threads)
    embedder.batch_size = config.batch
    if hasattr(embedder, "inner"):
        embedder.inner.batch_size = config.batch
    return measure_embedding(
        embedder, texts, keep_vectors=keep, length_sorted=getattr(embedder, "sorts_by_length", True)
    )


def sweep(
    variants: Variants, configs: list[Config], texts: list[str], rounds: int, seed: int = 0
) -> dict[Config, list[dict[str, Any]]]:
    """Every config once per round, in a shuffled order per round (the default config in every round)."""
    runs: dict[Config, list[dict[str, Any]]] = {c: [] for c in configs}
    rng = random.Random(seed)
    for c in configs:  # warm-up: load, export and first-call costs stay out of the timings
        variants.get(c.variant, c.threads).encode_passages(texts[:8])
    for r in range(rounds):
        order = configs[:]
        rng.shuffle(order)
        for c in order:
            result = measure(variants, c, texts)
            runs[c].append(result)
            log(f"round {r + 1}/{rounds} {c.label:32s} {result['tokens_per_s']:8.0f} tok/s")
    return runs


def summarise(
    runs: dict[Config, list[dict[str, Any]]], default: Config, bound: Callable[[int], float]
) -> list[dict[str, Any]]:
    rows = []
    for c, results in runs.items():
        tps = [r["tokens_per_s"] for r in results]
        ratios = [r["seconds"] and d["seconds"] / r["seconds"] for r, d in zip(results, runs[default])]
        median_tps = statistics.median(tps)
        rows.append(
            {
                "config": c.label,
                "variant": c.variant,
                "batch": c.batch,
                "threads": c.threads,
                "tokens_per_s": round(median_tps, 1),
                "padded_tokens_per_s": round(statistics.median(r["padded_tokens_per_s"] for r in results), 1),
                "padding_waste": results[0]["padding_waste"],
                "speedup_vs_default": round(statistics.median(ratios), 3),
                "bound_tokens_per_s": round(bound(c.threads), 1),
                "below_bound": round(bound(c.threads) / median_tps, 2),
                "tokens_per_cpu_s": round(statistics.median(r["tokens_per_cpu_s"] for r in results), 1),
                "below_core_bound": round(bound(1) / statistics.median(r["tokens_per_cpu_s"] for r in results), 2),
                "other_load": statistics.median(r.get("other_load", 0.0) for r in results),
                "runs": len(results),
            }
        )
    return rows


def query_latency(variants: Variants, names: list[str], threads: int, questions: list[str], rounds: int) -> list[dict]:
    """Median milliseconds to embed one question, per variant (interleaved per round)."""
    times: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(rounds):
        for i, q in enumerate(questions):
            for name in names[i % len(names) :] + names[: i % len(names)]:  # rotate: no variant always follows ORT
                embedder = variants.get(name, threads)
                t0 = time.perf_counter()
                embedder.encode_queries([q])
                times[name].append(time.perf_counter() - t0)
    return [{"variant": n, "threads": threads, "ms": round(1000 * statistics.median(t), 1)} for n, t in times.items()]


def quality(
    variants: Variants, names: list[str], texts: list[str], threads: int, scratch: Path, dataset: Path
) -> list[dict[str, Any]]:
    """Full-corpus tokens/s and dense/hybrid retrieval quality of each variant, built from its own vectors."""
    rows = []
    for name in names:
        config = Config(name, variants.settings.batch_size, threads)
        result = measure(variants, config, texts, keep=True)
        embedder = variants.get(name, threads)
        home = scratch / f"q-{name}"
        settings = dataclasses.replace(variants.settings, home=home, index_dir=home / "index")
        cache = EmbeddingCache(settings.index.embedding_cache, embedder.name, embedder.dimension)
        cache.put_many(texts, result.pop("vectors"))
        cache.close()
        index, report = build_index([bundled_corpus()], settings.index, embedder)
        questions = load_dataset(dataset, [d.text for d in index.documents.values()])
        retriever = Engine.assemble(settings, embedder, index).retriever
        metrics = run_retrieval_eval(questions, retriever, None, ("hybrid", "dense"))
        row = {"variant": name, "threads": threads, **{k: result[k] for k in ("tokens", "seconds", "tokens_per_s")}}
        row |= {"re_embedded": report.embedded, "other_load": result.get("other_load")}
        row |= {f"{mode}_mrr@10": round(m.metrics["mrr@10"], 4) for mode, m in metrics.items()}
        rows.append(row)
        log(f"quality {name}: {row}")
    base = next(r for r in rows if r["variant"] == DEFAULT)
    for r in rows:
        r["dense_delta"] = round(r["dense_mrr@10"] - base["dense_mrr@10"], 4)
        r["hybrid_delta"] = round(r["hybrid_mrr@10"] - base["hybrid_mrr@10"], 4)
        r["within_tolerance"] = abs(r["dense_delta"]) <= MRR_TOLERANCE and abs(r["hybrid_delta"]) <= MRR_TOLERANCE
        r["speedup_vs_default"] = round(base["seconds"] / r["seconds"], 3)
    return rows


# ------------------------------------------------------------------ report


def text_stats(embedder: SentenceTransformerEmbedder, texts: list[str], n_all: int) -> dict[str, Any]:
    lengths = token_lengths(embedder, texts)
    assert lengths is not None
    untruncated = embedder.tokenizer()([embedder.passage_prompt + t for t in texts])["input_ids"]
    return {
        "texts": n_all,
        "unique_texts": len(texts),
        "tokens": int(lengths.sum()),
        "mean_tokens": round(float(lengths.mean()), 1),
        "max_tokens": int(lengths.max()),
        "max_seq_length": embedder.max_tokens,
        "truncated": int(sum(len(x) > embedder.max_tokens for x in untruncated)),
    }, lengths


def print_table(report: dict[str, Any]) -> None:
    b, t = report["bound"], report["texts"]
    print(
        f"CPU: {b['cpu']}, {b['cores']} cores, {b['isa']}, {b['flops_per_cycle_per_core']} FLOP/cycle/core, "
        f"{b['clock_ghz']} GHz → peak {b['peak_gflops']} GFLOP/s fp32 (flags alone: {b['peak_gflops_from_flags']})"
    )
    print(
        f"Model: {report['model']['params'] / 1e6:.1f}M encoder matmul params, {report['model']['layers']} layers, "
        f"hidden {report['model']['hidden']}; {report['model']['flops_per_token'] / 1e6:.1f} MFLOP per real token "
        f"(2·params + 4·layers·hidden·L over the texts' own lengths)"
    )
    print(
        f"Texts: {t['unique_texts']} unique of {t['texts']}, {t['tokens']} tokens, mean {t['mean_tokens']}, "
        f"max {t['max_tokens']} (limit {t['max_seq_length']}, {t['truncated']} truncated); "
        f"sweep on {report['sample']['texts']} texts, {report['sample']['tokens']} tokens"
    )
    print(
        f"Bound: {b['tokens_per_s']:.0f} tokens/s on {b['cores']} cores ({b['tokens_per_s'] / b['cores']:.0f} per core)"
    )
    print()
    head = f"{'config':34s} {'tok/s':>8s} {'padded/s':>9s} {'waste':>6s} {'× default':>9s} {'bound/x':>8s} "
    head += f"{'tok/cpu-s':>9s} {'core bound/x':>12s} {'other':>6s}"
    print(head)
    print("-" * len(head))
    for r in report["sweep"]:
        print(
            f"{r['config']:34s} {r['tokens_per_s']:8.0f} {r['padded_tokens_per_s']:9.0f} {r['padding_waste']:6.1%} "
            f"{r['speedup_vs_default']:9.2f} {r['below_bound']:8.2f} {r['tokens_per_cpu_s']:9.0f} "
            f"{r['below_core_bound']:12.2f} {r['other_load']:6.2f}"
        )
    if report.get("query_latency"):
        print()
        print("one-question latency: " + ", ".join(f"{q['variant']} {q['ms']} ms" for q in report["query_latency"]))
    if report.get("quality"):
        print()
        head = f"{'variant (full corpus)':22s} {'tok/s':>7s} {'× default':>9s} {'dense':>7s} {'Δ':>7s} "
        head += f"{'hybrid':>7s} {'Δ':>7s}  ok"
        print(head)
        print("-" * len(head))
        for r in report["quality"]:
            print(
                f"{r['variant']:22s} {r['tokens_per_s']:7.0f} {r['speedup_vs_default']:9.2f} "
                f"{r['dense_mrr@10']:7.4f} {r['dense_delta']:+7.4f} {r['hybrid_mrr@10']:7.4f} {r['hybrid_delta']:+7.4f}"
                f"  {'yes' if r['within_tolerance'] else 'NO'}"
            )
    print(f"\n{report['seconds']:.0f}s in all")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sample", type=int, default=8, help="sweep on every N-th unique build text (1: all)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch-sizes", default="8,16,32,64,128")
    p.add_argument("--variants", help="comma-separated subset of the variants")
    p.add_argument("--no-quality", action="store_true", help="skip the full-corpus quality check")
    p.add_argument("--onnx-dir", help="where the exported ONNX models are cached (default: RAG_HOME/bench-onnx)")
    p.add_argument("--dataset", default=str(development_set()))
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of tables")
    args = p.parse_args(argv)
    started = time.perf_counter()
    settings = Settings.from_env()
    documents = load_corpus([bundled_corpus()], settings.limits.max_file_bytes).documents
    all_texts, _ = dense_texts(chunk_documents(documents, settings.chunking))
    texts = list(dict.fromkeys(all_texts))  # the build embeds each distinct text once
    sample = texts[:: args.sample]
    onnx_dir = Path(args.onnx_dir) if args.onnx_dir else settings.home / "bench-onnx"
    with tempfile.TemporaryDirectory(prefix="bench-embedding-") as tmp:
        variants = Variants(settings, Path(tmp), onnx_dir if onnx_available() else None)
        names = variants.names()
        if args.variants:
            names = [DEFAULT] + [n for n in args.variants.split(",") if n in names and n != DEFAULT]
        if not onnx_available():
            log("onnxruntime/onnx not importable: ONNX Runtime variants skipped (pip install onnxruntime onnx)")
        base = variants.base
        stats, lengths = text_stats(base, texts, len(all_texts))
        shape = bert_encoder_shape(base._model[0].auto_model.config.to_dict())
        flops = corpus_flops_per_token(shape["params"], shape["layers"], shape["hidden"], lengths)
        bound = compute_bound(flops)

        def bound_for(threads: int) -> float:
            return bound["tokens_per_s"] * min(threads, bound["cores"]) / bound["cores"]

        cores = bound["cores"]
        default = Config(DEFAULT, settings.batch_size, cores)
        configs = [default] + [Config(DEFAULT, int(b), cores) for b in args.batch_sizes.split(",")]
        configs += [Config(n, settings.batch_size, t) for n in names for t in sorted({1, cores})]
        configs = list(dict.fromkeys(configs))
        runs = sweep(variants, configs, sample, args.rounds)
        report: dict[str, Any] = {
            "bound": bound,
            "model": shape | {"flops_per_token": flops},
            "texts": stats,
            "sample": {"every": args.sample, "texts": len(sample), "tokens": runs[default][0]["tokens"]},
            "sweep": summarise(runs, default, bound_for),
        }
        questions = [json.loads(line)["question"] for line in Path(args.dataset).read_text("utf-8").splitlines()[:20]]
        report["query_latency"] = query_latency(variants, names, cores, questions, args.rounds)
        if not args.no_quality:
            numeric = [n for n in names if n != "torch-fp32-corpus-order"]
            report["quality"] = quality(variants, numeric, texts, cores, Path(tmp), Path(args.dataset))
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
