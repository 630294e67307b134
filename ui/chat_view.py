"""Pieces of the chat page: one answer with its sources, the feedback hook, saved conversations."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from rag.answer import (
    Answer,
    Conversation,
    Source,
    Turn,
    answer_with_references,
    marker_citations,
    restore_answer,
    turn_record,
)
from rag.evaluation import append_feedback, feedback_path, feedback_record
from ui.i18n import error_text, library_text, t
from ui.render import anchor, answer_html, md, source_card_html, source_meta


@dataclass
class ChatTurn:
    """One question and its outcome, kept in `st.session_state.turns`."""

    id: str
    question: str
    query: str
    answer: Answer | None = None
    error: str | None = None

    @property
    def folded(self) -> bool:
        return self.query != self.question

    def as_context(self, earlier: Turn | None = None) -> Turn:
        """What the next question may fold in (`Turn.after`; `earlier`: the context of the turn before this one)."""
        return Turn.after(self.question, self.query, self.answer, earlier)

    def record(self) -> dict:
        return turn_record(self.id, self.question, self.query, self.answer, self.error)

    @classmethod
    def restore(cls, data: dict, engine) -> ChatTurn:
        """A saved turn against the current index (passages no longer indexed are left out)."""
        chunks = {c.id: c for c in engine.index.chunks}
        answer = restore_answer(data["answer"], chunks, engine.index.documents) if data.get("answer") else None
        return cls(
            str(data["id"]),
            str(data["question"]),
            str(data.get("query") or data["question"]),
            answer,
            data.get("error"),
        )


def doc_span(source, span: tuple[int, int]) -> tuple[int, int]:
    """A passage-relative span as offsets in the whole document."""
    return source.chunk.start + span[0], source.chunk.start + span[1]


def _source(turn_id: str, source: Source, spans: list[tuple[int, int]]) -> None:
    doc = source.document
    meta = source_meta(doc.authors, doc.section, doc.page)
    head = f"[{source.n}] 《{doc.title}》"
    st.html(
        source_card_html(head, meta, source.passage, spans, element_id=anchor(turn_id, source.n), full=t("src.full"))
    )
    link = {"doc": doc.id, "start": str(source.chunk.start), "end": str(source.chunk.end)}
    if spans:  # the cited sentence is highlighted there; an uncited passage is only shaded
        qs, qe = doc_span(source, spans[0])
        link |= {"qs": str(qs), "qe": str(qe)}
    st.page_link("app_pages/articles.py", label=t("src.open"), icon=":material/open_in_new:", query_params=link)


def render_sources(turn_id: str, answer: Answer, latest: bool) -> None:
    """Cited sources first (the cited sentence in context, the passage one click away), the others folded away (also
    when nothing is cited: they are what was read, not an answer); an earlier turn's sources are folded away
    entirely."""
    spans = {s.n: [c.span for c in answer.citations if c.n == s.n] for s in answer.sources}
    cited = [s for s in answer.sources if spans[s.n]]
    others = [s for s in answer.sources if not spans[s.n]]
    if not latest:
        marks = ", ".join(f"[{s.n}]" for s in cited) or t("src.none")
        with st.expander(t("src.all", n=len(answer.sources), cited=marks), expanded=False):
            for source in cited + others:
                _source(turn_id, source, spans[source.n])
        return
    if not answer.sources:
        st.caption(t("src.no_match"))
        return
    for source in cited:
        _source(turn_id, source, spans[source.n])
    if others:
        with st.expander(t("src.other", n=len(others)), expanded=False):  # read, not cited: one click away
            for source in others:
                _source(turn_id, source, [])


def save_rating(turn: ChatTurn, key: str, home) -> None:
    """on_change of st.feedback: append the rating with question, answer and sources."""
    if turn.answer is None:
        return
    rating = st.session_state.get(key)
    try:
        append_feedback(feedback_path(home), feedback_record(turn.id, rating, turn.question, turn.query, turn.answer))
    except OSError as exc:  # shown by the chat page on this run
        st.session_state["feedback_error"] = t("chat.feedback_error", error=error_text(exc))


def answer_cards(answer: Answer) -> list[tuple[str, str] | None]:
    """The `[n]` hover card of each marker of the answer text, in order: the source's title and the sentence that
    marker cites (`marker_citations`); None for a marker of no known source or citation."""
    by_n = {s.n: s for s in answer.sources}
    return [
        (f"[{c.n}] 《{by_n[c.n].document.title}》", c.quote) if c is not None and c.n in by_n else None
        for c in marker_citations(answer.text, answer.citations)
    ]


def show_answer_text(turn: ChatTurn) -> None:
    if turn.answer is not None:
        st.html(answer_html(turn.answer.text, turn.id, answer_cards(turn.answer)))


def render_answer(turn: ChatTurn, home, latest: bool) -> None:
    """Everything under the assistant avatar except the answer text: notice, sources, copy, feedback."""
    answer = turn.answer
    if answer is None:
        return
    if answer.notice:
        st.warning(md(library_text(answer.notice)), icon=":material/info:")
    render_sources(turn.id, answer, latest)
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left.popover(t("chat.copy"), icon=":material/content_copy:"):
        st.caption(t("chat.copy.help"))
        st.code(answer_with_references(answer), language=None, wrap_lines=True)
    key = f"fb-{turn.id}"
    with right:
        st.feedback("thumbs", key=key, on_change=save_rating, args=(turn, key, home))


FOLLOW_UP_CHARS = 40  # of the previous question, in the caption over a follow-up


def follow_up_caption(turn: ChatTurn, previous: ChatTurn | None) -> None:
    """Over a follow-up's answer: which earlier question it was searched with, in words; the text actually searched
    (question, previous search and titles run together) only in the caption's tooltip."""
    if previous is not None and previous.question[:FOLLOW_UP_CHARS] in turn.query:
        asked = previous.question
        shown = asked if len(asked) <= FOLLOW_UP_CHARS else asked[: FOLLOW_UP_CHARS - 1] + "…"
        line = t("chat.follow_up", question=shown)
    else:  # a long follow-up carries its own topic: only the titles the last answer cited were added
        line = t("chat.follow_up.titles")
    st.caption(md(line), help=md(t("chat.follow_up.help", query=turn.query)))


def render_turn(turn: ChatTurn, home, latest: bool, previous: ChatTurn | None = None) -> None:
    """One question and its answer; `previous` is the last answered turn before it (what a follow-up folds in)."""
    with st.chat_message("user"):
        st.markdown(md(turn.question))
    with st.chat_message("assistant"):
        if turn.error:
            st.error(md(turn.error))
            return
        if turn.folded:
            follow_up_caption(turn, previous)
        show_answer_text(turn)
        render_answer(turn, home, latest)


def conversation_of(turns: list[ChatTurn], conversation: Conversation) -> Conversation:
    conversation.turns = [turn.record() for turn in turns]
    return conversation
