"""Thumbs up/down on answers, kept as JSONL under the app's home folder, exportable as evaluation lines.

One line per rating event; a later line for the same turn supersedes an earlier one. Export turns each
thumbs-up answer that cites something into `{"id","question","answers":[cited sentences],"answerable":true}`,
the format `rag.evaluation.load_dataset` reads.
"""

from __future__ import annotations

import fcntl
import json
import time
from pathlib import Path
from typing import Any

from rag.answer import Answer

FILE_NAME = "feedback.jsonl"
RATINGS = {0: "down", 1: "up"}


def feedback_path(home: Path) -> Path:
    return Path(home) / FILE_NAME


def feedback_record(turn_id: str, rating: int | None, question: str, query: str, answer: Answer) -> dict[str, Any]:
    """A JSON-ready record for one rating of one answer."""
    data = answer.to_json()
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "turn": turn_id,
        "rating": RATINGS.get(rating) if rating is not None else None,
        "question": question,
        "query": query,
        "answer": data["answer"],
        "abstained": data["abstained"],
        "answerer": data["answerer"],
        "citations": data["citations"],
        "sources": [
            {"n": s["n"], "chunk_id": s["chunk_id"], "doc": s["doc"], "score": s["score"], "passage": s["passage"]}
            for s in data["sources"]
        ],
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one record: one `write` per line under an exclusive file lock (safe across threads and processes)."""
    path = Path(path)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
            fh.flush()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """All readable records (damaged lines are skipped)."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            records.append(row)
    return records


def latest_ratings(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last record of each turn, in first-rated order."""
    latest: dict[str, dict[str, Any]] = {}
    for row in records:
        latest[str(row.get("turn"))] = row
    return list(latest.values())


def evaluation_lines(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluation-set rows from the thumbs-up answers that cite at least one sentence."""
    rows = []
    seen: set[str] = set()
    for row in latest_ratings(records):
        if row.get("rating") != "up" or row.get("abstained"):
            continue
        quotes = list(dict.fromkeys(c["quote"] for c in row.get("citations") or [] if c.get("quote", "").strip()))
        question = (row.get("query") or row.get("question") or "").strip()
        if not quotes or not question or question in seen:
            continue
        seen.add(question)
        rows.append(
            {"id": f"fb-{str(row.get('turn'))[:12]}", "question": question, "answers": quotes, "answerable": True}
        )
    return rows


def export_jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in evaluation_lines(records))
