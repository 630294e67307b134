"""Scoring answers against labelled questions: whether an answer carries the evidence (`contains_evidence`),
whether its citations quote their sources exactly (`citations_valid`), and the abstention trade-off over
confidence thresholds (`abstention_tradeoff`, `choose_threshold`). `rag.answer.evaluate_answers` runs them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from .answer_types import Answer
from .sentences import _bigrams, _overlap
from .text import squash


def abstention_tradeoff(
    labelled: Sequence[tuple[str, bool]],
    confidences: Sequence[float] | Mapping[str, float],
    thresholds: Sequence[float] | None = None,
) -> list[dict[str, float]]:
    """For each threshold: the share of unanswerable questions that abstain (want high) and of answerable
    questions that abstain (want low). `labelled` is (question, answerable); `confidences` is aligned with it
    or keyed by question. A question abstains when its confidence is below the threshold.
    """
    if isinstance(confidences, Mapping):
        values = [float(confidences[q]) for q, _ in labelled]
    else:
        values = [float(c) for c in confidences]
        if len(values) != len(labelled):
            raise ValueError(f"{len(labelled)} questions but {len(values)} confidences")
    grid = sorted(set(thresholds)) if thresholds is not None else [round(0.05 * i, 2) for i in range(21)]
    pos = [c for (_, ok), c in zip(labelled, values) if not ok]
    neg = [c for (_, ok), c in zip(labelled, values) if ok]
    rows = []
    for t in grid:
        rows.append({
            "threshold": float(t),
            "abstain_unanswerable": sum(c < t for c in pos) / len(pos) if pos else math.nan,
            "false_abstain_answerable": sum(c < t for c in neg) / len(neg) if neg else math.nan,
            "n_unanswerable": len(pos),
            "n_answerable": len(neg),
        })
    return rows


def choose_threshold(rows: Sequence[Mapping[str, float]], max_false_abstention: float = 0.05) -> float:
    """The threshold that abstains on the most unanswerable questions while keeping false abstention within
    `max_false_abstention` (ties: the lower threshold)."""
    ok = [r for r in rows if not r["false_abstain_answerable"] > max_false_abstention]
    if not ok:
        return min(r["threshold"] for r in rows)
    return max(ok, key=lambda r: (r["abstain_unanswerable"], -r["threshold"]))["threshold"]


def contains_evidence(answer: Answer, evidence: Iterable[str], min_recall: float | None = None) -> bool:
    """The answer carries an evidence string verbatim (ignoring whitespace) in its text or cited quotes; with
    `min_recall`, also when that share of the evidence's character bigrams is in one cited quote."""
    if answer.abstained:
        return False
    whole = squash(answer.text + "\n" + "\n".join(c.quote for c in answer.citations))
    for ev in evidence:
        if squash(ev) and squash(ev) in whole:
            return True
        grams = _bigrams(ev)
        quotes = answer.citations
        if min_recall is not None and grams and any(_overlap(grams, _bigrams(c.quote)) >= min_recall for c in quotes):
            return True
    return False


def citations_valid(answer: Answer) -> bool:
    """Every citation names a source and its quote is exactly the span of that source's passage."""
    by_n = {s.n: s for s in answer.sources}
    return all(
        c.n in by_n and by_n[c.n].chunk.id == c.chunk_id and by_n[c.n].passage[c.span[0] : c.span[1]] == c.quote
        for c in answer.citations
    )
