"""Everything `rag eval` measures, in one call over an open engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rag.embedding import EmbeddingCache
from rag.engine import Engine
from rag.ingest import bundled_corpus

from .answers import evaluate_answers
from .baseline import BaselineSearch
from .dataset import EvalQuestion
from .retrieval import MODES, report_json, run_retrieval_eval


def run_evaluation(
    engine: Engine,
    dataset: Path,
    questions: list[EvalQuestion],
    modes: Iterable[str] = MODES,
    answers: str | None = None,
    tick: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Everything `rag eval` measures, for an open `rag.engine.Engine`; returns the JSON report. `answers` names
    the answerer whose answers are scored too ("extractive", "auto", "local"; `Engine.chat_model`)."""
    modes = list(modes)
    baseline = None
    if "baseline" in modes:
        sources = [Path(s) for s in engine.index.manifest.get("sources", [])] or [bundled_corpus()]
        index_settings = engine.settings.index
        with EmbeddingCache(index_settings.embedding_cache, engine.embedder.name, engine.embedder.dimension) as cache:
            baseline = BaselineSearch([s for s in sources if s.exists()], engine.embedder, cache)
    results = run_retrieval_eval(
        questions, engine.retriever, baseline.as_passage_search() if baseline else None, modes, tick=tick
    )
    answer_report = None
    if answers is not None:
        answer_report = evaluate_answers(questions, engine.answerer, llm=engine.chat_model(answerer=answers), tick=tick)
    return report_json(str(dataset), questions, results, answer_report)
