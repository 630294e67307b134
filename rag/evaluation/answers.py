"""Scoring answers against labelled questions: whether an answer carries the evidence (`contains_evidence`),
whether its citations quote their sources exactly (`citations_valid`), the abstention trade-off over
confidence thresholds (`abstention_tradeoff`, `choose_threshold`), and `evaluate_answers`, which runs them.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from rag.answer import ENGLISH_NOTE, EXTRACTIVE, MARKER, Answer, Answerer, ChatModel
from rag.text import bigrams, is_english, overlap, squash

from .dataset import EvalQuestion


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
        rows.append(
            {
                "threshold": float(t),
                "abstain_unanswerable": sum(c < t for c in pos) / len(pos) if pos else math.nan,
                "false_abstain_answerable": sum(c < t for c in neg) / len(neg) if neg else math.nan,
                "n_unanswerable": len(pos),
                "n_answerable": len(neg),
            }
        )
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
        grams = bigrams(ev)
        quotes = answer.citations
        if min_recall is not None and grams and any(overlap(grams, bigrams(c.quote)) >= min_recall for c in quotes):
            return True
    return False


def citations_valid(answer: Answer) -> bool:
    """Every citation names a source and its quote is exactly the span of that source's passage."""
    by_n = {s.n: s for s in answer.sources}
    return all(
        c.n in by_n and by_n[c.n].chunk.id == c.chunk_id and by_n[c.n].passage[c.span[0] : c.span[1]] == c.quote
        for c in answer.citations
    )


def key_points_found(answer: Answer, key_points: Iterable[str]) -> list[str]:
    """The key points an answer contains verbatim (whitespace ignored), in its text or in a quote it cites."""
    if answer.abstained:
        return []
    whole = squash(answer.text + "\n" + "\n".join(c.quote for c in answer.citations))
    return [k for k in key_points if squash(k) and squash(k) in whole]


def answered_in_english(answer: Answer) -> bool:
    """The answer's own words are English (its `[n]` markers and the fixed note about Chinese quotes left out)."""
    text = MARKER.sub("", answer.text.replace(ENGLISH_NOTE, ""))
    return bool(text.strip()) and is_english(text)


def _cited_evidence(answer: Answer, evidence: Sequence[str]) -> tuple[bool, int, int]:
    """(a cited passage holds the evidence, citations, citations whose passage holds the evidence)."""
    by_n = {s.n: s for s in answer.sources}
    good = [c.n in by_n and any(squash(a) in squash(by_n[c.n].passage) for a in evidence) for c in answer.citations]
    return any(good), len(good), sum(good)


def _score_one(q: EvalQuestion, answer: Answer, seconds: float, first_text: float) -> dict[str, Any]:
    has_ev, cited, cited_ok = _cited_evidence(answer, q.answers)
    found = key_points_found(answer, q.key_points)
    row: dict[str, Any] = {
        "answer": answer.text,
        "abstained": answer.abstained,
        "confidence": round(answer.confidence, 4),
        "correct": bool(q.answerable) and contains_evidence(answer, q.answers),
        "fuzzy": bool(q.answerable) and contains_evidence(answer, q.answers, min_recall=0.8),
        "cited_evidence": has_ev,
        "citations": cited,
        "cited_with_evidence": cited_ok,
        "citations_valid": citations_valid(answer),
        "answerer": answer.answerer,
        "notice": answer.notice,
        "seconds": round(seconds, 3),
        "first_text_seconds": round(first_text, 3),
        "citation_quotes": answer.to_json()["citations"],
    }
    if q.key_points:
        row |= {
            "key_points_found": found,
            "key_point_recall": len(found) / len(q.key_points),
            "complete": len(found) >= q.min_points,
        }
    if q.english:
        row["answered_in_english"] = answered_in_english(answer)
    return row


def _share(values: Sequence[bool | int], total: int) -> float:
    return sum(values) / total if total else math.nan


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _completeness(questions: Sequence[EvalQuestion], rows: Mapping[str, dict[str, Any]]) -> dict[str, float]:
    """Key-point recall and complete answers over questions with key points; English answers to English questions."""
    with_points = [rows[q.id] for q in questions if q.key_points]
    english = [rows[q.id] for q in questions if q.english]
    return {
        "key_point_recall": _mean([r["key_point_recall"] for r in with_points]),
        "complete_answers": _share([r["complete"] for r in with_points], len(with_points)),
        "english_answers_to_english_questions": _share([r["answered_in_english"] for r in english], len(english)),
        "first_text_median_s": statistics.median(r["first_text_seconds"] for r in rows.values()) if rows else math.nan,
    }


