"""Pieces of the chat page: one answer with its sources, and the feedback hook."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from rag.answer import Answer, Turn
from rag.evaluation import append_feedback, feedback_path, feedback_record
from ui.render import highlight_html, md, source_meta


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

    def as_context(self) -> Turn:
        """What the next question may fold in: this search and the titles it cited."""
        titles: list[str] = []
        cited: tuple[str, ...] = ()
        if self.answer is not None:
            cited = tuple(dict.fromkeys(c.chunk_id for c in self.answer.citations))
            by_n = {s.n: s for s in self.answer.sources}
            titles = [by_n[c.n].document.title for c in self.answer.citations if c.n in by_n]
            titles = titles or [s.document.title for s in self.answer.sources[:1]]
        return Turn(self.question, self.query, tuple(titles), cited)


def doc_span(source, span: tuple[int, int]) -> tuple[int, int]:
    """A passage-relative span as offsets in the whole document."""
    return source.chunk.start + span[0], source.chunk.start + span[1]


def render_sources(answer: Answer, expanded: bool) -> None:
    cited = {c.n for c in answer.citations}
    label = f"Sources ({len(answer.sources)}; cited: {', '.join(f'[{n}]' for n in sorted(cited)) or 'none'})"
    with st.expander(label, expanded=expanded):
        if not answer.sources:
            st.caption("No passage matched.")
        for source in answer.sources:
            doc = source.document
            spans = [c.span for c in answer.citations if c.n == source.n]
            mark = " — cited" if source.n in cited else ""
            st.markdown(f"**{md(f'[{source.n}] 《{doc.title}》')}**{md(mark)}")
            st.caption(source_meta(doc.authors, doc.section, doc.page, source.score))
            st.html(highlight_html(source.passage, spans))
            where = doc_span(source, spans[0]) if spans else (source.chunk.start, source.chunk.end)
            st.page_link(
                "app_pages/articles.py",
                label="Open the article at this passage",
                icon=":material/open_in_new:",
                query_params={
                    "doc": doc.id,
                    "start": str(source.chunk.start),
                    "end": str(source.chunk.end),
                    "qs": str(where[0]),
                    "qe": str(where[1]),
                },
            )


def save_rating(turn: ChatTurn, key: str, home) -> None:
    """on_change of st.feedback: append the rating with question, answer and sources."""
    if turn.answer is None:
        return
    rating = st.session_state.get(key)
    try:
        append_feedback(feedback_path(home), feedback_record(turn.id, rating, turn.question, turn.query, turn.answer))
    except OSError as exc:  # shown by the chat page on this run
        from ui.engine import friendly

        st.session_state["feedback_error"] = "Could not store the rating: " + friendly(exc)


def render_answer(turn: ChatTurn, home, latest: bool) -> None:
    """Everything under the assistant avatar except the streamed text: notice, sources, feedback."""
    answer = turn.answer
    if answer is None:
        return
    if answer.notice:
        st.warning(md(answer.notice[:1].upper() + answer.notice[1:]), icon=":material/info:")
    render_sources(answer, expanded=latest)
    key = f"fb-{turn.id}"
    st.feedback("thumbs", key=key, on_change=save_rating, args=(turn, key, home))


def render_turn(turn: ChatTurn, home, latest: bool) -> None:
    with st.chat_message("user"):
        st.markdown(md(turn.question))
    with st.chat_message("assistant"):
        if turn.error:
            st.error(md(turn.error))
            return
        if turn.folded:
            st.caption("Follow-up, searched as: " + md(turn.query))
        if turn.answer is not None:
            st.markdown(md(turn.answer.text))
        render_answer(turn, home, latest)
