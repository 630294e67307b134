"""What an answer is: `Source` (a numbered retrieved passage), `Citation` (a quoted span of one), `Answer`
(text, citations, sources, confidence; `to_json`), the fixed answer texts and `abstention`, which builds the
"not found" answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.types import Chunk, Document, Hit

ABSTAIN_ZH = "资料中没有找到这个问题的答案。"
ABSTAIN_EN = "The magazine does not say. The closest passages are listed as sources."
ENGLISH_NOTE = "(The magazine is in Chinese: the evidence sentences below are quoted in the original.)"

EXTRACTIVE = "extractive"


@dataclass(frozen=True)
class Source:
    """Passage `n` (1-based) with its document; `[n]` markers refer to it. Retrieved passages are numbered in rank
    order; an extractive answer numbers them in the order it cites them (`in_citing_order`)."""

    n: int
    chunk: Chunk
    document: Document
    score: float

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def passage(self) -> str:
        return self.chunk.text

    @classmethod
    def from_hit(cls, n: int, hit: Hit) -> Source:
        return cls(n, hit.chunk, hit.document, float(hit.score))

    def doc_json(self) -> dict[str, Any]:
        doc = self.document
        return {
            "id": doc.id,
            "title": doc.title,
            "authors": list(doc.authors),
            "section": doc.section,
            "page": doc.page,
        }

    def label(self) -> str:
        """The source's document label (`Document.label`)."""
        return self.document.label()

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "chunk_id": self.chunk.id,
            "doc": self.doc_json(),
            "passage": self.chunk.text,
            "score": round(float(self.score), 6),
        }


@dataclass(frozen=True)
class Citation:
    """Marker `[n]`: `quote` is the cited sentence, `passage[span[0]:span[1]]` of source `n`."""

    n: int
    chunk_id: str
    quote: str
    span: tuple[int, int]


@dataclass
class Answer:
    """An answer with its citations and sources. `confidence` (0–1) is the raw evidence score behind abstention."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    sources: list[Source]
    answerer: str = EXTRACTIVE
    notice: str | None = None
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        by_n = {s.n: s for s in self.sources}
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [
                {
                    "n": c.n,
                    "chunk_id": c.chunk_id,
                    "doc": by_n[c.n].doc_json() if c.n in by_n else None,
                    "quote": c.quote,
                    "span": [c.span[0], c.span[1]],
                }
                for c in self.citations
            ],
            "sources": [s.to_json() for s in self.sources],
            "answerer": self.answerer,
            "notice": self.notice,
        }


def abstention(
    question: str,
    english: bool,
    sources: list[Source],
    confidence: float,
    answerer: str = EXTRACTIVE,
    notice: str | None = None,
) -> Answer:
    return Answer(question, ABSTAIN_EN if english else ABSTAIN_ZH, True, [], sources, answerer, notice, confidence)
