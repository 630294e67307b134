"""Articles page: the indexed documents with a search box, and a reading view (opened at a cited passage)."""

from __future__ import annotations

import hashlib
from collections import Counter

import streamlit as st

from rag.types import Document
from ui import engine as shared
from ui.i18n import name, t
from ui.render import article_html, md


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _link_target(docs: dict[str, Document]) -> tuple[str | None, tuple[int, int] | None, tuple[int, int] | None]:
    """The document, passage and quote a source link asked for (`?doc=…&start=…&end=…&qs=…&qe=…`)."""
    params = st.query_params
    doc_id = params.get("doc")
    if doc_id not in docs:
        return None, None, None
    n = len(docs[doc_id].text)
    start, end, qs, qe = (_int(params.get(k)) for k in ("start", "end", "qs", "qe"))
    passage = (start, end) if start is not None and end is not None and 0 <= start < end <= n else None
    quote = (qs, qe) if qs is not None and qe is not None and 0 <= qs < qe <= n else None
    return doc_id, passage, quote


def _matches(doc: Document, needle: str) -> bool:
    hay = " ".join([doc.title, " ".join(doc.authors), doc.section or "", doc.kind]).lower()
    return needle in hay or needle in doc.text.lower()


SHOW = {
    "bylined": lambda d: d.kind == "article",
    "pieces": lambda d: d.is_article,  # also the preface, commentary and news
    "all": lambda d: True,  # also covers, adverts, contents and masthead
}
SHOW_LABELS = {"bylined": "art.show.bylined", "pieces": "art.show.pieces", "all": "art.show.all"}


def _meta_line(doc: Document, chunks: int) -> str:
    """One line: authors (affiliations) · section · page · issue · number of passages."""
    people = " ".join(doc.authors)
    if doc.affiliations:  # an affiliation usually repeats the name ("孙凝晖 中国工程院院士"): then it replaces it
        named = all(any(a in f for f in doc.affiliations) for a in doc.authors)
        people = "；".join(doc.affiliations) if named else f"{people}（{'；'.join(doc.affiliations)}）"
    bits = [people, doc.section or "", f"P{doc.page}" if doc.page else "", doc.issue.label(), t("art.chunks", n=chunks)]
    return " · ".join(b for b in bits if b)


engine = shared.engine_or_stop()
if st.session_state.get("previous_page") not in (None, "articles") and not st.query_params.get("doc"):
    st.session_state.pop("reader_current", None)  # opened from the menu: start at the list, not the last article
    st.session_state.pop("_followed_link", None)
docs = engine.index.documents
chunk_counts = Counter(c.doc_id for c in engine.index.chunks)
linked, passage, quote = _link_target(docs)

link = st.query_params.to_dict()
if linked and st.session_state.get("_followed_link") != link:
    st.session_state["_followed_link"] = link
    st.session_state["reader_current"] = linked  # a source link was followed: open that article
current = st.session_state.get("reader_current")
at_passage = bool(linked and passage and current == linked)

st.title(t("art.title"))
# opened from a source link: the reading view comes first, the list folds away
browse = st.expander(t("art.browse"), expanded=False) if at_passage else st.container()
with browse:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    needle = left.text_input(t("art.search"), key="articles_search").strip().lower()
    show = right.selectbox(
        t("art.show"), list(SHOW), key="articles_show", format_func={k: t(v) for k, v in SHOW_LABELS.items()}.get
    )
    listed = [d for d in docs.values() if SHOW[show](d) and (not needle or _matches(d, needle))]
    listed.sort(key=lambda d: (d.page is None, d.page or 0, d.title))
    st.caption(t("art.count", n=len(listed), total=len(docs)))
    st.dataframe(
        [
            {
                t("art.col.title"): d.title,
                t("art.col.authors"): " ".join(d.authors),
                t("art.col.section"): d.section or "",
                t("art.col.page"): d.page,
                t("art.col.chunks"): chunk_counts.get(d.id, 0),
                t("art.col.kind"): name("kind", d.kind),
            }
            for d in listed
        ],
        hide_index=True,
        column_config={
            t("art.col.page"): st.column_config.NumberColumn(format="%d"),
            t("art.col.chunks"): st.column_config.NumberColumn(),
        },
    )

choices = [d.id for d in listed]
if linked and linked not in choices:
    choices.insert(0, linked)
if not choices:
    st.info(t("art.no_match"))
    st.stop()
# the key changes with the list (and the link), so the box always shows the document that is displayed
key = "reader_" + hashlib.sha1(repr((choices, link)).encode()).hexdigest()[:12]
doc_id = st.selectbox(
    t("art.read"),
    choices,
    index=choices.index(current) if current in choices else 0,
    key=key,
    format_func=lambda i: docs[i].title,
)
st.session_state["reader_current"] = doc_id
doc = docs[doc_id]

st.divider()
st.header(md(doc.title))
st.caption(md(_meta_line(doc, chunk_counts.get(doc.id, 0))))

if doc_id == linked and passage:
    # only a cited passage comes with its quote (qs/qe): an uncited one is shaded, and the banner claims no citation
    st.info(t("art.opened") if quote else t("art.opened.passage"), icon=":material/format_quote:")
    before = doc.text[: passage[0]]
    if before.strip():
        with st.expander(t("art.before", n=len(before))):
            st.html(article_html(before))
    rest = doc.text[passage[0] :]
    quotes = [(quote[0] - passage[0], quote[1] - passage[0])] if quote else []
    st.html(article_html(rest, (0, passage[1] - passage[0]), quotes))
else:
    st.html(article_html(doc.text))
