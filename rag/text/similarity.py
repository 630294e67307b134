"""Comparing short texts by their character bigrams (whitespace, punctuation and case ignored)."""

from __future__ import annotations

import re

from .chars import CJK

_NOT_WORD = re.compile(rf"[^0-9a-z{CJK}]+")


def norm(text: str) -> str:
    """Lower-cased letters, digits and Chinese characters only."""
    return _NOT_WORD.sub("", text.lower())


def bigrams(text: str) -> set[str]:
    """The character bigrams of `norm(text)`."""
    t = norm(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def overlap(a: set[str], b: set[str]) -> float:
    """The share of `a` that is also in `b` (0 when `a` is empty)."""
    return len(a & b) / len(a) if a else 0.0


def near_duplicate(a: str, b: str, jaccard: float = 0.5, containment: float = 0.8) -> bool:
    """True when two sentences say (nearly) the same thing: bigram Jaccard or containment above the limits."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return norm(a) == norm(b)
    inter = len(x & y)
    return inter / len(x | y) >= jaccard or inter / min(len(x), len(y)) >= containment
