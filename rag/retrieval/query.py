"""Checking a question and its search options before anything is loaded or searched."""

from __future__ import annotations

from rag.errors import QueryError
from rag.limits import Limits

MODES = ("hybrid", "dense", "bm25")


def check_mode(mode: str) -> None:
    """Raise `QueryError` unless `mode` is one of `MODES`."""
    if mode not in MODES:
        raise QueryError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")


def check_query(question: str, k: int, mode: str, limits: Limits = Limits()) -> str:
    """Validate user input; return the cleaned question or raise `QueryError` with a one-line reason."""
    if not isinstance(question, str) or not question.strip():
        raise QueryError("the question is empty; type a question")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
    if not any(ch.isalnum() for ch in cleaned):
        raise QueryError("the question has no words in it; type a question with words")
    if len(cleaned) > limits.max_query_chars:
        raise QueryError(f"the question is {len(cleaned)} characters long; the limit is {limits.max_query_chars}")
    check_mode(mode)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= limits.max_k:
        raise QueryError(f"k must be between 1 and {limits.max_k}, got {k!r}")
    return cleaned
