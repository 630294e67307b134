"""Measuring the engine: datasets and their validation, retrieval metrics and runs, the LangChain baseline, answer
metrics (evidence, citations, abstention), feedback → dataset lines, and reports (table, JSON, Markdown, PNG).

May import: `rag.engine` and everything below it.
"""

from .answers import (
    abstention_tradeoff,
    answered_in_english,
    choose_threshold,
    citations_valid,
    contains_evidence,
    evaluate_answers,
    key_points_found,
)
from .baseline import BaselineSearch
from .dataset import EvalQuestion, development_set, is_relevant, load_dataset
from .feedback import (
    append_feedback,
    evaluation_lines,
    export_jsonl,
    feedback_path,
    feedback_record,
    latest_ratings,
    read_feedback,
)
from .report import (
    answer_rows,
    comparison_label,
    evidence_spans,
    metrics_rows,
    terminal_report,
    write_chart,
    write_markdown,
)
from .retrieval import (
    DEPTH,
    METRICS,
    MODES,
    ModeResult,
    PassageSearch,
    compare_to,
    compute_metrics,
    evaluate_mode,
    evaluation_steps,
    report_json,
    retriever_search,
    run_retrieval_eval,
    sign_test,
)
from .run import run_evaluation

__all__ = [
    "DEPTH",
    "METRICS",
    "MODES",
    "BaselineSearch",
    "EvalQuestion",
    "ModeResult",
    "PassageSearch",
    "abstention_tradeoff",
    "answered_in_english",
    "answer_rows",
    "append_feedback",
    "choose_threshold",
    "citations_valid",
    "compare_to",
    "comparison_label",
    "compute_metrics",
    "contains_evidence",
    "development_set",
    "evaluate_answers",
    "evaluate_mode",
    "evaluation_lines",
    "evaluation_steps",
    "evidence_spans",
    "export_jsonl",
    "feedback_path",
    "feedback_record",
    "is_relevant",
    "key_points_found",
    "latest_ratings",
    "load_dataset",
    "metrics_rows",
    "read_feedback",
    "report_json",
    "retriever_search",
    "run_evaluation",
    "run_retrieval_eval",
    "sign_test",
    "terminal_report",
    "write_chart",
    "write_markdown",
]
