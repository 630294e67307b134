"""Entry point (`rag ui`, or `streamlit run ui/app.py`): pages, shared sidebar, one-sentence errors."""

from __future__ import annotations

import streamlit as st

from ui import engine as shared
from ui import sidebar

st.set_page_config(page_title="Magazine Q&A", page_icon=":material/menu_book:", layout="wide")
st.set_option("client.showErrorDetails", "none")  # a person sees one sentence, never a traceback

page = st.navigation(
    [
        st.Page("pages/chat.py", title="Ask", icon=":material/chat:", default=True),
        st.Page("pages/articles.py", title="Articles", icon=":material/article:"),
        st.Page("pages/evaluation.py", title="Evaluation", icon=":material/analytics:"),
        st.Page("pages/manage_index.py", title="Index", icon=":material/database:"),
    ]
)

try:
    settings = shared.settings()
except ValueError as exc:  # a bad RAG_* variable
    st.error(shared.friendly(exc))
    st.stop()

engine = shared.engine_or_stop()
sidebar.render(engine, settings)

try:
    page.run()
except Exception as exc:  # st.stop/st.rerun are BaseExceptions and pass through
    st.error(shared.friendly(exc))
