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
    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool = True
    kind: str | None = None
    line: int = 0

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
    absent = [a for a in answers if squash(a) not in corpus] if corpus is not None else []
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
        questions.append(
            EvalQuestion(
                row["id"],
                row["question"].strip(),
                tuple(row["answers"]),
                row.get("answerable", True),
                row.get("kind"),
                n,
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
