"""Cited answers from the retrieved passages: extractive by default (offline), generative when an LLM is configured.

Extractive answering
    The sentences of the top passages are scored against the question with the embedding model (cosine of the
    query vector and the sentence's passage vector: reused from the multi-vector index when it holds them,
    otherwise embedded in one batch), lexical overlap (IDF-weighted jieba terms and character bigrams; for an
    English question, the retriever's Chinese translation of its terms) and the kind of fact asked for (a number
    for 多少, a date for 何时, a list for 哪些, a person for 谁, an organisation for 哪家单位 …). The best few
    non-redundant sentences form the answer, each followed by its `[n]` marker; `n` numbers the sources: the
    retrieved passages in rank order (plus, rarely, the next passage of an article when a list announced at the
    end of a cited passage continues there).

Abstention
    `Answer.confidence` (0–1) measures the evidence; below `threshold` the answer is `资料中没有找到…` /
    "The magazine does not say…" and the closest passages are still returned as sources.
    `abstention_tradeoff` reports abstention on unanswerable vs false abstention on answerable questions for a
    grid of thresholds from one pass of confidences.

Generative answering (`llm=LLMConfig(...)`)
    The passages are fenced as data in the prompt (`rag.llm`), the answer is streamed, and afterwards every
    `[n]` marker is checked (`check_citations`): it must name a source whose passage supports its sentence.
    Unsupported markers are removed and the answer carries a notice. Any endpoint failure falls back to the
    extractive answer with a notice; nothing is raised to the caller except `QueryError` for bad input.

This module holds the entry points (`answer_question`, `stream_answer`, `warm_up`, `evaluate_answers`) and the
LLM orchestration, and re-exports the public names of the modules it is built from:
`rag.answer_types` (Source, Citation, Answer), `rag.sentences` (sentence spans and comparison), `rag.question`
(QuestionInfo, kind scoring), `rag.answer_cache` (cached vectors and index look-ups), `rag.scoring` (AnswerConfig,
analyse, confidence), `rag.extractive` (select_sentences, extractive_answer), `rag.citations` (check_citations)
and `rag.answer_eval` (answer metrics, abstention trade-off).
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .answer_cache import sentence_vectors
from .answer_eval import abstention_tradeoff, choose_threshold, citations_valid, contains_evidence
from .answer_types import ABSTAIN_EN, ABSTAIN_ZH, ENGLISH_NOTE, EXTRACTIVE, Answer, Citation, Source, _abstention
from .citations import _MARKER, CitationCheck, check_citations
from .embedding import Embedder
from .extractive import extractive_answer, select_sentences
from .llm import NOT_FOUND_ZH, LLMConfig, LLMError, build_messages, stream_chat
from .question import QuestionInfo, _person_score, is_byline, is_english, kind_score
from .retrieve import Retriever, SearchFilter, check_query
from .scoring import DEFAULT_CONFIG, DEFAULT_THRESHOLD, Analysis, AnswerConfig, ScoredSentence, analyse, term_weights
from .sentences import SENTENCE_PUNCT, near_duplicate, passage_sentences
from .text import squash
from .types import Hit

__all__ = [
    "ABSTAIN_EN",
    "ABSTAIN_ZH",
    "DEFAULT_CONFIG",
    "DEFAULT_THRESHOLD",
    "ENGLISH_NOTE",
    "EXTRACTIVE",
    "SENTENCE_PUNCT",
    "Analysis",
    "Answer",
    "AnswerConfig",
    "Citation",
    "CitationCheck",
    "QuestionInfo",
    "ScoredSentence",
    "Source",
    "abstention_tradeoff",
    "analyse",
    "answer_question",
    "check_citations",
    "choose_threshold",
    "citations_valid",
    "contains_evidence",
    "evaluate_answers",
    "extractive_answer",
    "is_byline",
    "is_english",
    "kind_score",
    "near_duplicate",
    "passage_sentences",
    "select_sentences",
    "sentence_vectors",
    "stream_answer",
    "term_weights",
    "warm_up",
]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- generative answers


_NOT_FOUND_EN = re.compile(
    r"(?i)\W*(?:the (?:magazine|passages?|sources?|provided \w+) (?:does|do) not (?:say|mention|contain|answer)|"
    r"(?:this|that) (?:is|was) not (?:found|mentioned)|not found in)"
)


def _is_not_found(text: str) -> bool:
    """The model said the passages do not answer (资料中没有找到… / The magazine does not say…)."""
    head = _MARKER.sub("", text).strip()
    return head.startswith(NOT_FOUND_ZH) or bool(_NOT_FOUND_EN.match(head)) or (
        len(head) <= 40 and NOT_FOUND_ZH in head
    )


def _removed_notice(removed: list[tuple[int, str]]) -> str:
    parts = [f"[{n}] ({why})" for n, why in removed]
    return "removed citation markers that the sources do not back: " + ", ".join(parts)


def _llm_stream(
    question: str, analysis: Analysis, sources: list[Source], fallback: Answer, embedder: Embedder | None,
    config: LLMConfig,
) -> Iterator[str | Answer]:
    english = analysis.info.english
    messages = build_messages(question, [(s.n, s.passage, s.label()) for s in sources])
    pieces: list[str] = []
    try:
        if english:
            yield ENGLISH_NOTE + "\n"
        for delta in stream_chat(config, messages):
            pieces.append(delta)
            yield delta
    except LLMError as exc:
        yield replace(fallback, notice=f"the language model could not answer ({exc}); this is the extractive answer")
        return
    except Exception as exc:  # never let an endpoint problem escape
        log.exception("LLM streaming failed")
        yield replace(fallback, notice=f"the language model failed ({type(exc).__name__}); this is the extractive "
                                       "answer")
        return
    raw = "".join(pieces).strip()
    if _is_not_found(raw):
        yield _abstention(question, english, sources, analysis.confidence, config.label)
        return
    checked = check_citations(raw, sources, embedder)
    notice = _removed_notice(checked.removed) if checked.removed else None
    if not checked.citations:  # nothing the model wrote is backed by a passage: show the checked extractive answer
        extra = "no sentence of the language model's answer was backed by a passage; this is the extractive answer"
        yield replace(fallback, notice=f"{notice}; {extra}" if notice else extra)
        return
    text = f"{ENGLISH_NOTE}\n{checked.text}" if english else checked.text
    yield Answer(question, text, False, checked.citations, sources, config.label, notice, analysis.confidence)


# ---------------------------------------------------------------- entry points


def warm_up(embedder: Embedder | None = None) -> None:
    """Load what the first answer would otherwise wait for (jieba's dictionary and POS tagger, the model's
    first batch); call it once at start-up, e.g. from the UI."""
    QuestionInfo.parse("谁在2024年发布了哪些产品？")
    _person_score("董事长张三表示。", ())
    if embedder is not None:
        embedder.encode_queries(["预热"])
        embedder.encode_passages(["预热句子。", "第二个预热句子，稍长一些。"])


def stream_answer(
    question: str,
    retriever: Retriever,
    k: int = 5,
    mode: str = "hybrid",
    llm: LLMConfig | None = None,
    where: SearchFilter | None = None,
    *,
    threshold: float | None = None,
    config: AnswerConfig = DEFAULT_CONFIG,
) -> Iterator[str | Answer]:
    """Validate, retrieve, then yield text pieces and finally the `Answer` (whose `text` is authoritative:
    an LLM answer can lose markers in the citation check or be replaced by the extractive fallback).

    Raises `QueryError` (before anything is yielded) for unusable input; never raises for LLM problems.
    """
    cleaned = check_query(question, k, mode, retriever.max_query_chars, retriever.max_k)
    hits = retriever.search(cleaned, k=max(k, 1), mode=mode, where=where)
    return _stream(cleaned, hits, retriever, llm, threshold, config)


def _stream(
    question: str, hits: list[Hit], retriever: Retriever, llm: LLMConfig | None, threshold: float | None,
    config: AnswerConfig,
) -> Iterator[str | Answer]:
    threshold = config.threshold if threshold is None else threshold
    sources = [Source.from_hit(n, h) for n, h in enumerate(hits, 1)]
    translated = None
    if is_english(question) and hasattr(retriever, "lexical_query"):
        try:
            translated = retriever.lexical_query(question)
        except Exception:  # the translation is an optional aid
            translated = None
    analysis = analyse(question, hits, retriever.embedder, retriever.index, config, translated)
    extractive = extractive_answer(question, hits, retriever.embedder, retriever.index, config, threshold, analysis)
    if llm is None or extractive.abstained:
        if llm is not None:  # weak evidence: the model is not asked, but the answer says who would have answered
            extractive = replace(extractive, answerer=llm.label)
        yield from extractive.text.splitlines(keepends=True)
        yield extractive
        return
    yield from _llm_stream(question, analysis, sources, extractive, retriever.embedder, llm)


def answer_question(
    question: str,
    retriever: Retriever,
    k: int = 5,
    mode: str = "hybrid",
    llm: LLMConfig | None = None,
    where: SearchFilter | None = None,
    *,
    threshold: float | None = None,
    config: AnswerConfig = DEFAULT_CONFIG,
) -> Answer:
    """Answer `question` from the index behind `retriever`, with `[n]` citations (see the module docstring)."""
    final: Answer | None = None
    for piece in stream_answer(question, retriever, k, mode, llm, where, threshold=threshold, config=config):
        if isinstance(piece, Answer):
            final = piece
    assert final is not None
    return final


def evaluate_answers(
    questions: Sequence[Any],
    retriever: Retriever,
    tick: Callable[[], None] | None = None,
    k: int = 5,
    mode: str = "hybrid",
    llm: LLMConfig | None = None,
    threshold: float | None = None,
    config: AnswerConfig = DEFAULT_CONFIG,
) -> dict[str, Any]:
    """Answer every question (objects with id, question, answers, answerable) once and score the answers.

    Returns {"summary": {metric: value, "thresholds": [trade-off rows]}, "per_question": {id: {...}}}.
    """
    threshold = config.threshold if threshold is None else threshold
    per_question: dict[str, dict[str, Any]] = {}
    labelled, confidences, seconds = [], [], []
    correct = fuzzy = valid = cited_ev = 0
    cited_total = cited_with_evidence = 0
    for q in questions:
        t0 = time.perf_counter()
        result = answer_question(q.question, retriever, k, mode, llm, threshold=threshold, config=config)
        dt = time.perf_counter() - t0
        seconds.append(dt)
        labelled.append((q.id, bool(q.answerable)))
        confidences.append(result.confidence)
        ok = bool(q.answerable) and contains_evidence(result, q.answers)
        correct += ok
        fuzzy += bool(q.answerable) and contains_evidence(result, q.answers, min_recall=0.8)
        good_citations = citations_valid(result)
        valid += good_citations
        by_n = {s.n: s for s in result.sources}
        has_ev = any(
            any(squash(a) in squash(by_n[c.n].passage) for a in q.answers) for c in result.citations if c.n in by_n
        )
        cited_ev += bool(q.answerable) and has_ev
        if q.answerable:
            for c in result.citations:
                cited_total += 1
                cited_with_evidence += c.n in by_n and any(squash(a) in squash(by_n[c.n].passage) for a in q.answers)
        per_question[q.id] = {
            "answer": result.text,
            "abstained": result.abstained,
            "confidence": round(result.confidence, 4),
            "correct": ok,
            "cited_evidence": has_ev,
            "citations": len(result.citations),
            "citations_valid": good_citations,
            "answerer": result.answerer,
            "notice": result.notice,
            "seconds": round(dt, 3),
        }
        if tick:
            tick()
    answerable = [ok for _, ok in labelled if ok]
    n_ans, n_un = len(answerable), len(labelled) - len(answerable)
    abst_un = sum(per_question[qid]["abstained"] for qid, ok in labelled if not ok)
    abst_ans = sum(per_question[qid]["abstained"] for qid, ok in labelled if ok)
    summary: dict[str, Any] = {
        "answerer": llm.label if llm else EXTRACTIVE,
        "threshold": float(threshold),
        "answer_contains_evidence": correct / n_ans if n_ans else math.nan,
        "answer_contains_evidence_fuzzy": fuzzy / n_ans if n_ans else math.nan,
        "citation_precision": cited_with_evidence / cited_total if cited_total else math.nan,
        "citation_holds_evidence": cited_ev / n_ans if n_ans else math.nan,
        "citations_valid": valid / len(labelled) if labelled else math.nan,
        "abstain_unanswerable": abst_un / n_un if n_un else math.nan,
        "false_abstain_answerable": abst_ans / n_ans if n_ans else math.nan,
        "latency_median_s": statistics.median(seconds) if seconds else math.nan,
        "latency_p90_s": float(np.percentile(seconds, 90)) if seconds else math.nan,
        "thresholds": abstention_tradeoff(labelled, confidences),
    }
    return {"summary": summary, "per_question": per_question}
