"""Articles page: the indexed documents with a search box, and a reading view (opened at a cited passage)."""

from __future__ import annotations

import hashlib
from collections import Counter

import streamlit as st

from rag.types import Document
from ui import engine as shared
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
    "Bylined articles": lambda d: d.kind == "article",
    "All pieces": lambda d: d.is_article,  # also the preface, commentary and news
    "Everything": lambda d: True,  # also covers, adverts, contents and masthead
}

engine = shared.engine_or_stop()
docs = engine.index.documents
chunk_counts = Counter(c.doc_id for c in engine.index.chunks)
linked, passage, quote = _link_target(docs)

link = st.query_params.to_dict()
if linked and st.session_state.get("_followed_link") != link:
    st.session_state["_followed_link"] = link
    st.session_state["reader_current"] = linked  # a source link was followed: open that article
current = st.session_state.get("reader_current")
at_passage = bool(linked and passage and current == linked)

st.title("Articles")
# opened from a source link: the reading view comes first, the list folds away
browse = st.expander("Browse and search the documents", expanded=False) if at_passage else st.container()
with browse:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    needle = left.text_input("Search titles, authors, sections and text", key="articles_search").strip().lower()
    show = right.selectbox("Show", list(SHOW), key="articles_show")
    listed = [d for d in docs.values() if SHOW[show](d) and (not needle or _matches(d, needle))]
    listed.sort(key=lambda d: (d.page is None, d.page or 0, d.title))
    st.caption(f"{len(listed)} of {len(docs)} documents")
    st.dataframe(
        [
            {
                "title": d.title,
                "authors": " ".join(d.authors),
                "section": d.section or "",
                "page": d.page,
                "chunks": chunk_counts.get(d.id, 0),
                "kind": d.kind,
            }
            for d in listed
        ],
        hide_index=True,
        column_config={"page": st.column_config.NumberColumn(format="%d"), "chunks": st.column_config.NumberColumn()},
    )

choices = [d.id for d in listed]
if linked and linked not in choices:
    choices.insert(0, linked)
if not choices:
    st.info("No document matches the search.")
    st.stop()
# the key changes with the list (and the link), so the box always shows the document that is displayed
key = "reader_" + hashlib.sha1(repr((choices, link)).encode()).hexdigest()[:12]
doc_id = st.selectbox(
    "Read",
    choices,
    index=choices.index(current) if current in choices else 0,
    key=key,
    format_func=lambda i: docs[i].title,
)
st.session_state["reader_current"] = doc_id
doc = docs[doc_id]

st.divider()
st.header(md(doc.title))
meta = [
    " ".join(doc.authors),
    "；".join(doc.affiliations),
    doc.section or "",
    f"P{doc.page}" if doc.page else "",
    doc.issue.label(),
    f"{chunk_counts.get(doc.id, 0)} chunks",
]
st.caption(md(" · ".join(m for m in meta if m)))

if doc_id == linked and passage:
    st.info(
        "Opened at the passage you came from: the passage is shaded, the cited sentence highlighted.",
        icon=":material/format_quote:",
    )
    before = doc.text[: passage[0]]
    if before.strip():
        with st.expander(f"Text before this passage ({len(before)} characters)"):
            st.html(article_html(before))
    rest = doc.text[passage[0] :]
    quotes = [(quote[0] - passage[0], quote[1] - passage[0])] if quote else []
    st.html(article_html(rest, (0, passage[1] - passage[0]), quotes))
else:
    st.html(article_html(doc.text))
