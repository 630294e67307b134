"""Render `rag bench` results: terminal tables, a Markdown report and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.text import format_table

QUERY_MODES = ("dense", "bm25", "hybrid", "ask")


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def indexing_table(index: dict[str, Any]) -> str:
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in index["cold_stages_s"].items())
    rows = [
        ["cold build", f"{index['cold_s']:.2f}", "100 %", str(index["texts_embedded"]), stages],
        [
            "warm rebuild (nothing changed)",
            f"{index['warm_s']:.2f}",
            f"{index['warm_ratio']:.1%}",
            str(index["warm_embedded"]),
            "",
        ],
        [
            "incremental (one article edited)",
            f"{index['incremental_s']:.2f}",
            f"{index['incremental_ratio']:.1%}",
            str(index["incremental_embedded"]),
            "",
        ],
    ]
    return format_table(rows, ["build", "seconds", "of cold", "texts embedded", "stages"])


def throughput_lines(index: dict[str, Any]) -> str:
    bound = index.get("compute_bound") or {}
    lines = [f"embedding: {index['tokens']:,} tokens in {index['embed_s']:.1f} s = {_fmt(index['tokens_per_s'])} tok/s"]
    if bound.get("tokens_per_s"):
        lines.append(
            f"compute bound: {bound['tokens_per_s']:,.0f} tok/s ({bound.get('explanation', '')}); "
            f"measured / bound = {_fmt(index.get('compute_bound_ratio'), 3)}"
        )
    return "\n".join(lines)


def query_table(query: dict[str, Any]) -> str:
    rows = []
    for mode in QUERY_MODES:
        if mode not in query:
            continue
        q = query[mode]
        ordered = sorted(q["stages"].items(), key=lambda kv: -kv[1]["share"])
        stages = ", ".join(f"{name} {v['share']:.0%}" for name, v in ordered)
        rows.append([mode, _fmt(q["p50_ms"]), _fmt(q["p95_ms"]), str(q["n"]), stages])
    return format_table(rows, ["path", "p50 ms", "p95 ms", "questions", "share of time per stage"])


def is_milvus(row: dict[str, Any]) -> bool:
    return row.get("backend") == "milvus"


def scale_table(scale: list[dict[str, Any]]) -> str:
    rows = []
    for r in (r for r in scale if not is_milvus(r)):
        rows.append(
            [
                f"{r['n']:,}",
                r["index"],
                r.get("search", ""),
                _fmt(r.get("recall@10"), 3),
                _fmt(r.get("p50_ms"), 2),
                _fmt(r.get("p95_ms"), 2),
                _fmt(r.get("memory_mb"), 0),
                _fmt(r.get("build_s"), 1),
                _fmt(r.get("bm25_p50_ms"), 1),
                _fmt(r.get("hybrid_p50_ms"), 1),
                "◀" if r.get("chosen") else "",
            ]
        )
    header = ["chunks", "index", "search", "recall@10", "p50 ms", "p95 ms", "MB", "build s", "bm25 p50"]
    return format_table(rows, header + ["hybrid p50", "auto"])


def _pair(row: dict[str, Any], key: str) -> str:
    return f"{_fmt(row.get(key + '_p50_ms'), 1)} / {_fmt(row.get(key + '_p95_ms'), 1)}"


def milvus_table(scale: list[dict[str, Any]]) -> str:
    """Milvus rows: insert, build, p50 / p95 per mode, recall, memory and disk, and Milvus's fusion vs the app's."""
    rows = []
    for r in (r for r in scale if is_milvus(r)):
        rows.append(
            [
                f"{r['n']:,}",
                r["index"],
                f"{r['insert_rows_per_s']:,} /s",
                _fmt(r.get("build_s"), 1),
                _fmt(r.get("recall@10"), 3),
                f"{_fmt(r.get('p50_ms'))} / {_fmt(r.get('p95_ms'))}",
                _pair(r, "filtered"),
                _pair(r, "bm25"),
                _pair(r, "hybrid"),
                _pair(r, "milvus_rrf"),
                _pair(r, "milvus_weighted"),
                f"{_fmt(r.get('milvus_rrf_vs_app@10'), 2)} / {_fmt(r.get('milvus_weighted_vs_app@10'), 2)}",
                f"{_fmt(r.get('peak_memory_mb'), 0)} / {_fmt(r.get('disk_mb'), 0)}",
            ]
        )
    header = ["chunks", "index", "insert", "build s", "recall@10", "dense ms", "filtered ms", "bm25 ms"]
    header += ["hybrid (app) ms", "Milvus RRF ms", "Milvus weighted ms", "overlap@10 RRF / wtd", "peak MB / disk MB"]
    return format_table(rows, header)


def terminal_report(results: dict[str, Any]) -> str:
    parts = []
    if "index" in results:
        parts += ["Indexing (bundled corpus)", indexing_table(results["index"]), throughput_lines(results["index"]), ""]
    if "query" in results:
        parts += ["Query latency (model warm)", query_table(results["query"]), ""]
    if results.get("scale"):
        parts += ["Scale (synthetic corpora)", scale_table(results["scale"]), ""]
        if any(is_milvus(r) for r in results["scale"]):
            parts += ["Scale on Milvus Lite (p50 / p95)", milvus_table(results["scale"]), ""]
    if "machine" in results:
        m = results["machine"]
        parts.append(f"machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores; peak RSS {m.get('peak_rss_mb')} MB")
    return "\n".join(parts).rstrip() + "\n"


def _family(factory: str) -> str:
    """`IVF2048,Flat` and `IVF256,Flat` are one line on the plot: `IVF,Flat`."""
    head, _, tail = factory.partition(",")
    return head.rstrip("0123456789") + ("," + tail if tail else "")


def _plot_scale(scale: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    defaults = [r for r in scale if r.get("hybrid_p50_ms") is not None]  # each index at its tuned setting
    for name in sorted({_family(r["index"]) for r in defaults}):
        rows = sorted((r for r in defaults if _family(r["index"]) == name), key=lambda r: r["n"])
        label = f"{name} ({rows[0].get('search', '')})" if rows else name
        ax.plot([r["n"] for r in rows], [r["p50_ms"] for r in rows], marker="o", label=label)
    bm25 = sorted(
        {r["n"]: r["bm25_p50_ms"] for r in scale if r.get("bm25_p50_ms") is not None and not is_milvus(r)}.items()
    )
    if bm25:
        ax.plot([n for n, _ in bm25], [v for _, v in bm25], marker="s", linestyle="--", color="grey", label="BM25")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the corpus")
    ax.set_ylabel("p50 latency per query (ms)")
    ax.set_title("Search latency vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_stages(query: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = [m for m in QUERY_MODES if m in query]
    names = sorted({s for m in modes for s in query[m]["stages"]})
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    left = [0.0] * len(modes)
    for name in names:
        widths = [query[m]["stages"].get(name, {}).get("median_ms", 0.0) for m in modes]
        ax.barh(modes, widths, left=left, label=name)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_xlabel("median ms per stage")
    ax.set_title("Where a query's time goes (bundled corpus, model warm)")
    ax.legend(fontsize=8, ncols=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results: dict[str, Any], folder: Path) -> list[Path]:
    """bench.json, report.md and the PNG plots into `folder`; returns the written paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "bench.json", folder / "report.md"]
    written[0].write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    kind = "quick" if results.get("quick") else "full"
    md = ["# rag bench", "", f"Run: {results.get('created_at', '')}, {kind}.", ""]
    if "machine" in results:
        md += [f"Machine: {json.dumps(results['machine'], ensure_ascii=False)}", ""]
    if "index" in results:
        index = results["index"]
        md += ["## Indexing", "", "```", indexing_table(index), throughput_lines(index), "```", ""]
    if "query" in results:
        md += ["## Query latency", "", "```", query_table(results["query"]), "```", ""]
        _plot_stages(results["query"], folder / "stages.png")
        written.append(folder / "stages.png")
        md += ["![stages](stages.png)", ""]
    if results.get("scale"):
        md += ["## Scale", "", "```", scale_table(results["scale"]), "```", ""]
        if any(is_milvus(r) for r in results["scale"]):
            md += ["### On Milvus Lite (p50 / p95)", "", "```", milvus_table(results["scale"]), "```", ""]
        if notes := results.get("scale_notes"):
            md += [notes, ""]
        _plot_scale(results["scale"], folder / "scale.png")
        written.append(folder / "scale.png")
        md += ["![scale](scale.png)", ""]
    written[1].write_text("\n".join(md), encoding="utf-8")
    return written
