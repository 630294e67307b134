"""Scoring the sentences of the retrieved passages against a question (`analyse`) and the evidence strength
behind abstention (`confidence`), with the knobs of the extractive answerer (`AnswerSettings`).

A sentence scores by the embedding model (cosine of the query vector and the sentence's passage vector: reused
from the multi-vector index when it holds them, otherwise embedded in one batch), lexical overlap
(IDF-weighted terms and character bigrams; for an English question, the retriever's Chinese translation of its
terms), the kind of fact asked for (`rag.question`), its rank, and a few bonuses and penalties.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from rag.text import bigrams, has_cjk, is_byline, is_question, norm, overlap, passage_sentences, squash
from rag.types import Hit

from .anchors import missing_anchors
from .context import AnswerContext
from .question import DEFINES, QuestionInfo, kind_score

#: Default abstention threshold on `Answer.confidence` (chosen on eval/questions.jsonl; see the report).
DEFAULT_THRESHOLD = 0.45


@dataclass(frozen=True)
class AnswerSettings:
    """Knobs of the extractive answerer (the defaults were set on the development questions)."""

    threshold: float = DEFAULT_THRESHOLD
    max_hits: int = 6  # passages mined for sentences
    max_candidates: int = 40  # sentences considered (pre-ranked lexically when there are more)
    max_embedded: int = 12  # sentences embedded in one batch (Chinese questions: lexical pre-ranking is good)
    max_embedded_english: int = 24  # English questions rely on the embedding alone
    max_sentences: int = 4
    english_passages: int = 2  # an English question asking for several things quotes this many top passages
    margin: float = 0.06  # further sentences must score within this of the best
    other_passage_margin: float = 0.04  # ... and within this from another passage (dev: precision +0.02)
    w_dense: float = 1.0
    w_lexical: float = 0.35
    w_kind: float = 0.08
    w_rank: float = 0.04
    w_echo: float = 0.1  # penalty for sentences that mostly repeat the question
    w_title: float = 0.1  # bonus for sentences of the article the question names by its 《title》
    w_defines: float = 0.15  # bonus for "X是指……" when the question asks what X means
    w_byline: float = 0.15  # bonus for an author line ("李玉娟 和君咨询师") when the question asks about an author
    w_contact: float = 0.2  # penalty for an e-mail/web address when the question does not ask for one
    embed_chars: int = 120  # sentences are cut to this length for embedding
    evidence_chars: int = 900  # what a chat model with context "evidence" reads (`rag.answer.evidence`)
    attribute_check: int = 4  # how strictly citations must give the asked attribute (`rag.answer.answerability`)
    # Cosine ranges mapped to 0–1 in the confidence (calibrated for the bundled multilingual-e5-small; other
    # embedders should be re-calibrated with `abstention_tradeoff`). English questions score lower cosines
    # against the Chinese text, hence their own range.
    dense_range: tuple[float, float] = (0.85, 0.95)
    dense_range_english: tuple[float, float] = (0.72, 0.82)


DEFAULT_SETTINGS = AnswerSettings()


def term_weights(terms: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """IDF of each term over `texts` (substring document frequency): rare terms weigh more."""
    n = len(texts)
    weights = {}
    for term in terms:
        df = sum(1 for t in texts if term in t)
        weights[term] = max(0.1, math.log((n + 1.0) / (df + 0.5)))
    return weights


@dataclass
class ScoredSentence:
    """One candidate sentence: where it is (source `n`, span in the passage) and its feature scores."""

    n: int
    hit: Hit
    start: int
    end: int
    text: str
    lexical: float = 0.0
    dense: float | None = None
    kind: float = 0.0
    prior: float = 0.0
    score: float = 0.0
    echo: float = 0.0  # share of the sentence's bigrams that also occur in the question


@dataclass
class Analysis:
    """Everything the extractive answerer computed for one question (for answers, tuning and tests)."""

    info: QuestionInfo
    ranked: list[ScoredSentence]
    confidence: float
    signals: dict[str, float] = field(default_factory=dict)


#: Sentences addressed to an AI assistant (prompt injection planted in a document) are never answers.
INSTRUCTION = re.compile(
    r"忽略(?:以上|上述|之前|前面|所有)(?:的)?(?:指令|指示|提示|要求)|(?:系统|system)\s*(?:提示|prompt)|"
    r"\bignore (?:all |any )?(?:the )?(?:previous|above|prior) (?:instructions|prompts?)\b|"
    r"\byou are (?:now )?(?:an? )?(?:ai|assistant|chatbot|language model)\b",
    re.IGNORECASE,
)


#: An e-mail or web address, and the questions that ask for one.
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|https?://|www\.", re.IGNORECASE)
_CONTACT_QUESTION = re.compile(
    r"邮箱|邮件|网址|网站|链接|联系|电话|e-?mail|website|web site|url|contact|phone", re.IGNORECASE
)


def _candidates(hits: Sequence[Hit], max_hits: int) -> list[ScoredSentence]:
    seen: set[str] = set()
    out = []
    for n, hit in enumerate(hits[:max_hits], 1):
        text = hit.chunk.text
        for start, end in passage_sentences(text):
            sentence = text[start:end]
            key = norm(sentence)
            if key in seen or INSTRUCTION.search(sentence):
                continue
            seen.add(key)
            out.append(ScoredSentence(n, hit, start, end, sentence))
    return out


def _dense_scores(
    question: str, cands: list[ScoredSentence], context: AnswerContext, config: AnswerSettings, english: bool
) -> int:
    """Set `dense` (cosine of the query vector and the sentence's passage vector) on the candidates: vectors the
    index stores are reused; the best-ranked others are embedded in one batch, within the budget."""
    if context.embedder is None or context.vectors is None:
        return 0
    q = np.asarray(context.embedder.encode_queries([question]), dtype=np.float32)[0]
    stored: dict[str, dict[str, np.ndarray]] = {}
    missing = []
    for c in cands:
        if c.hit.chunk.id not in stored:
            stored[c.hit.chunk.id] = context.stored_vectors(c.hit.chunk)
        vector = stored[c.hit.chunk.id].get(c.text)
        if vector is not None:
            c.dense = float(vector @ q)
        else:
            missing.append(c)
    budget = config.max_embedded_english if english else config.max_embedded
    embed = missing[:budget]
    if embed:
        vectors = context.vectors.encode([c.text[: config.embed_chars] for c in embed])
        for c, cos in zip(embed, vectors @ q):
            c.dense = float(cos)
    return len(embed)


def _same_title(quoted: str, title_norm: str) -> bool:
    q = norm(quoted)
    if not q or not title_norm:
        return False
    if q == title_norm or (len(q) >= 6 and (q in title_norm or title_norm in q)):
        return True
    return overlap(bigrams(q), bigrams(title_norm)) >= 0.8 and overlap(bigrams(title_norm), bigrams(q)) >= 0.8


@dataclass
class _Reading:
    """What `analyse` reads off the question and the hits before scoring sentences."""

    info: QuestionInfo
    content_question: str
    named_docs: set[str]
    weights: dict[str, float]
    present_w: float
    asks_author: bool
    asks_contact: bool = False


def _read_question(
    question: str,
    hits: Sequence[Hit],
    context: AnswerContext,
    translated: str | None,
    alternatives: Sequence[Sequence[str]] = (),
) -> _Reading:
    info = QuestionInfo.parse(question)
    # 《titles》 of retrieved articles select the article; they are not words the answer sentence must contain
    titles = {h.document.id: norm(h.document.title) for h in hits}
    named = [t for t in re.findall(r"《([^》]{2,60})》", question) if any(_same_title(t, x) for x in titles.values())]
    named_docs = {d for d, x in titles.items() if any(_same_title(t, x) for t in named)}
    content_question = question
    for t in named:
        content_question = content_question.replace(f"《{t}》", " ")
    if named:
        info = replace(info, terms=QuestionInfo.parse(content_question).terms)
    if info.english and translated and translated != question:
        info = replace(
            info,
            terms=tuple(dict.fromkeys(t for t in translated.lower().split() if norm(t))),
            alternatives=tuple(tuple(t.lower() for t in group) for group in alternatives),
        )
    store = context.store
    texts = store.df_texts() if store is not None else [squash(h.chunk.indexed_text).lower() for h in hits]
    weights = term_weights(info.terms, texts)
    # how much of the question's weight occurs anywhere in the corpus at all
    present_w = sum(w for t, w in weights.items() if any(t in x for x in texts))
    author_names = {a for h in hits for a in h.document.authors if len(a) >= 2}
    asks_about = bool(info.kinds & {"org", "person"} or re.search(r"身份|单位|机构|任职|任教|来自|作者", question))
    asks_author = asks_about and ("作者" in question or bool(named_docs) or any(a in question for a in author_names))
    asks_contact = bool(_CONTACT_QUESTION.search(question))
    return _Reading(info, content_question, named_docs, weights, present_w, asks_author, asks_contact)


def _score_lexically(cands: list[ScoredSentence], reading: _Reading, config: AnswerSettings) -> None:
    """Set the lexical, kind, prior, echo and first score of every candidate (the dense part comes later)."""
    info, weights = reading.info, reading.weights
    total_w = sum(weights.values())
    q_bigrams = set().union(*(bigrams(t) for t in info.terms if len(norm(t)) >= 2)) if info.terms else set()
    question_bigrams = bigrams(reading.content_question)
    contexts: dict[int, str] = {}
    for c in cands:
        if c.n not in contexts:
            doc = c.hit.document
            contexts[c.n] = squash(
                f"{c.hit.chunk.header}\n{doc.title}\n{' '.join(doc.authors)}\n{c.hit.chunk.text}"
            ).lower()
    for c in cands:
        low = squash(c.text).lower()
        cov = 0.0
        if total_w:
            cov = sum(w * (1.0 if t in low else 0.3 if t in contexts[c.n] else 0.0) for t, w in weights.items())
            cov /= total_w
        big = overlap(q_bigrams, bigrams(c.text)) if q_bigrams else 0.0
        c.lexical = 0.6 * cov + 0.4 * big
        c.kind = kind_score(c.text, info.kinds, c.hit.document.authors, info.subject)
        c.prior = 1.0 / math.sqrt(c.n)
        sentence_bigrams = bigrams(c.text)
        c.echo = len(sentence_bigrams & question_bigrams) / len(sentence_bigrams) if sentence_bigrams else 1.0
        c.score = (
            config.w_lexical * c.lexical
            + config.w_kind * c.kind
            + config.w_rank * c.prior
            - _penalty(c, config, reading)
            + _bonus(c, reading, config)
        )


def _penalty(c: ScoredSentence, config: AnswerSettings, reading: _Reading) -> float:
    penalty = 0.05 if len(norm(c.text)) < 6 else 0.0
    if not reading.asks_contact and _CONTACT.search(c.text):
        penalty += config.w_contact  # an e-mail address or a web address answers only a question that asks for one
    penalty += 0.05 if not has_cjk(c.text) else 0.0  # cover lines, English mastheads
    penalty += 0.05 if c.hit.document.kind in ("toc", "cover", "advert") else 0.0  # titles, the magazine's name
    penalty += 0.05 if is_question(c.text) else 0.0  # a question ("选择三：……还是……？") does not answer one
    return penalty + config.w_echo * max(0.0, c.echo - 0.4)


def _bonus(c: ScoredSentence, reading: _Reading, config: AnswerSettings) -> float:
    info = reading.info
    bonus = config.w_title if c.hit.document.id in reading.named_docs else 0.0
    if info.subject and re.search(re.escape(info.subject) + DEFINES, c.text):
        bonus += config.w_defines
    if reading.asks_author and is_byline(c.text, c.hit.document.authors):
        bonus += config.w_byline
    return bonus


def analyse(
    question: str,
    hits: Sequence[Hit],
    context: AnswerContext | None = None,
    config: AnswerSettings = DEFAULT_SETTINGS,
    translated: str | None = None,
    alternatives: Sequence[Sequence[str]] = (),
) -> Analysis:
    """Score the sentences of the top hits for `question`; best first, with the answer confidence.

    `translated` is the Chinese term list of an English question (`Retriever.lexical_query`); it gives the
    sentence ranking a lexical signal (the confidence of English questions stays embedding-only); `alternatives`
    groups its terms by the English word they translate (`Retriever.lexical_groups`).
    """
    context = context or AnswerContext(None)
    cands = _candidates(hits, config.max_hits)
    if not cands:
        return Analysis(QuestionInfo.parse(question), [], 0.0, {})
    reading = _read_question(question, hits, context, translated, alternatives)
    info = reading.info
    _score_lexically(cands, reading, config)
    cands.sort(key=lambda c: -c.score)
    cands = cands[: config.max_candidates]
    embedded = 0
    if context.embedder is not None:
        embedded = _dense_scores(question, cands, context, config, info.english)
        scored = [c.dense for c in cands if c.dense is not None]
        floor = min(scored) if scored else 0.0
        for c in cands:
            c.score += config.w_dense * (c.dense if c.dense is not None else floor)
    cands.sort(key=lambda c: (-c.score, c.n, c.start))
    signals = _signals(cands, hits, reading, embedded)
    confidence = _confidence(info, signals, config)
    missing = missing_anchors(question, [h.chunk.text for h in hits])
    if missing:  # the passages never mention a month, issue or model number the question pins down
        signals = {**signals, "missing_anchors": float(len(missing))}
        confidence = 0.0
    return Analysis(info, cands, confidence, signals)


def _signals(cands: list[ScoredSentence], hits: Sequence[Hit], reading: _Reading, embedded: int) -> dict[str, float]:
    best = cands[0]
    total_w = sum(reading.weights.values())
    dense_top = max((h.dense_score for h in hits if h.dense_score is not None), default=None)
    return {
        "best_score": best.score,
        "best_lexical": best.lexical,
        "best_dense": best.dense if best.dense is not None else 0.0,
        "best_kind": best.kind,
        "max_lexical": max(c.lexical for c in cands),
        "max_dense": max((c.dense for c in cands if c.dense is not None), default=0.0),
        "hit_dense": dense_top if dense_top is not None else 0.0,
        "term_presence": reading.present_w / total_w if total_w else 1.0,
        "n_terms": float(len(reading.info.terms)),
        "embedded": float(embedded),  # sentences embedded now (the others' vectors came from the index)
    }


def _confidence(info: QuestionInfo, s: Mapping[str, float], config: AnswerSettings = DEFAULT_SETTINGS) -> float:
    """Evidence strength 0–1.

    Chinese questions: the mean of (a) the highest question–sentence cosine mapped from `dense_range` to 0–1,
    (b) the best sentence's lexical match and (c) the share of the question's term weight that occurs anywhere
    in the corpus (a question about 宁德时代 in a corpus that never names it is likely unanswerable). English
    questions have no reliable lexical signal against Chinese text, so only (a) on `dense_range_english` counts.
    Measured on eval/questions.jsonl (multilingual-e5-small): AUC 0.95 answerable vs unanswerable for Chinese
    questions, about 0.5 for English ones (English unanswerable questions are rarely caught).
    """
    lo, hi = config.dense_range_english if info.english else config.dense_range
    dense = min(1.0, max(0.0, (s["max_dense"] - lo) / (hi - lo))) if hi > lo else 0.0
    if info.english:
        return float(dense)
    return float(min(1.0, max(0.0, (dense + s["best_lexical"] + s["term_presence"]) / 3.0)))
