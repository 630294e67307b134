"""Cited answers from the retrieved passages: extractive by default (offline), generative when a chat model is given.

Extractive answering
    The sentences of the top passages are scored against the question (`rag.answer.scoring`): the embedding model
    (cosine of the query vector and the sentence's passage vector, reused from the multi-vector index when it
    holds them), lexical overlap (IDF-weighted jieba terms and character bigrams; for an English question, the
    retriever's Chinese translation of its terms) and the kind of fact asked for (`rag.answer.question`). The best
    few non-redundant sentences form the answer, each followed by its `[n]` marker (`rag.answer.extractive`).

Abstention
    `Answer.confidence` (0–1) measures the evidence; below the threshold the answer is `资料中没有找到…` /
    "The magazine does not say…" and the closest passages are still returned as sources. An answer of either
    answerer whose cited sentences do not give the attribute the question asks for (a price, a profit, an age, the
    figure of the year it names; `rag.answer.answerability`) is that abstention too.

Generative answering (`llm=`, any `ChatModel`, e.g. an `LLMConfig` endpoint)
    The passages are fenced as data in the prompt (`rag.answer.prompt`), the answer is streamed, and afterwards
    every `[n]` marker is checked (`rag.answer.citations`). Unsupported markers are removed and the answer carries
    a notice. Any endpoint failure falls back to the extractive answer with a notice; nothing is raised to the
    caller except `QueryError` for bad input. A model answers the questions in its `languages` only; a question
    in another gets the extractive answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from rag.errors import LLMError
from rag.retrieval import Retriever, SearchFilter, check_query
from rag.text import is_english, language_of
from rag.timing import StageTimer
from rag.types import Hit

from .answerability import asks_attribute, missing_attribute
from .chat import ChatModel
from .citations import MARKER, check_citations, in_rank_order
from .context import AnswerContext
from .conversation import Turn, asks_what_else, fold_follow_up, wants_more
from .evidence import (
    Evidence,
    MarkerMap,
    check_evidence,
    distinct_lines,
    evidence_grammar,
    evidence_messages,
    select_evidence,
)
from .extractive import Earlier, extractive_answer
from .prompt import NOT_FOUND_ZH, build_messages
from .question import QuestionInfo, person_score
from .records import ENGLISH_NOTE, EXTRACTIVE, Answer, Source, abstention
from .scoring import DEFAULT_SETTINGS, Analysis, AnswerSettings, analyse
from .translation import (
    TranslationStream,
    answer_pieces,
    cited_translation,
    translated_pieces,
    translation_grammar,
    translation_messages,
    verified_answer,
    within,
)

log = logging.getLogger(__name__)

_NOT_FOUND_EN = re.compile(
    r"(?i)\W*(?:the (?:magazine|passages?|sources?|provided \w+) (?:does|do) not (?:say|mention|contain|answer)|"
    r"(?:this|that) (?:is|was) not (?:found|mentioned)|not found in)"
)


NO_MODEL_ANSWER = "the language model found no answer in the sentences it read; this is the extractive answer"
NOTHING_TRANSLATED = "no sentence of the model's translation could be verified; this is the extractive answer"


def _is_not_found(text: str) -> bool:
    """The model said the passages do not answer (资料中没有找到… / The magazine does not say…)."""
    head = MARKER.sub("", text).strip()
    return (
        head.startswith(NOT_FOUND_ZH) or bool(_NOT_FOUND_EN.match(head)) or (len(head) <= 40 and NOT_FOUND_ZH in head)
    )


def _removed_notice(removed: list[tuple[int, str]]) -> str:
    parts = [f"[{n}] ({why})" for n, why in removed]
    return "removed citation markers that the sources do not back: " + ", ".join(parts)


def _named_in(source: Source) -> str:
    """What a cited passage names: its text, its article's title and authors."""
    return "\n".join([source.document.title, *source.document.authors, source.passage])


def _as_is(answer: Answer) -> Answer:
    return answer


def speaking(llm: ChatModel | None, question: str) -> ChatModel | None:
    """`llm` when it answers questions in the language of `question` (`ChatModel.languages`), else None."""
    return llm if llm is not None and language_of(question) in llm.languages else None


def _recorded(deltas: Iterable[str], written: list[str]) -> Iterator[str]:
    """`deltas` as they come, each also appended to `written`."""
    for delta in deltas:
        written.append(delta)
        yield delta


