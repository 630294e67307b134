"""Evaluation datasets: JSONL questions with verbatim evidence, validated line by line before anything runs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rag.errors import DatasetError
from rag.text import is_english, squash


def development_set() -> Path:
    """The bundled development set (package data)."""
    return Path(str(resources.files("rag") / "data" / "questions.jsonl"))


@dataclass(frozen=True)
class EvalQuestion:
    """One question: verbatim evidence strings (`answers`) and, for questions that need a complete answer, the
    `key_points` such an answer contains (at least `min_points` of them)."""

    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool = True
    kind: str | None = None
    line: int = 0
    key_points: tuple[str, ...] = ()
    min_points: int = 0

    @property
    def english(self) -> bool:
        return is_english(self.question)


def _check_row(row: object, seen: set[str], corpus: str | None) -> str | None:
    """What is wrong with one parsed line, or None when it is a usable question."""
    if not isinstance(row, dict):
        return "expected a JSON object"
    missing = [f for f in ("id", "question", "answers") if f not in row]
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    qid, question, answers = row["id"], row["question"], row["answers"]
    answerable = row.get("answerable", True)
    checks = [
        (not isinstance(qid, str) or not qid, "id must be a non-empty string"),
        (qid in seen, f"duplicate id {qid!r}"),
        (not isinstance(question, str) or not question.strip(), "question must be a non-empty string"),
        (not isinstance(answerable, bool), "answerable must be true or false"),
        (
            not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers),
            "answers must be a list of non-empty strings",
        ),
    ]
    for failed, message in checks:
        if failed:
            return message
    if answerable and not answers:
        return "an answerable question needs at least one evidence string"
    key_points = row.get("key_points", [])
    if not isinstance(key_points, list) or not all(isinstance(k, str) and k.strip() for k in key_points):
        return "key_points must be a list of non-empty strings"
    min_points = row.get("min_points", len(key_points))
    if key_points and (
        isinstance(min_points, bool) or not isinstance(min_points, int) or not 1 <= min_points <= len(key_points)
    ):
        return f"min_points must be a whole number from 1 to {len(key_points)} (the number of key points)"
    absent = [a for a in (*answers, *key_points) if squash(a) not in corpus] if corpus is not None else []
    return f"evidence {absent[0]!r} occurs nowhere in the corpus" if absent else None


def load_dataset(path: Path, corpus_texts: Iterable[str] | None = None) -> list[EvalQuestion]:
    """Read and validate a JSONL dataset; every problem is reported with its line number before anything runs."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(path, [f"cannot read the file ({exc})"]) from None
    corpus = "\x00".join(squash(t) for t in corpus_texts) if corpus_texts is not None else None
    questions: list[EvalQuestion] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            problems.append(f"line {n}: not valid JSON ({exc.msg})")
            continue
        problem = _check_row(row, seen, corpus)
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            seen.add(row["id"])
        if problem:
            problems.append(f"line {n}: {problem}")
            continue
        key_points = tuple(row.get("key_points", []))
        questions.append(
            EvalQuestion(
                row["id"],
                row["question"].strip(),
                tuple(row["answers"]),
                row.get("answerable", True),
                row.get("kind"),
                n,
                key_points,
                row.get("min_points", len(key_points)) if key_points else 0,
            )
        )
    if problems:
        raise DatasetError(path, problems)
    if not questions:
        raise DatasetError(path, ["no questions in the file"])
    return questions


def is_relevant(passage: str, answers: Iterable[str]) -> bool:
    """A passage is relevant when it contains any evidence string, ignoring whitespace."""
    text = squash(passage)
    return any(squash(a) in text for a in answers)
