"""Ask page: chat history, a status while the answer is prepared, cited answers, sources, follow-ups, feedback,
saved conversations (sidebar) and example questions on an empty chat."""

from __future__ import annotations

import uuid

import streamlit as st

from rag import Answer, QueryError
from rag.answer import Conversation, ConversationStore, example_questions, title_of
from rag.evaluation import evaluation_lines, export_jsonl, feedback_path, read_feedback
from rag.retrieval import check_query
from ui import engine as shared
from ui import sidebar
from ui.chat_view import ChatTurn, conversation_of, follow_up_caption, render_turn
from ui.i18n import error_text, lang, t
from ui.render import answer_html, md

settings = shared.settings()
engine = shared.engine_or_stop()
store = ConversationStore.under(settings.home)
turns: list[ChatTurn] = st.session_state.setdefault("turns", [])


def new_conversation() -> None:
    st.session_state.turns = []
    st.session_state.pop("conversation", None)


def open_conversation(conversation_id: str) -> None:
    conversation = store.load(conversation_id)
    if conversation is None:
        return
    st.session_state.turns = [ChatTurn.restore(data, engine) for data in conversation.turns]
    st.session_state.conversation = conversation


def rename_conversation(conversation_id: str) -> None:
    store.rename(conversation_id, st.session_state.get("conversation_name") or "")
    current = st.session_state.get("conversation")
    if current is not None and current.id == conversation_id:
        st.session_state.conversation = store.load(conversation_id) or current


def delete_conversation(conversation_id: str) -> None:
    store.delete(conversation_id)
    current = st.session_state.get("conversation")
    if current is not None and current.id == conversation_id:
        new_conversation()


def history() -> None:
    current = st.session_state.get("conversation")
    with st.sidebar:
        st.subheader(t("side.history"))
        saved = store.list()[:20]
        if not saved:
            st.caption(t("side.history.none"))
        for conversation in saved:
            mine = current is not None and conversation.id == current.id
            st.button(
                conversation.title or "…",
                key=f"conv-{conversation.id}",
                on_click=open_conversation,
                args=(conversation.id,),
                type="primary" if mine else "tertiary",
                icon=":material/chat_bubble:",
                width="stretch",  # every title starts at the same place (ui.render.CHROME_CSS lays the row out)
            )
        if current is not None:
            with st.popover(t("side.history.rename") + " / " + t("side.history.delete"), icon=":material/edit:"):
                st.text_input(t("side.history.name"), current.title, key="conversation_name")
                st.button(t("side.history.save"), on_click=rename_conversation, args=(current.id,))
                st.button(
                    t("side.history.delete"), on_click=delete_conversation, args=(current.id,), icon=":material/delete:"
                )


def save_turns() -> None:
    conversation = st.session_state.get("conversation")
    if conversation is None:
        conversation = Conversation(title=title_of(turns[0].question))
        st.session_state.conversation = conversation
    try:
        store.save(conversation_of(turns, conversation))
    except OSError as exc:
        st.warning(md(t("chat.saved_error", error=error_text(exc))))


def answer(prompt: str) -> ChatTurn:
    """Ask the engine, showing searching / reading n passages / writing while the answer is prepared."""
    turn = ChatTurn(uuid.uuid4().hex, prompt, prompt)
    status = st.status(t("chat.searching"), expanded=False)
    note, live = st.empty(), st.empty()
    answered = [done for done in turns if done.answer is not None]
    before = answered[-1] if answered else None
    previous = None
    for done in answered:  # a chain of "what else?" carries what each answer said
        previous = done.as_context(previous)
    check_query(prompt, opts.k, opts.mode, settings.limits)  # unusable input never starts the local model
    llm, problem = sidebar.question_model(engine, opts, prompt)
    if problem:
        st.warning(md(t("chat.llm_fallback", error=problem)))
    turn.question, turn.query, stream = engine.answerer.converse(prompt, previous, opts.k, opts.mode, llm, opts.where)
    status.update(label=t("chat.reading", n=opts.k))
    if turn.folded:
        with note.container():
            follow_up_caption(turn, before)
    pieces: list[str] = []
    for piece in stream:
        if isinstance(piece, Answer):
            turn.answer = piece
            continue
        if not pieces:
            status.update(label=t("chat.writing"))
        pieces.append(piece)
        live.html(answer_html("".join(pieces), turn.id, []))
    n = len(turn.answer.sources) if turn.answer is not None else 0
    status.update(label=t("chat.done", n=n), state="complete")
    if len(prompt) >= settings.limits.max_query_chars:  # the input box (and Streamlit's server) cut longer input
        st.session_state["chat_notice"] = t("chat.too_long", limit=settings.limits.max_query_chars)
    return turn


def start_page() -> None:
    st.caption(t("chat.empty", documents=len(engine.index.documents)))
    st.markdown(t("chat.examples"))
    for i, question in enumerate(example_questions(engine.index.documents.values(), 4, english=lang() == "en")):
        if st.button(question, key=f"example-{i}", icon=":material/help:"):
            st.session_state["example_question"] = question
            st.rerun()


head, button = st.columns([3, 1], vertical_alignment="bottom")
head.title(t("chat.title"))
button.button(t("chat.new"), icon=":material/add_comment:", on_click=new_conversation)
history()
sidebar.render(engine, settings)
opts = sidebar.options(engine)
st.caption(t("chat.caption", documents=len(engine.index.documents), mode=opts.mode, k=opts.k))
if problem := st.session_state.pop("feedback_error", None):
    st.error(md(problem))
if opts.llm_error:
    st.warning(md(t("chat.llm_fallback", error=opts.llm_error)))

for i, turn in enumerate(turns):
    earlier = [done for done in turns[:i] if done.answer is not None]  # what `answer` folded in, as it did
    render_turn(turn, settings.home, latest=i == len(turns) - 1, previous=earlier[-1] if earlier else None)

if notice := st.session_state.pop("chat_notice", None):
    st.info(md(notice))

prompt = st.chat_input(t("chat.input"), max_chars=settings.limits.max_query_chars)
prompt = prompt if prompt is not None else st.session_state.pop("example_question", None)
if prompt is None and not turns:
    with st.container():  # one block: the first question's message replaces all of it at once
        start_page()

if prompt is not None:
    with st.chat_message("user"):
        st.markdown(md(prompt))
    with st.chat_message("assistant"):
        try:
            turn = answer(prompt)
        except QueryError as exc:
            turn = ChatTurn(uuid.uuid4().hex, prompt if len(prompt) <= 200 else prompt[:200] + "…", "")
            turn.query = turn.question
            turn.error = error_text(exc)
            st.error(md(turn.error))
        except Exception as exc:
            turn = ChatTurn(uuid.uuid4().hex, prompt, prompt, error=error_text(exc))
            st.error(md(turn.error))
    turns.append(turn)
    save_turns()
    st.rerun()  # draw the finished turn the same way as every other (earlier sources fold away)

rated = read_feedback(feedback_path(settings.home))
if rated:
    with st.expander(t("chat.feedback", n=len(rated), file=feedback_path(settings.home).name)):
        lines = evaluation_lines(rated)
        st.caption(t("chat.feedback.lines", n=len(lines)))
        st.download_button(
            t("chat.feedback.download"),
            export_jsonl(rated),
            file_name="feedback_eval.jsonl",
            mime="application/jsonl",
            disabled=not lines,
            icon=":material/download:",
        )
