"""Embedding throughput: a FLOP-based compute bound for this CPU and a tokens/s measurement of an embedder.

Bound: ``peak = cores × FMA units × fp32 SIMD lanes × 2 × clock`` FLOP/s, divided by the FLOPs one token
costs in a BERT encoder, ``2 × encoder_params + 4 × layers × hidden × seq_len`` (the matmuls; the embedding
lookup does no arithmetic; QKᵀ and AV add 2 × seq_len × hidden multiply-adds per token and layer).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_DEFAULT_CLOCK_GHZ = 2.5
_FMA_UNITS = 2  # two FMA pipes per core: Intel since Haswell (most server parts), AMD since Zen 2


def read_cpuinfo(path: str = "/proc/cpuinfo") -> dict[str, Any]:
    """Vendor, family, model name, flags, MHz and physical-core ids from /proc/cpuinfo ({} fields when absent)."""
    info: dict[str, Any] = {"flags": set(), "cores": set(), "mhz": None}
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return info
    for block in text.split("\n\n"):
        fields = dict(
            (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in block.splitlines()) if k.strip()
        )
        if "processor" not in fields:
            continue
        info.setdefault("vendor", fields.get("vendor_id", ""))
        info.setdefault("model_name", fields.get("model name", ""))
        info.setdefault("family", _int(fields.get("cpu family")))
        info.setdefault("model", _int(fields.get("model")))
        info["flags"] |= set(fields.get("flags", "").split())
        processor = _int(fields.get("processor"))
        if processor is not None and _allowed(processor):
            info["cores"].add((fields.get("physical id", "0"), fields.get("core id", str(processor))))
        if info["mhz"] is None and fields.get("cpu MHz"):
            info["mhz"] = _float(fields["cpu MHz"])
    return info


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _allowed(cpu: int) -> bool:
    try:
        return cpu in os.sched_getaffinity(0)
    except (AttributeError, OSError):
        return True


def usable_cores(info: Mapping[str, Any] | None = None) -> int:
    """Physical cores this process may run on (SMT siblings share FMA units), capped by a cgroup CPU quota."""
    info = read_cpuinfo() if info is None else info
    try:
        logical = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        logical = os.cpu_count() or 1
    cores = min(len(info.get("cores") or ()), logical) or logical
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = max(1, min(cores, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cores


def _clock_ghz(info: Mapping[str, Any]) -> tuple[float, str]:
    try:
        khz = int(Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq").read_text())
        return khz / 1e6, "cpufreq cpuinfo_max_freq"
    except (OSError, ValueError):
        pass
    if m := re.search(r"@\s*([\d.]+)\s*GHz", info.get("model_name", "")):
        return float(m.group(1)), "model name"
    if info.get("mhz"):
        return info["mhz"] / 1000, "/proc/cpuinfo cpu MHz (nominal; in a VM the TSC rate; boost may be higher)"
    return _DEFAULT_CLOCK_GHZ, "assumed (no clock information found)"


def simd_lanes(info: Mapping[str, Any]) -> tuple[int, int, str]:
    """(fp32 lanes per instruction from the flags, lanes the FMA datapath really does per cycle, ISA name)."""
    flags = info.get("flags") or set()
    if not flags:
        return 8, 8, "unknown (assumed AVX2-class)"
    if "avx512f" in flags:
        nominal, isa = 16, "avx512"
    elif "avx2" in flags or "avx" in flags:
        nominal, isa = 8, "avx2" if "avx2" in flags else "avx"
    elif "sse2" in flags or "asimd" in flags:
        nominal, isa = 4, "sse/neon"
    else:
        nominal, isa = 1, "scalar"
    effective = nominal
    # Zen 4 (family 0x19) runs 512-bit instructions as two halves on its 256-bit FMA pipes.
    if nominal == 16 and info.get("vendor") == "AuthenticAMD" and info.get("family") == 0x19:
        effective = 8
    return nominal, effective, isa


def compute_bound(
    flops_per_token: float,
    cores: int | None = None,
    clock_ghz: float | None = None,
    cpuinfo: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Peak fp32 FLOP/s of this CPU and the tokens/s it allows at `flops_per_token` (missing info → assumptions)."""
    info = read_cpuinfo() if cpuinfo is None else cpuinfo
    n = cores or usable_cores(info)
    clock, clock_source = (clock_ghz, "given") if clock_ghz else _clock_ghz(info)
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
