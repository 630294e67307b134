"""Where time goes: indexing, query latency per stage, throughput against the CPU's compute bound, and index types
on synthetic corpora up to 10^6 chunks; results as a table, JSON, Markdown and PNGs.

May import: `rag.evaluation` and everything below it.
"""

from .report import terminal_report, write_report
from .runner import bench_indexing, bench_queries, benchmark_questions, count_tokens, percentiles, run_benchmark

__all__ = [
    "bench_indexing",
    "bench_queries",
    "benchmark_questions",
    "count_tokens",
    "percentiles",
    "run_benchmark",
    "terminal_report",
    "write_report",
]
