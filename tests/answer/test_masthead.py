"""Questions about the magazine itself are answered by the masthead line that gives the field they ask for."""

from __future__ import annotations

import pytest

from rag.answer.masthead import asked_field, field_answer, masthead_fields
from rag.types import Chunk, Document, IssueInfo

ISSUE = IssueInfo(publication="中国工业和信息化", year=2024, number=6)
MASTHEAD = Document(
    title="版权页",
    text="主办单位：中国电子信息产业发展研究院\n社长：宋波\n总编辑：曾纯\n社长助理：刘洋\n编辑部：张通 孙俊杰\n"
    "法律顾问：北京市华泰律师事务所律师 王郁生\n国际标准连续出版物号：ISSN 2096-5834\n印刷：廊坊市祥丰印刷有限公司\n"
    "定价：60.00元\n",
    kind="masthead",
    issue=ISSUE,
)
ARTICLE = Document(title="文章", text="定价：这不是刊物的字段\n", kind="article", issue=ISSUE)


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("这一期《中国工业和信息化》杂志的定价是多少钱？", "定价"),
        ("杂志社的社长由谁担任？", "社长"),  # not 社长助理
        ("这本刊物是由哪家印刷厂印制的？", "印刷"),
        ("这本杂志的主编是谁？", "总编辑"),  # a synonym
        ("《中国工业和信息化》的法律顾问是谁？", "法律顾问"),  # the publication's own name
        ("What is the cover price of this issue of the magazine?", "定价"),
        ("What is the ISSN of the magazine?", "国际标准连续出版物号"),
        ("Who is the editor-in-chief of the magazine?", "总编辑"),
        ("《换道赛车：新能源汽车的中国道路》这本书的定价是多少？", None),  # a book's price
        ("小米SU7的零售价是多少？", None),  # not about the magazine
        ("本期杂志有哪些文章谈到新质生产力？", None),  # about the magazine, no field
    ],
)
def test_a_question_about_the_magazine_asks_for_the_field_it_names(question, label):
    field = asked_field(question, masthead_fields([MASTHEAD, ARTICLE]))
    assert (field.label if field else None) == label
    if field is not None:
        assert field.document is MASTHEAD and MASTHEAD.text[field.start : field.end].startswith(label)


def test_the_field_is_cited_to_the_passage_that_holds_its_line():
    text = MASTHEAD.text
    half = text.index("法律顾问")
    chunks = [Chunk(MASTHEAD.id, text[:half], 0, half), Chunk(MASTHEAD.id, text[half:], half, len(text))]

    class _Store:
        def chunks_of(self, doc_id):
            return chunks

    field = asked_field("杂志的定价是多少？", masthead_fields([MASTHEAD]))
    listed = field_answer(field, [], _Store())
    assert listed.lines == ["定价：60.00元[1]"]
    (citation,) = listed.citations
    assert citation.quote == "定价：60.00元" and citation.chunk_id == chunks[1].id
    assert listed.sources[0].chunk is chunks[1]  # not retrieved: added as a source


def test_what_else_after_a_field_is_the_other_fields():
    from rag.answer.masthead import other_fields

    text = MASTHEAD.text
    chunks = [Chunk(MASTHEAD.id, text, 0, len(text))]

    class _Store:
        def chunks_of(self, doc_id):
            return chunks

    listed = other_fields(MASTHEAD, ["定价：60.00元"], [], _Store(), most=3)
    assert listed.lines == ["主办单位：中国电子信息产业发展研究院[1]", "社长：宋波[1]", "总编辑：曾纯[1]"]
    assert all(text[c.span[0] : c.span[1]] == c.quote for c in listed.citations)
    everything = [f"{f.label}：{f.value}" for f in masthead_fields([MASTHEAD])]
    assert other_fields(MASTHEAD, everything, [], _Store()) is None  # nothing left
    assert other_fields(ARTICLE, [], [], _Store()) is None  # an article's rest is its sections
