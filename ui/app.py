"""Entry point (`rag ui`, or `streamlit run ui/app.py`): pages, shared sidebar, one-sentence errors.

The pages live in `ui/app_pages/`, not `ui/pages/`: Streamlit treats a `pages/` folder beside the entry point as
an old-style multipage app, and AppTest then skips this file (and the sidebar) on reruns.
"""

from __future__ import annotations

import streamlit as st

from ui import engine as shared
from ui import sidebar
from ui.render import md

st.set_page_config(page_title="Magazine Q&A", page_icon=":material/menu_book:", layout="wide")
st.set_option("client.showErrorDetails", "none")  # a person sees one sentence, never a traceback

page = st.navigation(
    [
        st.Page("app_pages/chat.py", title="Ask", icon=":material/chat:", default=True),
        st.Page("app_pages/articles.py", title="Articles", icon=":material/article:"),
        st.Page("app_pages/evaluation.py", title="Evaluation", icon=":material/analytics:"),
        st.Page("app_pages/manage_index.py", title="Index", icon=":material/database:", url_path="index"),
    ]
)

try:
    settings = shared.settings()
except ValueError as exc:  # a bad RAG_* variable
    st.error(md(shared.friendly(exc)))
    st.stop()

engine = shared.engine_or_stop()
sidebar.render(engine, settings)

try:
    page.run()
except Exception as exc:  # st.stop/st.rerun are BaseExceptions and pass through
    st.error(md(shared.friendly(exc)))
