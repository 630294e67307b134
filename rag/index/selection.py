"""Top-k selection: the one function every ranking in the package uses (dense rows, BM25 scores, fusion)."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int, positive_only: bool = False) -> list[tuple[int, float]]:
    """(row, score) of the `k` highest scores, best first; ties keep the lower row first.

    With `positive_only`, rows scoring 0 or less are left out (BM25: no query term in the passage)."""
    scores = np.asarray(scores)
    k = min(k, len(scores))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.lexsort((top, -scores[top]))]
    return [(int(r), float(scores[r])) for r in top if not positive_only or scores[r] > 0]