def _mapped(deltas: Iterable[str], markers: MarkerMap) -> Iterator[str]:
    """`deltas` with sentence markers `[k]` rewritten into passage markers `[n]`."""
    for delta in deltas:
        if shown := markers.feed(delta):
            yield shown
    if shown := markers.flush():
        yield shown


def _guarded(shown: Iterable[str], fallback: Answer) -> Iterator[str | Answer]:
    """The model's text as it streams; when the endpoint fails, the extractive `fallback` with the reason, last."""
    try:
        yield from shown
    except LLMError as exc:
        yield replace(fallback, notice=f"the language model could not answer ({exc}); this is the extractive answer")
    except Exception as exc:  # never let an endpoint problem escape
        log.exception("LLM streaming failed")
        notice = f"the language model failed ({type(exc).__name__}); this is the extractive answer"
        yield replace(fallback, notice=notice)


@dataclass(frozen=True)
class _Reply:
    """What a chat model wrote, who wrote it, and the numbered sentences it read (None: it read whole passages)."""

    text: str
    label: str
    evidence: list[Evidence] | None


class Answerer:
    """Answers questions from one retriever's index; holds the answerer's caches (sentence vectors)."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings = DEFAULT_SETTINGS):
        self.retriever = retriever
        self.settings = settings
        self.context = AnswerContext(retriever.embedder, retriever.index)

    def warm_up(self) -> None:
        """Load what the first answer would otherwise wait for (jieba's dictionary and POS tagger, the model's
        first batch); call it once at start-up, e.g. from the UI."""
        QuestionInfo.parse("谁在2024年发布了哪些产品？")
        person_score("董事长张三表示。", ())
        self.retriever.embedder.encode_queries(["预热"])
        self.retriever.embedder.encode_passages(["预热句子。", "第二个预热句子，稍长一些。"])

    def stream(
        self,
        question: str,
        k: int = 5,
        mode: str = "hybrid",
        llm: ChatModel | None = None,
        where: SearchFilter | None = None,
        timer: StageTimer | None = None,
    ) -> Iterator[str | Answer]:
        """Validate, retrieve, then yield text pieces and finally the `Answer` (whose `text` is authoritative:
        an LLM answer can lose markers in the citation check or be replaced by the extractive fallback).

        Raises `QueryError` (before anything is yielded) for unusable input; never raises for LLM problems.
        `timer`, when given, receives the retrieval stages' seconds.
        """
        cleaned = check_query(question, k, mode, self.retriever.limits)
        hits = self.retriever.search(cleaned, k=max(k, 1), mode=mode, where=where, timer=timer)
        earlier = Earlier(cited=where.exclude_chunks if where else ())
        return self.stream_hits(cleaned, hits, speaking(llm, cleaned), earlier)

    def answer(
        self,
        question: str,
        k: int = 5,
        mode: str = "hybrid",
        llm: ChatModel | None = None,
        where: SearchFilter | None = None,
        timer: StageTimer | None = None,
    ) -> Answer:
        """The final `Answer` of `stream`."""
        final = None
        for piece in self.stream(question, k, mode, llm, where, timer):
            if isinstance(piece, Answer):
                final = piece
        if final is None:  # stream always ends with an Answer; this guards against a broken generator
            raise RuntimeError("the answer stream ended without an answer")
        return final

    def converse(
        self,
        question: str,
        previous: Turn | None,
        k: int = 5,
        mode: str = "hybrid",
        llm: ChatModel | None = None,
        where: SearchFilter | None = None,
    ) -> tuple[str, str, Iterator[str | Answer]]:
        """A chat turn: the question is checked, folded with `previous` when it leans on it (a "what else?"
        follow-up leaves out the passages `previous` cited and the sentences it quoted), and answered.

        Returns (the cleaned question, the text searched, the answer stream).

        Raises `QueryError` for unusable input before anything is searched."""
        cleaned = check_query(question, k, mode, self.retriever.limits)
        query = fold_follow_up(cleaned, previous, self.retriever.limits.max_query_chars)
        said: Sequence[str] = ()
        articles: list[str] = []
        if query != cleaned and previous is not None and previous.cited and wants_more(cleaned):
            base = where or SearchFilter()
            where = replace(base, exclude_chunks=(*base.exclude_chunks, *previous.cited))
            said = previous.said
            if asks_what_else(cleaned):  # nothing but "what else?": the rest of the articles it quoted
                articles = self._documents_of(previous.cited)
                where = replace(where, documents=articles)
        query = check_query(query, k, mode, self.retriever.limits)
        hits = self.retriever.search(query, k=max(k, 1), mode=mode, where=where)
        llm = speaking(llm, cleaned)  # the question as typed says its language, not the titles folded into it
        earlier = Earlier(where.exclude_chunks if where else (), said, articles)
        return cleaned, query, self.stream_hits(query, hits, llm, earlier, asked=cleaned)

    def _documents_of(self, chunk_ids: Iterable[str]) -> list[str]:
        """The documents (ids) of these passages, in order of first appearance."""
        store = self.context.store
        if store is None:
            return []
        rows = [row for c in chunk_ids if (row := store.row_of(c)) is not None]
        return list(dict.fromkeys(store.chunks[row].doc_id for row in rows))

    def stream_hits(
        self,
        question: str,
        hits: list[Hit],
        llm: ChatModel | None = None,
        earlier: Earlier = Earlier(),
        asked: str | None = None,
    ) -> Iterator[str | Answer]:
        """The answer to `question` from already-retrieved `hits`, streamed as by `stream`, after what `earlier`
        answers cited and said (`Earlier`). `asked` is the question as typed when `question` is a follow-up's folded
        search text: a model translating the answer reads it (given the folded text, it answered that instead).
        `llm`, when given, answers whatever the language: `stream` and `converse` pass it through `speaking`
        first."""
        translated = self.retriever.lexical_query(question) if QuestionInfo.parse(question).english else None
        alternatives = self.retriever.lexical_groups(question) if translated is not None else []
        analysis = analyse(question, hits, self.context, self.settings, translated, alternatives)
        extractive = extractive_answer(question, hits, self.context, self.settings, analysis, earlier)
        # "what else?" asks for whatever the article says: no attribute of the earlier question is asked again
        attributed = self._attributed if not earlier.articles else _as_is
        if llm is None or extractive.abstained:
            extractive = attributed(extractive)
            if llm is not None:  # weak evidence: the model is not asked, but the answer says who would have answered
                extractive = replace(extractive, answerer=llm.label)
            yield from extractive.text.splitlines(keepends=True)
            yield extractive
            return
        # evidence quotes may come from passages a list answer added to the hits: the extractive answer's sources
        sources = (
            extractive.sources if llm.context == "evidence" else [Source.from_hit(n, h) for n, h in enumerate(hits, 1)]
        )
        if llm.context == "evidence" and analysis.info.english:  # the quotes decide: an abstention is not translated
            fallback = attributed(extractive)
            pieces = self._translated(question, asked or question, analysis, sources, fallback, llm)
        else:
            pieces = self._llm_stream(question, analysis, sources, extractive, llm)
        for piece in pieces:
            yield attributed(piece) if isinstance(piece, Answer) else piece

    def _attributed(self, answer: Answer) -> Answer:
        """`answer`, or the abstention when its cited sentences do not give the attribute the question asks for, or
        when the attribute is asked of someone or something no cited passage names (`_names_missing`)."""
        level = self.settings.attribute_check
        if answer.abstained or not asks_attribute(answer.question, level):
            return answer
        quotes = [c.quote for c in answer.citations]
        if not missing_attribute(answer.question, quotes, level) and not self._names_missing(answer):
            return answer
        english = is_english(answer.question)
        sources = in_rank_order(answer.sources)
        return abstention(answer.question, english, sources, answer.confidence, answer.answerer, answer.notice)

    def _names_missing(self, answer: Answer) -> bool:
        """An English question names someone or something (Anta) and no cited passage, nor its article's title or
        authors, names them: the revenue found is another company's."""
        names = self.retriever.question_names(answer.question)
        by_n = {s.n: s for s in answer.sources}
        cited = [_named_in(by_n[c.n]) for c in answer.citations if c.n in by_n]
        return bool(names) and not any(name in text for name in names for text in cited)

    def _llm_stream(
        self, question: str, analysis: Analysis, sources: list[Source], fallback: Answer, llm: ChatModel
    ) -> Iterator[str | Answer]:
        english = analysis.info.english
        written: list[str] = []  # what the model wrote (in evidence mode, with its sentence markers [k])
        evidence: list[Evidence] | None = None
        if llm.context == "evidence":
            evidence = select_evidence(analysis, fallback, self.settings.evidence_chars)
            deltas = llm.stream(
                evidence_messages(question, evidence, english), evidence_grammar(len(evidence), english)
            )
            shown = _mapped(_recorded(deltas, written), MarkerMap(evidence))  # the reader sees passage markers [n]
        else:
            passages = [(s.n, s.passage, s.label()) for s in sources]
            shown = _recorded(llm.stream(build_messages(question, passages)), written)
            if english:
                yield ENGLISH_NOTE + "\n"
        for piece in _guarded(shown, fallback):
            yield piece
            if isinstance(piece, Answer):
                return
        raw = "".join(written).strip()
        reply = _Reply(distinct_lines(raw) if evidence else raw, llm.label, evidence)
        yield self._checked(question, reply, analysis, sources, fallback)

    def _translated(
        self, question: str, typed: str, analysis: Analysis, sources: list[Source], fallback: Answer, llm: ChatModel
    ) -> Iterator[str | Answer]:
        """An English question: the model translates the extractive answer piece by piece (`rag.answer.translation`);
        a piece is shown in English when its translation is backed by the very sentence it translates, else quoted in
        Chinese; the answer cites those sentences (`cited_translation`)."""
        pieces = answer_pieces(fallback)  # (attributed by the caller: no point translating an abstention)
        if fallback.abstained or not pieces:
            yield replace(fallback, answerer=llm.label) if fallback.abstained else fallback
            return
        asked = within(pieces, self.settings.evidence_chars)
        evidence = [p.evidence for p in pieces]
        written: list[str] = []
        deltas = _recorded(llm.stream(translation_messages(typed, asked), translation_grammar(asked)), written)
        layout = TranslationStream(asked)  # "[k] English" lines become "English [n]" as they stream
        for piece in _guarded(_mapped((layout.feed(d) for d in deltas), MarkerMap(evidence)), fallback):
            yield piece
            if isinstance(piece, Answer):
                return
        english = translated_pieces("".join(written), asked)
        text, quoted = verified_answer(pieces, english, sources, self.context)
        checked = cited_translation(text, pieces, sources)
        if len(quoted) == len(pieces) or not checked.citations:
            yield replace(fallback, notice=NOTHING_TRANSLATED)
            return
        notices = [_removed_notice(checked.removed)] if checked.removed else []
        if quoted:
            notices.append(
                f"{len(quoted)} of the answer's {len(pieces)} sentences are quoted in Chinese: the model's translation"
                " was missing, changed a number or was not backed by the passage"
            )
        notice = "; ".join(notices) or None
        yield Answer(question, checked.text, False, checked.citations, sources, llm.label, notice, analysis.confidence)

    def _checked(
        self, question: str, reply: _Reply, analysis: Analysis, sources: list[Source], fallback: Answer
    ) -> Answer:
        raw, label, evidence = reply.text, reply.label, reply.evidence
        english = analysis.info.english
        if _is_not_found(raw):
            if evidence is not None:
                # The extractive stage found the answer in these sentences and its abstention rules let it stand; a
                # small model reading them said "not found" on 8 of 54 answerable English questions and on 1 of 15
                # unanswerable ones the extractive answer had not already refused (README, Generative answers).
                return replace(fallback, notice=NO_MODEL_ANSWER)
            return abstention(question, english, sources, analysis.confidence, label)
        if evidence is not None:  # `raw` cites sentences [k]: checked, then turned into passage markers
            checked = check_evidence(raw, evidence, sources, self.context)
        else:
            checked = check_citations(raw, sources, self.context)
        notice = _removed_notice(checked.removed) if checked.removed else None
        if not checked.citations:  # nothing the model wrote is backed by a passage: show the checked extractive one
            extra = "no sentence of the language model's answer was backed by a passage; this is the extractive answer"
            return replace(fallback, notice=f"{notice}; {extra}" if notice else extra)
        text = f"{ENGLISH_NOTE}\n{checked.text}" if english and evidence is None else checked.text
        return Answer(question, text, False, checked.citations, sources, label, notice, analysis.confidence)


def stream_answer(
    question: str,
    retriever: Retriever,
    k: int = 5,
    mode: str = "hybrid",
    llm: ChatModel | None = None,
    where: SearchFilter | None = None,
) -> Iterator[str | Answer]:
    """`Answerer(retriever).stream(...)`: for one-off answers (an `Engine` keeps one answerer with its caches)."""
    return Answerer(retriever).stream(question, k, mode, llm, where)


def answer_question(
    question: str,
    retriever: Retriever,
    k: int = 5,
    mode: str = "hybrid",
    llm: ChatModel | None = None,
    where: SearchFilter | None = None,
) -> Answer:
    """Answer `question` from the index behind `retriever`, with `[n]` citations (see the module docstring)."""
    return Answerer(retriever).answer(question, k, mode, llm, where)


__all__ = ["EXTRACTIVE", "Answerer", "answer_question", "stream_answer"]
