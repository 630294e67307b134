"""The records that flow through the pipeline: documents, chunks and search hits."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

#: Document kinds that are articles (bylined or unsigned pieces) rather than issue matter.
ARTICLE_KINDS = frozenset({"article", "preface", "commentary", "news", "text"})


def content_hash(*parts: str, length: int = 16) -> str:
    """A short, stable hex id computed from text parts (ids survive re-ingestion)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class IssueInfo:
    """Issue-level metadata recorded on every document of a magazine issue."""

    publication: str | None = None
    year: int | None = None
    month: int | None = None
    number: int | None = None  # 第6期
    total_number: int | None = None  # 总第70期
    date: str | None = None  # ISO date of publication, e.g. "2024-06-15"

    def label(self) -> str:
        """A short human citation label such as `中国工业和信息化 2024年第6期`."""
        bits = [self.publication or ""]
        if self.year and self.number:
            bits.append(f"{self.year}年第{self.number}期")
        elif self.year and self.month:
            bits.append(f"{self.year}年{self.month}月")
        return " ".join(b for b in bits if b).strip()


@dataclass(frozen=True)
class Document:
    """One article or piece of issue matter, with where it came from."""

    title: str
    text: str
    kind: str = "text"  # article | preface | commentary | news | text | toc | masthead | cover | advert
    source: str = ""
    authors: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    section: str | None = None
    page: int | None = None
    editor: str | None = None
    editor_email: str | None = None
    issue: IssueInfo = field(default_factory=IssueInfo)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", content_hash(self.kind, self.title, self.text))

    @property
    def is_article(self) -> bool:
        return self.kind in ARTICLE_KINDS

    def label(self) -> str:
        """The one-line source label used everywhere: 《title》｜section｜authors｜P page."""
        parts = [f"《{self.title}》", self.section or "", " ".join(self.authors), f"P{self.page}" if self.page else ""]
        return "｜".join(p for p in parts if p)

    def meta(self) -> dict[str, Any]:
        """JSON-friendly metadata (everything but the text)."""
        data = asdict(self)
        data.pop("text")
        data["authors"] = list(self.authors)
        data["affiliations"] = list(self.affiliations)
        return data

    @classmethod
    def from_meta(cls, meta: dict[str, Any], text: str) -> Document:
        fields = dict(meta)
        fields["issue"] = IssueInfo(**(fields.get("issue") or {}))
        fields["authors"] = tuple(fields.get("authors") or ())
        fields["affiliations"] = tuple(fields.get("affiliations") or ())
        return cls(text=text, **fields)


@dataclass(frozen=True)
class Chunk:
    """A passage of one document: clean `text` for people, `indexed_text` for the retrievers."""

    doc_id: str
    text: str
    start: int  # character offsets of `text` in the document text
    end: int
    header: str = ""  # contextual header prepended for embedding / BM25
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", content_hash(self.doc_id, str(self.start), self.text))

    @property
    def indexed_text(self) -> str:
        return f"{self.header}\n{self.text}" if self.header else self.text


@dataclass(frozen=True)
class Hit:
    """One search result: the chunk, its document and how each retriever ranked it."""

    rank: int
    score: float
    chunk: Chunk
    document: Document
    dense_rank: int | None = None
    dense_score: float | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None

    def to_json(self) -> dict[str, Any]:
        doc = self.document
        return {
            "rank": self.rank,
            "chunk_id": self.chunk.id,
            "score": round(self.score, 6),
            "text": self.chunk.text,
            "start": self.chunk.start,
            "end": self.chunk.end,
            "dense": {"rank": self.dense_rank, "score": self.dense_score},
            "bm25": {"rank": self.bm25_rank, "score": self.bm25_score},
            "doc": {
                "id": doc.id,
                "title": doc.title,
                "authors": list(doc.authors),
                "section": doc.section,
                "page": doc.page,
                "kind": doc.kind,
                "issue": doc.issue.label(),
            },
        }
