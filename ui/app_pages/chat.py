"""Ask page: chat history, streamed cited answers, sources, follow-ups, feedback."""

from __future__ import annotations

import uuid

import streamlit as st

from rag import Answer, QueryError
from rag.evaluation import evaluation_lines, export_jsonl, feedback_path, read_feedback
from ui import engine as shared
from ui import sidebar
from ui.chat_view import ChatTurn, render_answer, render_turn
from ui.render import md

settings = shared.settings()
engine = shared.engine_or_stop()
opts = sidebar.options()
turns: list[ChatTurn] = st.session_state.setdefault("turns", [])

head, button = st.columns([3, 1], vertical_alignment="bottom")
head.title("Ask the magazine")
button.button("New conversation", icon=":material/add_comment:", on_click=lambda: st.session_state.turns.clear())
st.caption(f"{len(engine.index.documents)} documents · answers cite passages as [n] · mode {opts.mode}, k={opts.k}")
if problem := st.session_state.pop("feedback_error", None):
    st.error(md(problem))
if opts.llm_error:
    st.warning(md(opts.llm_error + " Answering extractively."))

for i, turn in enumerate(turns):
    render_turn(turn, settings.home, latest=i == len(turns) - 1)

prompt = st.chat_input(
    "Ask a question about the magazine (中文 or English)…", max_chars=settings.limits.max_query_chars
)

if prompt is not None:
    turn = ChatTurn(uuid.uuid4().hex, prompt, prompt)
    with st.chat_message("user"):
        st.markdown(md(prompt))
    with st.chat_message("assistant"):
        try:
            limit = settings.limits.max_query_chars
            answered = [t for t in turns if t.answer is not None]
            previous = answered[-1].as_context() if answered else None
            step = engine.answerer.converse(prompt, previous, opts.k, opts.mode, opts.llm, opts.where)
            turn.question, turn.query, stream = step
            if len(prompt) >= limit:  # the input box (and Streamlit's server) cut longer input
                st.info(f"Questions are limited to {limit} characters; anything longer is cut.")
            if turn.folded:
                st.caption("Follow-up, searched as: " + md(turn.query))

            def pieces():
                for piece in stream:
                    if isinstance(piece, Answer):
                        turn.answer = piece
                    else:
                        yield md(piece)

            live = st.empty()
            with live.container():
                st.write_stream(pieces())
            if turn.answer is not None:  # the final text is authoritative (citation check, fallback)
                live.markdown(md(turn.answer.text))
        except QueryError as exc:
            turn.error = shared.friendly(exc)
            turn.question = turn.query = prompt if len(prompt) <= 200 else prompt[:200] + "…"
            st.error(md(turn.error))
        except Exception as exc:
            turn.error = shared.friendly(exc)
            st.error(md(turn.error))
        render_answer(turn, settings.home, latest=True)
    turns.append(turn)

rated = read_feedback(feedback_path(settings.home))
if rated:
    with st.expander(f"Feedback ({len(rated)} ratings stored in {feedback_path(settings.home).name})"):
        lines = evaluation_lines(rated)
        st.caption(f"{len(lines)} thumbs-up answers with citations can become evaluation questions.")
        st.download_button(
            "Download as evaluation set (JSONL)",
            export_jsonl(rated),
            file_name="feedback_eval.jsonl",
            mime="application/jsonl",
            disabled=not lines,
            icon=":material/download:",
        )
