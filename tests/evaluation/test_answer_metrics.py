"""Answer metrics for complete answers: key points found, complete answers, English answers, the dataset fields."""

from __future__ import annotations

import json

import pytest

from rag.answer import ENGLISH_NOTE, Answer, Citation
from rag.errors import DatasetError
from rag.evaluation import answered_in_english, key_points_found, load_dataset

CORPUS = ["骗补的方式有四类：有牌无车、有车无电池、标实不符、车辆闲置。"]


def _answer(text: str, quotes: list[str] = (), abstained: bool = False) -> Answer:
    citations = [Citation(1, "c", q, (0, len(q))) for q in quotes]
    return Answer("q", text, abstained, citations, [], "extractive", None, 1.0)


def test_key_points_count_in_the_text_or_a_cited_quote_whitespace_ignored():
    answer = _answer("骗补有：有牌 无车[1]。", quotes=["标实不符、车辆闲置。"])
    assert key_points_found(answer, ["有牌无车", "有车无电池", "标实不符", "车辆闲置"]) == [
        "有牌无车",
        "标实不符",
        "车辆闲置",
    ]


def test_an_abstention_contains_no_key_point():
    assert key_points_found(_answer("有牌无车", abstained=True), ["有牌无车"]) == []


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Four kinds: plates without cars (有牌无车) [1].", True),
        (f"{ENGLISH_NOTE}\n骗补的方式有四类。[1]", False),  # the note alone does not make a Chinese quote English
        ("The magazine does not say. The closest passages are listed as sources.", True),
        ("骗补有四类。[1]", False),
    ],
)
def test_an_answer_is_english_when_its_own_words_are(text, english):
    assert answered_in_english(_answer(text)) is english


def _write(tmp_path, rows):
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_key_points_and_min_points_are_read_and_checked_against_the_corpus(tmp_path):
    row = {
        "id": "s1",
        "question": "骗补有哪几类？",
        "answers": ["有牌无车"],
        "key_points": ["有牌无车", "标实不符"],
        "min_points": 2,
    }
    (q,) = load_dataset(_write(tmp_path, [row]), CORPUS)
    assert q.key_points == ("有牌无车", "标实不符") and q.min_points == 2
    (q,) = load_dataset(_write(tmp_path, [{**row, "min_points": None} | {"min_points": 1}]), CORPUS)
    assert q.min_points == 1
    without = {k: v for k, v in row.items() if k != "min_points"}
    assert load_dataset(_write(tmp_path, [without]), CORPUS)[0].min_points == 2  # default: every key point


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key_points": ["有牌无车", "不存在的要点"]}, "evidence '不存在的要点' occurs nowhere in the corpus"),
        ({"min_points": 3}, "min_points must be a whole number from 1 to 2"),
        ({"min_points": 0}, "min_points must be a whole number from 1 to 2"),
        ({"key_points": "有牌无车"}, "key_points must be a list of non-empty strings"),
    ],
)
def test_bad_key_points_are_reported_with_their_line(tmp_path, change, message):
    row = {"id": "s1", "question": "骗补有哪几类？", "answers": ["有牌无车"], "key_points": ["有牌无车", "标实不符"]}
    with pytest.raises(DatasetError, match=f"line 1: {message}"):
        load_dataset(_write(tmp_path, [row | change]), CORPUS)


def test_the_development_set_has_synthesis_and_attribute_questions():
    from rag.evaluation import development_set

    questions = load_dataset(development_set())
    synthesis = [q for q in questions if q.key_points]
    attribute = [q for q in questions if q.kind == "attribute"]
    assert len(synthesis) >= 40 and sum(q.english for q in synthesis) >= 12
    assert len(attribute) >= 20 and not any(q.answerable for q in attribute)
    assert all(1 <= q.min_points <= len(q.key_points) for q in synthesis)
