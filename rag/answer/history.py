"""Saved conversations and the start page: `ConversationStore` keeps each conversation as one JSON file (written
to a temporary file, then renamed) in a folder under the data home; `restore_answer` turns a saved answer back
into an `Answer` against the current index; `example_questions` proposes questions about the indexed articles;
`answer_with_references` is an answer as plain text with its numbered sources, for copying."""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.types import Chunk, Document

from .records import Answer, Citation, Source

FOLDER = "conversations"
MAX_TITLE_CHARS = 60
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Conversation:
    """One saved conversation: its turns as JSON-ready dicts (question, query, answer, error)."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    title: str = ""
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    turns: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "created": self.created,
            "updated": self.updated,
            "turns": self.turns,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Conversation:
        return cls(
            str(data["id"]),
            str(data.get("title") or ""),
            float(data.get("created") or 0),
            float(data.get("updated") or 0),
            [t for t in data.get("turns") or [] if isinstance(t, dict)],
        )


def turn_record(turn_id: str, question: str, query: str, answer: Answer | None, error: str | None) -> dict[str, Any]:
    """One turn as stored: the answer's JSON (with its sources' chunk ids) or the error shown."""
    return {"id": turn_id, "question": question, "query": query, "error": error, "answer": answer and answer.to_json()}


def title_of(question: str) -> str:
    """A conversation's default title: its first question, shortened."""
    one_line = " ".join(question.split())
    return one_line if len(one_line) <= MAX_TITLE_CHARS else one_line[: MAX_TITLE_CHARS - 1] + "…"


class ConversationStore:
    """The conversations in `folder` (one `<id>.json` each)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @classmethod
    def under(cls, home: Path) -> ConversationStore:
        return cls(Path(home) / FOLDER)

    def _path(self, conversation_id: str) -> Path:
        if not _ID.match(conversation_id):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        return self.folder / f"{conversation_id}.json"

    def save(self, conversation: Conversation) -> Path:
        """Write `conversation` atomically (temporary file, then rename)."""
        path = self._path(conversation.id)
        self.folder.mkdir(parents=True, exist_ok=True)
        conversation.updated = time.time()
        tmp = self.folder / f".{uuid.uuid4().hex}.part"
        tmp.write_text(json.dumps(conversation.to_json(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def load(self, conversation_id: str) -> Conversation | None:
        try:
            return Conversation.from_json(json.loads(self._path(conversation_id).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def list(self) -> list[Conversation]:
        """Every readable conversation, the most recently updated first (unreadable files are skipped)."""
        if not self.folder.is_dir():
            return []
        found = (self.load(p.stem) for p in self.folder.glob("*.json") if _ID.match(p.stem))
        return sorted((c for c in found if c is not None), key=lambda c: c.updated, reverse=True)

    def rename(self, conversation_id: str, title: str) -> bool:
        conversation = self.load(conversation_id)
        if conversation is None or not title.strip():
            return False
        conversation.title = title.strip()[:MAX_TITLE_CHARS]
        self.save(conversation)
        return True

    def delete(self, conversation_id: str) -> None:
        self._path(conversation_id).unlink(missing_ok=True)


def restore_answer(data: Mapping[str, Any], chunks: Mapping[str, Chunk], documents: Mapping[str, Document]) -> Answer:
    """A saved answer against the current index: sources whose passage is no longer indexed are left out."""
    sources = []
    for s in data.get("sources") or []:
        chunk = chunks.get(s.get("chunk_id"))
        if chunk is not None and chunk.doc_id in documents:
            sources.append(Source(int(s["n"]), chunk, documents[chunk.doc_id], float(s.get("score") or 0)))
    kept = {s.n for s in sources}
    citations = [
        Citation(int(c["n"]), str(c["chunk_id"]), str(c.get("quote") or ""), (int(c["span"][0]), int(c["span"][1])))
        for c in data.get("citations") or []
        if int(c["n"]) in kept
    ]
    return Answer(
        str(data.get("question") or ""),
        str(data.get("answer") or ""),
        bool(data.get("abstained")),
        citations,
        sources,
        str(data.get("answerer") or "extractive"),
        data.get("notice"),
    )


def example_questions(documents: Iterable[Document], count: int = 4, english: bool = False, seed: int = 0) -> list[str]:
    """A handful of questions about bylined articles of the index (different ones for another `seed`)."""
    articles = sorted((d for d in documents if d.kind == "article" and d.title), key=lambda d: d.id)
    chosen = random.Random(seed).sample(articles, min(count, len(articles)))
    questions = []
    for i, doc in enumerate(chosen):
        author = doc.authors[0] if doc.authors else ""
        if english:
            questions.append(f"What is the main argument of 《{doc.title}》?")
        elif author and i % 2 == 0:
            questions.append(f"{author}在《{doc.title}》中提出了哪些主要观点？")
        else:
            questions.append(f"《{doc.title}》主要讲了什么？")
    return questions


def answer_with_references(answer: Answer) -> str:
    """The answer as plain text followed by its cited sources (`[n] label` and the cited sentence)."""
    by_n = {s.n: s for s in answer.sources}
    lines = [answer.text.strip(), ""]
    for n in sorted({c.n for c in answer.citations}):
        source = by_n.get(n)
        if source is None:
            continue
        quotes = [c.quote for c in answer.citations if c.n == n and c.quote]
        lines.append(f"[{n}] {source.label()}" + (f" —— “{quotes[0]}”" if quotes else ""))
    return "\n".join(lines).strip()