def _factoids(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Evidence and citation precision over the answerable questions without key points (a fact, not a synthesis:
    a synthesis answer quotes several passages, and a passage holding none of its key points lowers precision)."""
    return {
        "factoid_answer_contains_evidence": _share([r["correct"] for r in rows], len(rows)),
        "factoid_citation_precision": _share(
            [r["cited_with_evidence"] for r in rows], sum(r["citations"] for r in rows)
        ),
    }


def _summary(
    questions: Sequence[EvalQuestion],
    rows: Mapping[str, dict[str, Any]],
    seconds: list[float],
    answerer: str,
    threshold: float,
) -> dict[str, Any]:
    answerable = [rows[q.id] for q in questions if q.answerable]
    unanswerable = [rows[q.id] for q in questions if not q.answerable]
    n_ans = len(answerable)
    cited_total = sum(r["citations"] for r in answerable)
    labelled = [(q.id, bool(q.answerable)) for q in questions]
    return {
        "answerer": answerer,
        "threshold": float(threshold),
        "answer_contains_evidence": _share([r["correct"] for r in answerable], n_ans),
        "answer_contains_evidence_fuzzy": _share([r["fuzzy"] for r in answerable], n_ans),
        "citation_precision": _share([r["cited_with_evidence"] for r in answerable], cited_total),
        "citation_holds_evidence": _share([r["cited_evidence"] for r in answerable], n_ans),
        "citations_valid": _share([r["citations_valid"] for r in rows.values()], len(rows)),
        "abstain_unanswerable": _share([r["abstained"] for r in unanswerable], len(unanswerable)),
        "false_abstain_answerable": _share([r["abstained"] for r in answerable], n_ans),
        "latency_median_s": statistics.median(seconds) if seconds else math.nan,
        "latency_p90_s": float(np.percentile(seconds, 90)) if seconds else math.nan,
        **_factoids([rows[q.id] for q in questions if q.answerable and not q.key_points]),
        **_completeness(questions, rows),
        "thresholds": abstention_tradeoff(labelled, [rows[q.id]["confidence_raw"] for q in questions]),
    }


def _timed_answer(
    answerer: Answerer, question: str, k: int, mode: str, llm: ChatModel | None
) -> tuple[Answer, float, float]:
    """(the answer, seconds to its first piece of text, seconds in all), from the answer stream."""
    t0 = time.perf_counter()
    first, final = None, None
    for piece in answerer.stream(question, k, mode, llm):
        if first is None:
            first = time.perf_counter() - t0
        if isinstance(piece, Answer):
            final = piece
    total = time.perf_counter() - t0
    if final is None:  # the stream always ends with an Answer; a broken one is an error, not a zero score
        raise RuntimeError(f"the answer stream for {question!r} ended without an answer")
    return final, first if first is not None else total, total


def evaluate_answers(
    questions: Sequence[EvalQuestion],
    answerer: Answerer,
    tick: Callable[[], None] | None = None,
    k: int = 5,
    mode: str = "hybrid",
    llm: ChatModel | None = None,
) -> dict[str, Any]:
    """Answer every question once with `answerer` and score the answers.

    Returns {"summary": {metric: value, "thresholds": [trade-off rows]}, "per_question": {id: {...}}}.
    """
    rows: dict[str, dict[str, Any]] = {}
    seconds: list[float] = []
    for q in questions:
        answer, first_text, total = _timed_answer(answerer, q.question, k, mode, llm)
        seconds.append(total)
        rows[q.id] = _score_one(q, answer, total, first_text) | {"confidence_raw": answer.confidence}
        if tick:
            tick()
    summary = _summary(questions, rows, seconds, llm.label if llm else EXTRACTIVE, answerer.settings.threshold)
    per_question = {}
    for qid, row in rows.items():
        row.pop("confidence_raw")
        row.pop("fuzzy")
        row.pop("cited_with_evidence")
        per_question[qid] = row
    return {"summary": summary, "per_question": per_question}
