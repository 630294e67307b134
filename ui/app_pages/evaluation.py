"""Evaluation page: run `rag.evaluation` on the development set or an uploaded JSONL file, show metrics and details."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

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
from ui.render import highlight_html, md
from ui.uploads import save_upload

DEV, UPLOAD = "Development set (bundled)", "Upload a JSONL file"

settings = shared.settings()
engine = shared.engine_or_stop()

st.title("Evaluation")
st.caption(
    "Retrieval quality (hit@k, MRR@10, nDCG@10) per mode; a passage is relevant when it holds an evidence "
    "string. Optionally also scores the answers."
)
source = st.radio("Questions", (DEV, UPLOAD), key="eval_source", horizontal=True)
uploaded = None
if source == UPLOAD:
    uploaded = st.file_uploader(
        'JSONL: one {"id", "question", "answers", "answerable"} per line',
        type=["jsonl", "json"],
        key="eval_file",
        max_upload_size=max(1, settings.limits.max_file_bytes // 2**20),
    )
modes = st.multiselect("Modes", EVAL_MODES, default=["hybrid", "dense", "bm25"], key="eval_modes")
answers = st.checkbox("Also answer every question and score the answers (slower)", key="eval_answers")


def _dataset_path() -> Path | None:
    if source == DEV:
        return development_set()
    if uploaded is None:
        return None
    folder = settings.home / "eval_uploads"  # one folder, file names sanitised; a re-upload replaces the file
    return save_upload(folder, uploaded.name, uploaded.getvalue(), settings.limits.max_file_bytes, (".jsonl", ".json"))


if st.button("Run the evaluation", type="primary", disabled=not modes or (source == UPLOAD and uploaded is None)):
    try:
        path = _dataset_path()
        questions = load_dataset(path, [d.text for d in engine.index.documents.values()])
        total = max(evaluation_steps(questions, modes, answers), 1)
        bar = st.progress(0.0, text=f"evaluating {len(questions)} questions")
        done = [0]

        def tick() -> None:
            done[0] += 1
            bar.progress(min(done[0] / total, 1.0), text=f"evaluating: {done[0]} of {total} steps")

        report = run_evaluation(engine, path, questions, modes, answers=answers, tick=tick)
        bar.empty()
        chart = Path(tempfile.mkdtemp(prefix="chart-")) / "chart.png"
        st.session_state["eval_report"] = report
        st.session_state["eval_chart"] = write_chart(report, chart).read_bytes()
    except Exception as exc:
        st.error(md(shared.friendly(exc)))

report = st.session_state.get("eval_report")
if not report:
    st.stop()

st.subheader(md(f"{Path(report['dataset']).name}: {report['n']} questions, {report['n_answerable']} answerable"))
st.dataframe(metrics_rows(report), hide_index=True, key="eval_table")
st.image(st.session_state["eval_chart"], caption="metrics per mode")
if report.get("answers"):
    st.dataframe(answer_rows(report["answers"]), hide_index=True)
st.download_button(
    "Download the report (JSON)",
    json.dumps(report, ensure_ascii=False, indent=2),
    file_name="report.json",
    mime="application/json",
    icon=":material/download:",
)

st.subheader("Per question")
per_question = {q["id"]: q for q in report["per_question"]}
missed = st.toggle("Only questions whose evidence hybrid did not rank in the top 10", key="eval_missed")
ids = [
    i for i, q in per_question.items() if not missed or (q.get("first_relevant_rank") or {}).get("hybrid", 0) is None
]
if not ids:
    st.info("No question to show.")
    st.stop()
qid = st.selectbox("Question", ids, key="eval_question", format_func=lambda i: f"{i} · {per_question[i]['question']}")
q = per_question[qid]
st.markdown("**Question:** " + md(q["question"]))
st.markdown("**Evidence:** " + ("; ".join(f"「{md(a)}」" for a in q["answers"]) or "none (unanswerable)"))
ranks = q.get("first_relevant_rank")
if ranks:
    st.dataframe(
        [
            {
                "mode": m,
                "first relevant rank": str(r) if r is not None else ">10",
                **{k: round(v, 3) for k, v in (q.get("metrics", {}).get(m) or {}).items()},
            }
            for m, r in ranks.items()
        ],
        hide_index=True,
    )
if q.get("answer"):
    st.markdown("**Answer:** " + md(q["answer"]["answer"]))
for hit in q.get("top", []):
    flag = "relevant" if hit.get("relevant") else "not relevant"
    st.markdown(md(f"#{hit['rank']} 《{hit.get('title', '')}》 · score {hit['score']} · {flag}"))
    st.html(highlight_html(hit["text"], evidence_spans(hit["text"], q["answers"])))
