"""Embedding throughput: a FLOP-based compute bound for this CPU and a tokens/s measurement of an embedder.

Bound: ``peak = cores × FMA units × fp32 SIMD lanes × 2 × clock`` FLOP/s, divided by the FLOPs one token
costs in a BERT encoder, ``2 × encoder_params + 4 × layers × hidden × seq_len`` (the matmuls; the embedding
lookup does no arithmetic; QKᵀ and AV add 2 × seq_len × hidden multiply-adds per token and layer).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embedding.cpu import read_cpuinfo, simd_lanes, usable_cores

_FMA_UNITS = 2  # two FMA pipes per core: Intel since Haswell (most server parts), AMD since Zen 2


def compute_bound(
    flops_per_token: float,
    cores: int | None = None,
    clock_ghz: float | None = None,
    cpuinfo: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Peak fp32 FLOP/s of this CPU and the tokens/s it allows at `flops_per_token` (missing info → assumptions)."""
    info = read_cpuinfo() if cpuinfo is None else cpuinfo
    n = cores or usable_cores(info)
    clock, clock_source = (clock_ghz, "given") if clock_ghz else clock_ghz(info)
    nominal, lanes, isa = simd_lanes(info)
    flags = info.get("flags") or set()
    has_fma = not flags or bool({"fma", "avx512f", "asimd"} & flags)
    per_cycle = _FMA_UNITS * lanes * 2 if has_fma else 2 * lanes  # an FMA is 2 FLOPs; else one add + one mul port
    peak = n * per_cycle * clock * 1e9
    assumptions = [f"{_FMA_UNITS} FMA units per core" if has_fma else "no FMA: one add and one mul per cycle"]
    if lanes != nominal:
        assumptions.append(f"{isa} flags give {nominal} fp32 lanes, but this core's FMA datapath is {lanes} wide")
    assumptions.append(f"clock {clock:.3f} GHz from {clock_source}")
    return {
        "cpu": info.get("model_name") or "unknown",
        "cores": n,
        "isa": isa,
        "simd_lanes_fp32": lanes,
        "fma_units": _FMA_UNITS if has_fma else 0,
        "flops_per_cycle_per_core": per_cycle,
        "clock_ghz": round(clock, 3),
        "peak_gflops": round(peak / 1e9, 1),
        "peak_gflops_from_flags": round(n * _FMA_UNITS * nominal * 2 * clock, 1) if has_fma else None,
        "flops_per_token": flops_per_token,
        "tokens_per_s": round(peak / flops_per_token, 1) if flops_per_token > 0 else None,
        "bf16_dot": "avx512_bf16" in flags or "amx_bf16" in flags,
        "int8_dot": "avx512_vnni" in flags or "avx_vnni" in flags or "amx_int8" in flags,
        "assumptions": assumptions,
    }


def bert_encoder_shape(config: Mapping[str, Any]) -> dict[str, int]:
    """Layers, hidden size and matmul parameters (weights + biases of Q, K, V, O and the FFN) of a BERT config."""
    h, layers = int(config["hidden_size"]), int(config["num_hidden_layers"])
    f = int(config.get("intermediate_size", 4 * h))
    per_layer = 4 * (h * h + h) + (h * f + f) + (f * h + h)
    return {"layers": layers, "hidden": h, "ffn": f, "params": layers * per_layer}


def encoder_flops_per_token(params: int, layers: int, hidden: int, seq_len: float) -> float:
    """FLOPs per token for a sequence of `seq_len` tokens: 2·params (matmuls) + 4·layers·seq_len·hidden (attention)."""
    return 2.0 * params + 4.0 * layers * seq_len * hidden


def corpus_flops_per_token(params: int, layers: int, hidden: int, lengths: Sequence[int]) -> float:
    """Mean FLOPs per real token over texts of the given token lengths, each attending over its own length only."""
    lens = np.asarray(lengths, dtype=np.float64)
    if lens.sum() == 0:
        return encoder_flops_per_token(params, layers, hidden, 0)
    total = float((lens * 2.0 * params + 4.0 * layers * hidden * lens**2).sum())
    return total / float(lens.sum())


def token_lengths(embedder: Any, texts: Sequence[str]) -> np.ndarray | None:
    """Tokens per passage as the embedder sees it (prompt and special tokens included, truncated), if it can tell."""
    get = getattr(embedder, "tokenizer", None)
    if get is None:
        return None
    tokenizer = get() if callable(get) and not hasattr(get, "encode") else get
    prompt = getattr(embedder, "passage_prompt", "") or ""
    limit = int(getattr(embedder, "max_tokens", 0) or 0) or None
    ids = tokenizer([prompt + t for t in texts], truncation=limit is not None, max_length=limit)["input_ids"]
    return np.asarray([len(x) for x in ids], dtype=np.int64)


def padded_tokens(
    lengths: Sequence[int], char_lengths: Sequence[int], batch_size: int, length_sorted: bool = True
) -> int:
    """Token slots computed when each batch is padded to its longest text; with `length_sorted`, texts are first
    sorted longest first by characters (what sentence-transformers' encode does), else batched in the given order."""
    order = np.argsort([-c for c in char_lengths]) if length_sorted else np.arange(len(lengths))
    lens = np.asarray(lengths)[order]
    return int(sum(len(b) * int(b.max()) for b in (lens[i : i + batch_size] for i in range(0, len(lens), batch_size))))


def _busy_seconds() -> float | None:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
        return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def measure_embedding(
    embedder: Any,
    texts: Sequence[str],
    batch_size: int | None = None,
    keep_vectors: bool = False,
    length_sorted: bool = True,
) -> dict[str, Any]:
    """Embed `texts` as passages once and time it: real and padded tokens, seconds, tokens/s.

    `length_sorted` says how the embedder batches (for the padded-token count); `keep_vectors` adds "vectors".
    `other_load` is the share of all CPUs that other processes kept busy meanwhile (0 on an idle machine);
    `tokens_per_cpu_s` divides by the CPU time this process got (all its threads), which contention affects less.
    """
    texts = list(texts)
    if batch_size is not None and hasattr(embedder, "batch_size"):
        embedder.batch_size = batch_size
    batch = int(getattr(embedder, "batch_size", 32))
    lengths = token_lengths(embedder, texts)
    busy0, cpu0, t0 = _busy_seconds(), time.process_time(), time.perf_counter()
    vectors = embedder.encode_passages(texts)
    seconds = time.perf_counter() - t0
    own = time.process_time() - cpu0
    busy1 = _busy_seconds()
    result: dict[str, Any] = {"texts": len(texts), "batch_size": batch, "seconds": round(seconds, 3)}
    if lengths is not None:
        tokens = int(lengths.sum())
        padded = padded_tokens(lengths, [len(t) for t in texts], batch, length_sorted)
        result |= {
            "tokens": tokens,
            "padded_tokens": padded,
            "max_tokens": int(lengths.max()) if len(lengths) else 0,
            "tokens_per_s": round(tokens / seconds, 1),
            "padded_tokens_per_s": round(padded / seconds, 1),
            "padding_waste": round(1 - tokens / padded, 4) if padded else 0.0,
        }
    ncpu = os.cpu_count() or 1
    result["cpu_seconds"] = round(own, 3)
    if lengths is not None and own > 0:
        result["tokens_per_cpu_s"] = round(int(lengths.sum()) / own, 1)  # per core-second actually obtained
    if busy0 is not None and busy1 is not None and seconds > 0:
        result["other_load"] = round(max(0.0, (busy1 - busy0 - own) / (seconds * ncpu)), 3)
    if keep_vectors:
        result["vectors"] = vectors
    return result
