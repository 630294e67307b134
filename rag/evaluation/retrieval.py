"""Retrieval evaluation: runs per mode, IR metrics (ir-measures), paired comparisons, the JSON report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rag.retrieval import Retriever

from .dataset import EvalQuestion, is_relevant

MODES = ("hybrid", "dense", "bm25", "baseline")
METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")
DEPTH = 10


# ---------------------------------------------------------------- metrics


def compute_metrics(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], qids: list[str]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean and per-question hit@1/5/10, MRR@10 and nDCG@10 via ir-measures.

    A question with no relevant passage anywhere, or nothing retrieved, scores 0 (it is not dropped).
    """
    import ir_measures
    from ir_measures import RR, Success, nDCG

    measures = {
        "hit@1": Success @ 1,
        "hit@5": Success @ 5,
        "hit@10": Success @ 10,
        "mrr@10": RR @ 10,
        "ndcg@10": nDCG @ 10,
    }
    by_measure = {str(m): name for name, m in measures.items()}
    per_q: dict[str, dict[str, float]] = {q: {name: 0.0 for name in measures} for q in qids}
    judged = {q: r for q, r in qrels.items() if any(v > 0 for v in r.values())}
    ranked = {q: r for q, r in run.items() if r}
    if judged and ranked:
        for metric in ir_measures.iter_calc(list(measures.values()), judged, ranked):
            if metric.query_id in per_q:
                per_q[metric.query_id][by_measure[str(metric.measure)]] = float(metric.value)
    mean = {name: (sum(v[name] for v in per_q.values()) / len(per_q) if per_q else 0.0) for name in measures}
    return mean, per_q


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test p-value (ties dropped)."""
    from scipy.stats import binomtest

    n = wins + losses
    return 1.0 if n == 0 else float(binomtest(wins, n, 0.5).pvalue)


# ---------------------------------------------------------------- runs


@dataclass
class ModeResult:
    mode: str
    metrics: dict[str, float]
    per_question: dict[str, dict[str, float]]
    first_relevant: dict[str, int | None]  # rank of the best-ranked relevant passage (None: not in top 10)
    top: dict[str, list[dict[str, Any]]]  # the top passages per question
    comparison: dict[str, Any] = field(default_factory=dict)


class PassageSearch:
    """Anything that ranks passages: returns (passage id, passage text, score, metadata) best first."""

    def __init__(
        self,
        fn: Callable[[str, int], list[tuple[str, str, float, dict]]],
        corpus: Callable[[], Iterable[tuple[str, str]]],
    ):
        self.search = fn
        self.corpus = corpus


def retriever_search(retriever: Retriever, mode: str) -> PassageSearch:
    def fn(question: str, k: int):
        return [
            (h.chunk.id, h.chunk.text, h.score, {"title": h.document.title, "kind": h.document.kind})
            for h in retriever.search(question, k=k, mode=mode)
        ]

    return PassageSearch(fn, lambda: ((c.id, c.text) for c in retriever.index.chunks))


def evaluate_mode(
    mode: str, searcher: PassageSearch, questions: list[EvalQuestion], tick: Callable[[], None] | None = None
) -> ModeResult:
    """Run every answerable question through one searcher and score it."""
    answerable = [q for q in questions if q.answerable]
    passages = list(searcher.corpus())
    qrels: dict[str, dict[str, int]] = {}
    for q in answerable:
        qrels[q.id] = {pid: 1 for pid, text in passages if is_relevant(text, q.answers)}
    run: dict[str, dict[str, float]] = {}
    first: dict[str, int | None] = {}
    top: dict[str, list[dict[str, Any]]] = {}
    for q in answerable:
        results = searcher.search(q.question, DEPTH)
        # scores that reproduce our ranking exactly (ir-measures sorts by score, ties by id)
        run[q.id] = {pid: float(DEPTH - rank) for rank, (pid, _, _, _) in enumerate(results)}
        first[q.id] = next((r for r, (pid, *_rest) in enumerate(results, 1) if qrels[q.id].get(pid)), None)
        top[q.id] = [
            {
                "rank": r,
                "id": pid,
                "score": round(score, 5),
                "relevant": bool(qrels[q.id].get(pid)),
                "text": text,
                **meta,
            }
            for r, (pid, text, score, meta) in enumerate(results, 1)
        ]
        if tick:
            tick()
    metrics, per_q = compute_metrics(qrels, run, [q.id for q in answerable])
    return ModeResult(mode, metrics, per_q, first, top)


def compare_to(reference: ModeResult, other: ModeResult, metric: str = "mrr@10") -> dict[str, Any]:
    """Per-question wins/losses of `other` against `reference` on `metric`, with a sign test."""
    wins, losses = [], []
    for qid, values in other.per_question.items():
        a, b = values[metric], reference.per_question[qid][metric]
        if a > b + 1e-12:
            wins.append(qid)
        elif b > a + 1e-12:
            losses.append(qid)
    return {
        "against": reference.mode,
        "metric": metric,
        "wins": wins,
        "losses": losses,
        "ties": len(other.per_question) - len(wins) - len(losses),
        "sign_test_p": round(sign_test(len(wins), len(losses)), 6),
        "margin": {m: round(other.metrics[m] - reference.metrics[m], 4) for m in METRICS},
    }


def run_retrieval_eval(
    questions: list[EvalQuestion],
    retriever: Retriever,
    baseline: PassageSearch | None,
    modes: Iterable[str] = MODES,
    tick: Callable[[], None] | None = None,
) -> dict[str, ModeResult]:
    results: dict[str, ModeResult] = {}
    for mode in modes:
        if mode == "baseline":
            if baseline is None:
                continue
            searcher = baseline
        else:
            searcher = retriever_search(retriever, mode)
        results[mode] = evaluate_mode(mode, searcher, questions, tick)
    if "hybrid" in results:
        for mode, result in results.items():
            if mode != "hybrid":
                result.comparison = compare_to(results["hybrid"], result)
    return results


def report_json(
    dataset: str, questions: list[EvalQuestion], results: dict[str, ModeResult], answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The machine-readable report: `{"dataset","n","modes":{mode:{metric:value}},"per_question":[…]}`."""
    per_question = []
    for q in questions:
        row: dict[str, Any] = {
            "id": q.id,
            "question": q.question,
            "answers": list(q.answers),
            "answerable": q.answerable,
            "kind": q.kind,
        }
        if q.answerable:
            row["first_relevant_rank"] = {m: r.first_relevant.get(q.id) for m, r in results.items()}
            row["metrics"] = {m: r.per_question.get(q.id) for m, r in results.items()}
            if "hybrid" in results:
                row["top"] = results["hybrid"].top.get(q.id, [])[:3]
        if answers and q.id in answers.get("per_question", {}):
            row["answer"] = answers["per_question"][q.id]
        per_question.append(row)
    data: dict[str, Any] = {
        "dataset": dataset,
        "n": len(questions),
        "n_answerable": sum(q.answerable for q in questions),
        "modes": {m: {k: round(v, 4) for k, v in r.metrics.items()} for m, r in results.items()},
        "comparisons": {m: r.comparison for m, r in results.items() if r.comparison},
        "per_question": per_question,
    }
    if answers:
        data["answers"] = answers["summary"]
    return data


def evaluation_steps(questions: list[EvalQuestion], modes: Iterable[str], answers: bool = False) -> int:
    """How many progress ticks `run_evaluation` makes (for a progress bar)."""
    return sum(q.answerable for q in questions) * len(list(modes)) + (len(questions) if answers else 0)
