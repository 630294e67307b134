"""Entry point (`rag ui`, or `streamlit run ui/app.py`): pages, language switch, one-sentence errors.

The pages live in `ui/app_pages/`, not `ui/pages/`: Streamlit treats a `pages/` folder beside the entry point as
an old-style multipage app, and AppTest then skips this file (and the sidebar) on reruns.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import engine as shared
from ui import sidebar
from ui.i18n import error_text, t
from ui.render import CHROME_CSS, md

ICON = Path(__file__).with_name("icon.png")  # served by the app itself: a Material/emoji icon is fetched from a CDN

st.set_option("client.showErrorDetails", "none")  # a person sees one sentence, never a traceback
st.set_option("client.toolbarMode", "minimal")  # no Deploy button or developer menu in an offline tool
sidebar.keep_chat_controls()
sidebar.language_switch()
st.set_page_config(page_title=t("app.title"), page_icon=str(ICON), layout="wide")
st.html(CHROME_CSS)

page = st.navigation(
    [
        st.Page("app_pages/chat.py", title=t("nav.ask"), icon=":material/chat:", default=True),
        st.Page("app_pages/articles.py", title=t("nav.articles"), icon=":material/article:"),
        st.Page("app_pages/evaluation.py", title=t("nav.evaluation"), icon=":material/analytics:"),
        st.Page("app_pages/manage_index.py", title=t("nav.index"), icon=":material/database:", url_path="index"),
    ]
)
# the page shown on the previous run: Articles starts afresh when it is opened from the menu
st.session_state["previous_page"] = st.session_state.get("current_page")
st.session_state["current_page"] = page.url_path

try:
    settings = shared.settings()
except ValueError as exc:  # a bad RAG_* variable
    st.error(md(error_text(exc)))
    st.stop()

shared.engine_or_stop()

try:
    page.run()
except Exception as exc:  # st.stop/st.rerun are BaseExceptions and pass through
    st.error(md(error_text(exc)))
