"""Index page: upload .txt/.md files, (re)build the index with progress, show the manifest."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rag import rebuild_engine
from rag.ingest import bundled_corpus
from ui import engine as shared
from ui.i18n import error_text, t
from ui.render import local_time, md
from ui.uploads import TEXT_TYPES, SavedUploads, save_uploads, stored_files, uploads_dir

settings = shared.settings()
engine = shared.engine_or_stop()
holder = shared.holder()
folder = uploads_dir(settings.home)
manifest = engine.index.manifest

st.title(t("ix.title"))
counts = manifest.get("counts", {})
a, b, c, d = st.columns(4)
a.metric(t("ix.documents"), counts.get("documents", "?"))
b.metric(t("ix.chunks"), counts.get("chunks", "?"))
c.metric(t("ix.vectors"), counts.get("vectors", "?"))
d.metric(t("ix.build_time"), t("ix.seconds", s=f"{manifest.get('build_seconds', 0):.1f}"))
st.caption(
    md(
        t(
            "ix.built",
            created=local_time(manifest.get("created_at")) or "?",
            model=manifest.get("model", {}).get("name", "?"),
            path=engine.index.path,
        )
    )
)
with st.expander(t("ix.manifest")):
    st.json(manifest, expanded=1)

if notice := st.session_state.pop("index_notice", None):
    st.success(md(notice))

st.subheader(t("ix.rebuild"))
recorded = [Path(s) for s in manifest.get("sources", [])]
mine = (bundled_corpus().resolve(), folder.resolve())
others = [s for s in recorded if s.exists() and s.resolve() not in mine and s.resolve().parent != folder.resolve()]
bundled = st.checkbox(t("ix.bundled"), value=True, key="index_bundled")
keep = [s for s in others if st.checkbox(md(t("ix.keep", path=s)), value=True, key=f"index_keep_{s}")]
stored = stored_files(folder)
kept_uploads = (
    st.multiselect(t("ix.uploads"), stored, default=stored, key="index_uploads", format_func=lambda p: p.name)
    if stored
    else []
)
files = st.file_uploader(
    t("ix.add"),
    type=[t.lstrip(".") for t in TEXT_TYPES],
    accept_multiple_files=True,
    key="index_files",
    max_upload_size=max(1, settings.limits.max_file_bytes // 2**20),
    help=t("ix.add.help", n=settings.limits.max_upload_files, mb=settings.limits.max_file_bytes // 2**20),
)

if st.button(t("ix.build"), type="primary", icon=":material/build:"):
    saved = SavedUploads()
    try:  # every file is checked (count, type, size) before any is written
        saved = save_uploads(
            folder,
            [(u.name, u.getvalue()) for u in files or []],
            settings.limits.max_file_bytes,
            settings.limits.max_upload_files,
        )
        chosen = {p.name for p in kept_uploads} | {p.name for p in saved.paths}
        sources = ([bundled_corpus()] if bundled else []) + keep + [folder / n for n in sorted(chosen)]
        if not sources:
            raise ValueError("nothing to index: include the bundled magazine or add files")
        bar = st.progress(0.0, text=t("ix.building"))
        new, report = rebuild_engine(
            settings,
            sources,
            shared.show_progress(bar),
            embedder=engine.embedder,
        )
        holder.replace(new)
        note = t("ix.done", documents=report.documents, chunks=report.chunks, embedded=report.embedded)
        st.session_state["index_notice"] = note + "".join(f"\n{w}" for w in report.warnings)
        st.rerun()
    except Exception as exc:
        saved.undo()  # files of a failed build are not kept; a replaced upload gets its old content back
        st.error(md(t("ix.failed", error=error_text(exc))))
