"""Weighted reciprocal-rank fusion: the one way two rankings become one."""

from __future__ import annotations

from collections.abc import Sequence


def weighted_rrf(rankings: Sequence[tuple[float, Sequence[int]]], k: int = 60) -> list[tuple[int, float]]:
    """(row, fused score) best first, for `(weight, rows best first)` rankings: score = Σ weight / (k + rank).

    Ties go to the lower row."""
    fused: dict[int, float] = {}
    for weight, ranking in rankings:
        for rank, row in enumerate(ranking, 1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
