"""Sidebar: retrieval mode and k, answerer, filters and index status; `options()` reads them back for a page."""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from rag import Engine, LLMConfig, SearchFilter, Settings
from rag.answer import timeouts_from_env
from rag.answer.chat import DEFAULT_TIMEOUT, ENV_API_KEY, ENV_BASE_URL, ENV_MODEL
from rag.retrieval import MODES
from ui.engine import friendly

EXTRACTIVE = "Extractive (offline)"
ENDPOINT = "OpenAI-compatible endpoint"
MAX_K_IN_UI = 20


@dataclass
class ChatOptions:
    mode: str
    k: int
    llm: LLMConfig | None
    llm_error: str | None
    where: SearchFilter | None


def render(engine: Engine | None, settings: Settings) -> None:
    with st.sidebar:
        st.subheader("Retrieval")
        st.selectbox("Mode", MODES, key="mode", help="hybrid = dense + BM25 fused")
        st.slider("Passages (k)", 1, min(MAX_K_IN_UI, settings.limits.max_k), settings.retrieval.top_k, key="k")
        st.subheader("Answerer")
        choice = st.radio("Answerer", (EXTRACTIVE, ENDPOINT), key="answerer", label_visibility="collapsed")
        off = choice != ENDPOINT
        st.text_input("Base URL", os.environ.get(ENV_BASE_URL, "http://127.0.0.1:8080/v1"), key="llm_url", disabled=off)
        st.text_input("Model", os.environ.get(ENV_MODEL, "default"), key="llm_model", disabled=off)
        st.text_input("API key", os.environ.get(ENV_API_KEY, ""), key="llm_key", type="password", disabled=off)
        st.number_input("Timeout (s)", 0.5, 600.0, _env_timeouts()[0], 0.5, key="llm_timeout", disabled=off)
        if engine is None:
            return
        docs = engine.index.documents
        st.subheader("Filter")
        sections = sorted({d.section for d in docs.values() if d.section})
        st.multiselect("Sections", sections, key="filter_sections", placeholder="all sections")
        articles = sorted((d for d in docs.values() if d.is_article), key=lambda d: (d.page or 0, d.title))
        titles = {d.id: d.title for d in articles}
        st.multiselect(
            "Articles",
            list(titles),
            key="filter_docs",
            format_func=lambda i: titles.get(i, i),
            placeholder="all documents",
        )
        status(engine)


def status(engine: Engine) -> None:
    manifest = engine.index.manifest
    counts = manifest.get("counts", {})
    st.subheader("Index")
    model = manifest.get("model", {})
    st.caption(f"Model: {model.get('name', '?')} ({model.get('dimension', '?')} dimensions)")
    st.caption(
        f"{counts.get('documents', len(engine.index.documents))} documents · "
        f"{counts.get('chunks', len(engine.index.chunks))} chunks · {counts.get('vectors', '?')} vectors"
    )
    st.caption(f"Built {manifest.get('created_at', '?')} in {manifest.get('build_seconds', '?')} s")


def _env_timeouts() -> tuple[float, float | None]:
    """The LLM time limits from the environment, the defaults when a value there is unusable."""
    try:
        timeout, total = timeouts_from_env()
    except ValueError:
        return DEFAULT_TIMEOUT, None
    return min(max(timeout, 0.5), 600.0), total


def options() -> ChatOptions:
    state = st.session_state
    llm, error = None, None
    if state.get("answerer") == ENDPOINT:
        try:
            llm = LLMConfig(
                base_url=(state.get("llm_url") or "").strip(),
                model=(state.get("llm_model") or "").strip() or "default",
                api_key=(state.get("llm_key") or "").strip() or None,
                timeout=float(state.get("llm_timeout") or DEFAULT_TIMEOUT),
                total_timeout=_env_timeouts()[1],
            )
        except ValueError as exc:
            error = friendly(exc)
    sections = tuple(state.get("filter_sections") or ())
    documents = tuple(state.get("filter_docs") or ())
    where = SearchFilter(documents, sections) if (sections or documents) else None
    return ChatOptions(state.get("mode") or "hybrid", int(state.get("k") or 5), llm, error, where)
