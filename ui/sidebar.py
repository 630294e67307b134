"""Sidebar: the language switch (every page); retrieval, answerer, filters and index status (the Ask page only);
`options()` reads the Ask page's controls back."""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass

import streamlit as st

from rag import Engine, LLMConfig, SearchFilter, Settings
from rag.answer import timeouts_from_env
from rag.answer.chat import DEFAULT_TIMEOUT, ENV_API_KEY, ENV_BASE_URL, ENV_MODEL
from rag.config import AUTO, EXTRACTIVE, LOCAL
from rag.errors import RagError, describe
from rag.llm import model_installed
from rag.retrieval import MODES
from rag.text import language_of
from ui.i18n import LANG_NAMES, LANGS, ensure_lang, library_text, switched, t
from ui.render import local_time, md

ENDPOINT = "endpoint"
MAX_K_IN_UI = 20
# the Ask page's controls: kept in the session while another page (where they are not drawn) is open
CHAT_KEYS = (
    "mode",
    "k",
    "answerer",
    "llm_url",
    "llm_model",
    "llm_key",
    "llm_timeout",
    "filter_sections",
    "filter_docs",
)


@dataclass
class ChatOptions:
    mode: str
    k: int
    llm: LLMConfig | None
    llm_error: str | None
    where: SearchFilter | None
    auto: bool = False  # the local model answers English questions (`question_model`)


def keep_chat_controls() -> None:
    """Streamlit forgets a widget's value on a run that does not draw it; re-assigning keeps it."""
    for key in CHAT_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def language_switch() -> None:
    current = ensure_lang()
    st.session_state["lang_switch"] = current  # the control always shows the language in use
    st.sidebar.segmented_control(
        t("lang.label"),
        LANGS,
        key="lang_switch",
        format_func=LANG_NAMES.get,
        label_visibility="collapsed",
        on_change=switched,
    )


def render(engine: Engine | None, settings: Settings) -> None:
    """The Ask page's controls."""
    with st.sidebar:
        defaults = {
            "mode": "hybrid",
            "k": settings.retrieval.top_k,
            "answerer": settings.answerer if settings.answerer in (AUTO, LOCAL) and model_installed() else EXTRACTIVE,
            "llm_url": os.environ.get(ENV_BASE_URL, "http://127.0.0.1:8080/v1"),
            "llm_model": os.environ.get(ENV_MODEL, "default"),
            "llm_key": os.environ.get(ENV_API_KEY, ""),
            "llm_timeout": _env_timeouts()[0],
        }
        for key, value in defaults.items():  # set once; the widgets then read the session (no default passed)
            st.session_state.setdefault(key, value)
        st.subheader(t("side.retrieval"))
        st.selectbox(t("side.mode"), MODES, key="mode", help=t("side.mode.help"))
        st.slider(t("side.k"), 1, min(MAX_K_IN_UI, settings.limits.max_k), key="k")
        st.subheader(t("side.answerer"))
        names = {EXTRACTIVE: t("side.extractive")}
        if model_installed():  # the [llm] extra is installed
            names = {AUTO: t("side.auto"), **names, LOCAL: t("side.local")}
        names[ENDPOINT] = t("side.endpoint")
        choice = st.radio(
            t("side.answerer"), list(names), key="answerer", format_func=names.get, label_visibility="collapsed"
        )
        off = choice != ENDPOINT
        st.text_input(t("side.url"), key="llm_url", disabled=off)
        st.text_input(t("side.model"), key="llm_model", disabled=off)
        st.text_input(t("side.key"), key="llm_key", type="password", disabled=off)
        st.number_input(t("side.timeout"), 0.5, 600.0, step=0.5, key="llm_timeout", disabled=off)
        if engine is None:
            return
        docs = engine.index.documents
        st.subheader(t("side.filter"))
        sections = sorted({d.section for d in docs.values() if d.section})
        st.multiselect(t("side.sections"), sections, key="filter_sections", placeholder=t("side.sections.all"))
        articles = sorted((d for d in docs.values() if d.is_article), key=lambda d: (d.page or 0, d.title))
        titles = {d.id: d.title for d in articles}
        st.multiselect(
            t("side.articles"),
            list(titles),
            key="filter_docs",
            format_func=lambda i: titles.get(i, i),
            placeholder=t("side.articles.all"),
        )
        status(engine)


def status(engine: Engine) -> None:
    """What the reader is asking: how many documents and passages, built when; the model behind the search and the
    index's size in vectors folded away."""
    manifest = engine.index.manifest
    counts = manifest.get("counts", {})
    st.subheader(t("side.index"))
    documents = counts.get("documents", len(engine.index.documents))
    st.caption(t("side.counts", documents=documents, chunks=counts.get("chunks", len(engine.index.chunks))))
    if built := local_time(manifest.get("created_at")):
        st.caption(t("side.built", created=built))
    with st.expander(t("side.details"), expanded=False):
        model = manifest.get("model", {})
        st.caption(md(t("side.model_line", name=model.get("name", "?"), dimension=model.get("dimension", "?"))))
        seconds = manifest.get("build_seconds")
        shown = f"{seconds:.1f}" if isinstance(seconds, int | float) else "?"
        st.caption(t("side.vectors", vectors=counts.get("vectors", "?"), seconds=shown))


def _env_timeouts() -> tuple[float, float | None]:
    """The LLM time limits from the environment, the defaults when a value there is unusable."""
    try:
        timeout, total = timeouts_from_env()
    except ValueError:
        return DEFAULT_TIMEOUT, None
    return min(max(timeout, 0.5), 600.0), total


def _started(engine: Engine, answerer: str, question: str | None = None) -> tuple[LLMConfig | None, str | None]:
    """`engine.chat_model` for `answerer`, and the error text when the local model cannot start."""
    try:
        # the first use in this process writes the model from its parts and starts it: say so meanwhile
        starting = st.spinner(t("side.local.starting")) if engine.local_server is None else nullcontext()
        with starting:
            return engine.chat_model(question=question, answerer=answerer), None
    except RagError as exc:
        return None, library_text(describe(exc)[0])


def question_model(engine: Engine, opts: ChatOptions, question: str) -> tuple[LLMConfig | None, str | None]:
    """The chat model for `question` and the error text when it could not start: with the automatic answerer, the
    local model for an English question (started on the first one; after a failure, not tried again in this
    session), none for a Chinese one."""
    if not opts.auto or language_of(question) != "en" or st.session_state.get("auto_model_failed"):
        return opts.llm, None
    llm, error = _started(engine, AUTO, question)
    if error:
        st.session_state["auto_model_failed"] = True
    return llm, error


def options(engine: Engine) -> ChatOptions:
    state = st.session_state
    llm, error = None, None
    if state.get("answerer") == LOCAL:
        llm, error = _started(engine, LOCAL)
    elif state.get("answerer") == ENDPOINT:
        try:
            llm = LLMConfig(
                base_url=(state.get("llm_url") or "").strip(),
                model=(state.get("llm_model") or "").strip() or "default",
                api_key=(state.get("llm_key") or "").strip() or None,
                timeout=float(state.get("llm_timeout") or DEFAULT_TIMEOUT),
                total_timeout=_env_timeouts()[1],
            )
        except ValueError as exc:
            error = library_text(describe(exc)[0])
    sections = tuple(state.get("filter_sections") or ())
    documents = tuple(state.get("filter_docs") or ())
    where = SearchFilter(documents, sections) if (sections or documents) else None
    auto = state.get("answerer") == AUTO
    return ChatOptions(state.get("mode") or "hybrid", int(state.get("k") or 5), llm, error, where, auto)
