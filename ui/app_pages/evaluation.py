"""Evaluation page: run `rag.evaluation` on the development set or an uploaded JSONL file, show metrics and details."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from rag.config import EXTRACTIVE
from rag.evaluation import MODES as EVAL_MODES
from rag.evaluation import (
    answer_rows,
    development_set,
    evaluation_steps,
    evidence_spans,
    load_dataset,
    metrics_rows,
    run_evaluation,
    write_chart,
)
from ui import engine as shared
from ui.i18n import error_text, t
from ui.render import highlight_html, md
from ui.uploads import save_upload

DEV, UPLOAD = "dev", "upload"
SOURCES = {DEV: "ev.dev", UPLOAD: "ev.upload"}

settings = shared.settings()
engine = shared.engine_or_stop()

st.title(t("ev.title"))
st.caption(t("ev.caption"))
source = st.radio(
    t("ev.questions"),
    (DEV, UPLOAD),
    key="eval_source",
    horizontal=True,
    format_func={k: t(v) for k, v in SOURCES.items()}.get,
)
uploaded = None
if source == UPLOAD:
    uploaded = st.file_uploader(
        t("ev.file"),
        type=["jsonl", "json"],
        key="eval_file",
        max_upload_size=max(1, settings.limits.max_file_bytes // 2**20),
    )
modes = st.multiselect(t("ev.modes"), EVAL_MODES, default=["hybrid", "dense", "bm25"], key="eval_modes")
answers = st.checkbox(t("ev.answers"), key="eval_answers")


def _metrics(report: dict) -> list[dict]:
    """The metrics table with the comparison against hybrid spelled out."""
    rows = []
    for row in metrics_rows(report):
        comparison = report.get("comparisons", {}).get(row["mode"])
        row.pop("vs hybrid (MRR@10)", None)
        label = "—"
        if comparison:
            p = f"{comparison['sign_test_p']:.2g}"
            label = t("ev.vs.label", wins=len(comparison["wins"]), losses=len(comparison["losses"]), p=p)
        mode = row.pop("mode")
        rows.append({t("ev.col.mode"): mode, **row, t("ev.vs"): label})
    return rows


def _dataset_path() -> Path | None:
    if source == DEV:
        return development_set()
    if uploaded is None:
        return None
    folder = settings.home / "eval_uploads"  # one folder, file names sanitised; a re-upload replaces the file
    return save_upload(folder, uploaded.name, uploaded.getvalue(), settings.limits.max_file_bytes, (".jsonl", ".json"))


if st.button(t("ev.run"), type="primary", disabled=not modes or (source == UPLOAD and uploaded is None)):
    try:
        path = _dataset_path()
        questions = load_dataset(path, [d.text for d in engine.index.documents.values()])
        total = max(evaluation_steps(questions, modes, answers), 1)
        bar = st.progress(0.0, text=t("ev.progress", n=len(questions)))
        done = [0]

        def tick() -> None:
            done[0] += 1
            bar.progress(min(done[0] / total, 1.0), text=t("ev.step", done=done[0], total=total))

        report = run_evaluation(engine, path, questions, modes, EXTRACTIVE if answers else None, tick)
        bar.empty()
        chart = Path(tempfile.mkdtemp(prefix="chart-")) / "chart.png"
        st.session_state["eval_report"] = report
        st.session_state["eval_chart"] = write_chart(report, chart).read_bytes()
    except Exception as exc:
        st.error(md(error_text(exc)))

report = st.session_state.get("eval_report")
if not report:
    st.stop()

name = Path(report["dataset"]).name
st.subheader(md(t("ev.summary", name=name, n=report["n"], answerable=report["n_answerable"])))
st.dataframe(
    _metrics(report),
    hide_index=True,
    key="eval_table",
    column_config={t("ev.vs"): st.column_config.TextColumn(help=t("ev.vs.help"))},
)
st.caption(t("ev.vs.help"))
st.image(st.session_state["eval_chart"], caption=t("ev.chart"))
if report.get("answers"):
    st.dataframe([{**r, "value": str(r["value"])} for r in answer_rows(report["answers"])], hide_index=True)
st.download_button(
    t("ev.download"),
    json.dumps(report, ensure_ascii=False, indent=2),
    file_name="report.json",
    mime="application/json",
    icon=":material/download:",
)

st.subheader(t("ev.per_question"))
per_question = {q["id"]: q for q in report["per_question"]}
missed = st.toggle(t("ev.missed"), key="eval_missed")
ids = [
    i for i, q in per_question.items() if not missed or (q.get("first_relevant_rank") or {}).get("hybrid", 0) is None
]
if not ids:
    st.info(t("ev.no_question"))
    st.stop()
qid = st.selectbox(
    t("ev.question"), ids, key="eval_question", format_func=lambda i: f"{i} · {per_question[i]['question']}"
)
q = per_question[qid]
st.markdown(t("ev.q") + md(q["question"]))
st.markdown(t("ev.evidence") + ("; ".join(f"「{md(a)}」" for a in q["answers"]) or t("ev.unanswerable")))
ranks = q.get("first_relevant_rank")
if ranks:
    st.dataframe(
        [
            {
                t("ev.col.mode"): m,
                t("ev.col.rank"): str(r) if r is not None else ">10",
                **{k: round(v, 3) for k, v in (q.get("metrics", {}).get(m) or {}).items()},
            }
            for m, r in ranks.items()
        ],
        hide_index=True,
    )
if q.get("answer"):
    st.markdown(t("ev.answer") + md(q["answer"]["answer"]))
for hit in q.get("top", []):
    flag = t("ev.relevant") if hit.get("relevant") else t("ev.not_relevant")
    st.markdown(md(t("ev.hit", rank=hit["rank"], title=hit.get("title", ""), flag=flag)))
    st.html(highlight_html(hit["text"], evidence_spans(hit["text"], q["answers"])))
