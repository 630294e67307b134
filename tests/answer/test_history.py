"""Saved conversations, example questions and the copyable answer (`rag.answer.history`): fast, no model."""

from __future__ import annotations

import json

import pytest

from rag.answer import (
    Answer,
    Citation,
    Conversation,
    ConversationStore,
    Source,
    answer_with_references,
    example_questions,
    restore_answer,
    title_of,
    turn_record,
)
from rag.types import Chunk, Document


def _doc(title: str, kind: str = "article", authors=("张三",)) -> Document:
    return Document(title, f"{title}的正文。第二句。", kind=kind, authors=authors, section="专题", page=7)


def _answer() -> tuple[Answer, dict, dict]:
    doc = _doc("智能计算")
    chunks = [Chunk(doc.id, doc.text, 0, len(doc.text), id=f"c{i}") for i in range(2)]
    sources = [Source(1, chunks[0], doc, 0.03), Source(2, chunks[1], doc, 0.02)]
    answer = Answer("问？", "答一。[1]", False, [Citation(1, "c0", "智能计算的正文。", (0, 8))], sources)
    return answer, {c.id: c for c in chunks}, {doc.id: doc}


def test_store_saves_lists_renames_and_deletes(tmp_path):
    store = ConversationStore.under(tmp_path)
    answer, _, _ = _answer()
    first = Conversation(title=title_of("第一个问题？"), turns=[turn_record("t1", "问？", "问？", answer, None)])
    second = Conversation(title="二")
    store.save(first)
    store.save(second)
    assert [c.id for c in store.list()] == [second.id, first.id]  # the most recently saved first
    assert not list((tmp_path / "conversations").glob(".*.part")), "written through a temporary file"
    saved = json.loads((tmp_path / "conversations" / f"{first.id}.json").read_text(encoding="utf-8"))
    assert saved["turns"][0]["answer"]["citations"][0]["quote"] == "智能计算的正文。"
    assert store.rename(first.id, "  新名字 ") and store.load(first.id).title == "新名字"
    assert not store.rename(first.id, "   ")
    store.delete(second.id)
    assert [c.id for c in store.list()] == [first.id]
    (tmp_path / "conversations" / f"{'0' * 32}.json").write_text("not json", encoding="utf-8")
    assert [c.id for c in store.list()] == [first.id], "an unreadable file is skipped"
    with pytest.raises(ValueError):
        store.delete("../../etc/passwd")


def test_restore_answer_keeps_what_is_still_indexed():
    answer, chunks, docs = _answer()
    data = answer.to_json()
    again = restore_answer(data, chunks, docs)
    assert again.text == answer.text and [s.n for s in again.sources] == [1, 2]
    assert again.citations == answer.citations
    gone = restore_answer(data, {"c1": chunks["c1"]}, docs)  # the cited passage is no longer indexed
    assert [s.n for s in gone.sources] == [2] and gone.citations == []


def test_example_questions_come_from_bylined_articles():
    docs = [_doc(f"文章{i}") for i in range(6)] + [_doc("广告", kind="advert")]
    zh = example_questions(docs, 4)
    assert len(zh) == 4 and all("《文章" in q for q in zh) and not any("广告" in q for q in zh)
    assert zh == example_questions(docs, 4), "the same index gives the same examples"
    assert all(q.startswith("What") for q in example_questions(docs, 2, english=True))
    assert example_questions([], 4) == []


def test_answer_with_references_lists_cited_sources():
    answer, _, _ = _answer()
    text = answer_with_references(answer)
    assert text.startswith("答一。[1]") and "[1] 《智能计算》｜专题｜张三｜P7" in text and "[2]" not in text
    assert "智能计算的正文。" in text
    assert title_of("问" * 100).endswith("…") and len(title_of("问" * 100)) == 60
