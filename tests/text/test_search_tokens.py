"""Search tokens: a question that asks how many meets the passage that says how many; one vote per question word."""

from __future__ import annotations

import numpy as np
import pytest

from rag.index import BM25Index
from rag.text import chinese_counts, measure_counts, named_count, query_terms, search_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("新能源汽车“骗补”有哪几类？", ["#类"]),
        ("“骗补”方式可以归纳为4类。", ["#类"]),
        ("短板主要体现在三个方面", ["#方面"]),
        ("从哪几方面加快优化调整？", ["#方面"]),
        ("网络隔离有哪几种实现策略？", ["#种"]),
        ("提出五点建议，分为十二种", ["#点", "#种"]),
        ("一种手法", []),  # "a" (一种), not a count
        ("第三类企业", []),  # an ordinal
        ("12个月、1.5个百分点、3.5点", []),
        ("党的十九大以来，下午3点、3点钟", []),  # a congress and clock times are not counts
        ("二十类、三四种、20多个方面", ["#类", "#种", "#方面"]),
    ],
)
def test_count_tokens(text, tokens):
    assert measure_counts(text) == tokens


def test_search_tokens_add_counts_to_the_words():
    tokens = search_tokens("“骗补”方式可以归纳为4类")
    assert "骗补" in tokens and tokens[-1] == "#类"


def test_each_question_word_has_one_vote():
    weights = query_terms("新能源汽车“骗补”有哪几类？")
    assert weights["骗补"] == 1.0 and weights["#类"] == 1.0
    assert weights["能源"] + weights["新能源"] == pytest.approx(1.0)  # one word (新能源), split in two tokens


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("How many kinds of subsidy fraud were there?", ["几类", "几种"]),
        ("What three stages did it go through?", ["几阶段"]),
        ("In which aspects is it weak?", []),  # no count asked
        ("How many former employees were there?", []),  # "former" is not "form"
        ("In 2020 the way was clear.", []),  # a year is not a count
    ],
)
def test_chinese_counts_of_english_questions(question, words):
    assert chinese_counts(question) == words


def test_a_count_question_prefers_the_passage_that_counts():
    passages = [
        "“骗补”方式五花八门，有牌无车、有车无电池、标实不符、车辆闲置都有。",
        "“骗补”方式可以归纳为4类：有牌无车、有车无电池、标实不符、车辆闲置。",
        "智能计算是人工智能时代的核心生产力，算力网络正在加速建设。",
        "工业软件是制造业的大脑，研发设计类软件国产化率较低。",
    ]
    scores = BM25Index.build(passages).scores("“骗补”方式有哪几类？")
    assert int(np.argmax(scores)) == 1 and scores[1] > scores[0] > 0


@pytest.mark.parametrize(
    "question, count",
    [
        ("骗补有哪四类？", 4),
        ("实现免费使用有哪三条路径？", 3),
        ("我国战略性新兴产业面临哪四大挑战？", 4),
        ("北航刘强教授提出了哪“三个不要”？", 3),
        ("What are the three ways?", 3),
        ("What are the two main risks?", 2),
        ("有哪几类？", None),
        ("How many kinds are there?", None),
        ("第三类企业有什么问题？", None),
    ],
)
def test_the_count_a_question_names(question, count):
    assert named_count(question) == count


def test_ten_is_a_count_a_question_names():
    assert named_count("有哪十大趋势？") == 10


def test_a_clock_time_is_not_a_count_a_question_names():
    assert named_count("下午3点开始的论坛有哪些议题？") is None
