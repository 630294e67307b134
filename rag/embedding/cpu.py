"""Facts about this CPU that choose how to embed: physical cores, SIMD width, clock, native bf16."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_CLOCK_GHZ = 2.5


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


def clock_ghz(info: Mapping[str, Any]) -> tuple[float, str]:
    """The core clock in GHz and where the figure came from."""
    try:
        khz = int(Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq").read_text())
        return khz / 1e6, "cpufreq cpuinfo_max_freq"
    except (OSError, ValueError):
        pass
    if m := re.search(r"@\s*([\d.]+)\s*GHz", info.get("model_name", "")):
        return float(m.group(1)), "model name"
    if info.get("mhz"):
        return info["mhz"] / 1000, "/proc/cpuinfo cpu MHz (nominal; in a VM the TSC rate; boost may be higher)"
    return DEFAULT_CLOCK_GHZ, "assumed (no clock information found)"


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


# A fact of the machine, read once: the CPU does not change while the process runs.
@functools.cache
def native_bf16() -> bool:
    """True when this CPU has bf16 dot-product instructions (AVX512-BF16 or AMX), which torch's oneDNN uses."""
    return bool({"avx512_bf16", "amx_bf16"} & (read_cpuinfo().get("flags") or set()))
