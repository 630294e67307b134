"""Questions about the magazine itself — its price, publisher, editors, printer, ISSN — answered by the line of the
masthead (版权页) that gives it: the masthead is a list of "label：value" fields, and a search ranks its one line
below the advertisements that repeat the magazine's name (这一期杂志的定价是多少钱？ found no answer).

A question is about the magazine when it says so (杂志, 本刊, 这一期, magazine, this issue, the publication's
《name》) and names no other 《title》 (《换道赛车》这本书的定价 is a book's price); it asks for the field whose label
it contains — the longest one (总编辑, not 编辑部), or one of a few synonyms (主编 → 总编辑, 多少钱 → 定价) and English
names (cover price → 定价, ISSN → 国际标准连续出版物号).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rag.index import ChunkStore
from rag.types import Document, Hit

from .lists import ListAnswer, SpanCiting
from .records import Citation

MASTHEAD = "masthead"  # the document kind of the masthead (版权页)
_FIELD = re.compile(r"^([^\s：:，,。]{2,12})[：:][ \t]*(\S[^\n]*)$", re.MULTILINE)
_ABOUT_MAGAZINE = re.compile(
    r"杂志|本刊|刊物|期刊|这一期|这期|本期|第\s*\d+\s*期|\b(?:magazine|this issue|the issue|journal|periodical)\b",
    re.IGNORECASE,
)
_TITLE = re.compile(r"《([^》]{1,60})》")
#: Words a question uses for a masthead label it does not contain.
SYNONYMS = {
    "主编": "总编辑",
    "价格": "定价",
    "售价": "定价",
    "多少钱": "定价",
    "印制": "印刷",
    "出版时间": "出版日期",
    "哪天出版": "出版日期",
    "地址": "本刊地址",
    "邮政编码": "邮编",
    "price": "定价",
    "cost": "定价",
    "editor-in-chief": "总编辑",
    "chief editor": "总编辑",
    "editor in chief": "总编辑",
    "president": "社长",
    "printer": "印刷",
    "printed": "印刷",
    "legal adviser": "法律顾问",
    "legal advisor": "法律顾问",
    "lawyer": "法律顾问",
    "publisher": "出版单位",
    "published by": "出版单位",
    "sponsor": "主办单位",
    "publication date": "出版日期",
    "published on": "出版日期",
    "issn": "国际标准连续出版物号",
    "cn number": "国内统一连续出版物号",
    "address": "本刊地址",
    "postcode": "邮编",
    "postal code": "邮编",
    "website": "网址",
    "subscription hotline": "订阅热线",
}


@dataclass(frozen=True)
class Field:
    """One "label：value" line of a masthead document, at `start`–`end` of its text."""

    document: Document
    label: str
    value: str
    start: int
    end: int


def masthead_fields(documents: Iterable[Document]) -> Iterator[Field]:
    """The "label：value" lines of the masthead documents among `documents`, read as they are asked for (a question
    not about the magazine reads none: `asked_field` looks at the question first)."""
    return (
        Field(doc, m[1], m[2].strip(), m.start(), m.end())
        for doc in documents
        if doc.kind == MASTHEAD
        for m in _FIELD.finditer(doc.text)
    )


def asked_field(question: str, fields: Iterable[Field]) -> Field | None:
    """The masthead field `question` asks for, when it asks about the magazine itself (module docstring)."""
    if not _ABOUT_MAGAZINE.search(question) and not _TITLE.search(question):
        return None  # the fields are not read at all
    fields = list(fields)
    if not fields or not _ABOUT_MAGAZINE.search(question) and not _names_the_publication(question, fields):
        return None
    if any(not _is_publication(t, fields) for t in _TITLE.findall(question)):
        return None  # another publication's or a book's field
    low = question.lower()
    wanted = {label for word, label in SYNONYMS.items() if _says(low, word)}
    named = [f for f in fields if f.label in question or f.label in wanted]
    return max(named, key=lambda f: len(f.label), default=None)


def _says(low: str, word: str) -> bool:
    if re.fullmatch(r"[a-z -]+", word):
        return re.search(rf"\b{re.escape(word)}\b", low) is not None
    return word in low


def _is_publication(title: str, fields: Iterable[Field]) -> bool:
    return any(title == f.document.issue.publication for f in fields)


def _names_the_publication(question: str, fields: Iterable[Field]) -> bool:
    return any(_is_publication(t, fields) for t in _TITLE.findall(question))


def field_answer(field: Field, hits: Sequence[Hit], store: ChunkStore | None) -> ListAnswer | None:
    """The answer "label：value[n]", cited to the passage that holds the line (added when it was not retrieved)."""
    citing = SpanCiting(field.document, hits, store)
    cited = _cited_line(field, citing)
    return ListAnswer([cited[0]], [cited[1]], citing.added) if cited else None


def _line(field: Field) -> str:
    return f"{field.label}：{field.value}"


def _cited_line(field: Field, citing: SpanCiting) -> tuple[str, Citation] | None:
    """The answer line "label：value[n]" of `field` and its citation; None when no passage holds it."""
    citation = citing.cite(field.start, field.end)
    return (f"{_line(field)}[{citation.n}]", citation) if citation is not None else None


MAX_FIELDS = 8  # fields listed when the reader asks what else the masthead says


def other_fields(
    doc: Document, said: Collection[str], hits: Sequence[Hit], store: ChunkStore | None, most: int = MAX_FIELDS
) -> ListAnswer | None:
    """What else the masthead `doc` says (the answer to "还有呢？" after a field's answer): its fields no earlier
    answer said (`said`), in order, at most `most`; None when none is left or `doc` is no masthead."""
    if doc.kind != MASTHEAD:
        return None
    citing = SpanCiting(doc, hits, store)
    lines, citations = [], []
    for field in masthead_fields([doc]):
        if len(lines) == most:
            break
        if any(_line(field) in x for x in said):
            continue
        if cited := _cited_line(field, citing):
            lines.append(cited[0])
            citations.append(cited[1])
    return ListAnswer(lines, citations, citing.added) if lines else None
