"""Bylines: an author's line is a label of the page, its own sentence, never the start of the next."""

from __future__ import annotations

import pytest

from rag.text import display_sentence, is_byline, passage_sentences


@pytest.mark.parametrize(
    "line",
    [
        "孙凝晖 中国工程院院士",
        "韩力 王宏伟 中国电子信息产业发展研究院工业经济研究所",
        "苗圩 第十四届全国政协常委、经济委员会副主任，工业和信息化部原部长",
        "赵健\u3000北京甲子光年科技服务有限公司",
    ],
)
def test_an_authors_line_is_a_byline(line):
    assert is_byline(line)


@pytest.mark.parametrize(
    "line",
    [
        "孙凝晖认为，中国发展智能计算应走自己的道路。",  # prose: no space between Chinese words
        "曾纯：中国新能源汽车市场这两年猛然“井喷”，看来我国汽车产业已经到了从量变到质变的转折点。",
        "苗圩 表示，补贴政策已经退出。",  # an end mark: a sentence, whatever its spacing
        "SU7 的交付量",  # no Chinese name first
        "随着 ChatGPT 的发布，大模型走进了千家万户",  # a Latin term after the space
        "北京 123 456",  # a table row
        "中国工业和信息化",
    ],
)
def test_prose_is_not_a_byline(line):
    assert not is_byline(line)


def test_a_byline_is_not_joined_to_the_speech_after_it():
    text = (
        "苗圩 第十四届全国政协常委、经济委员会副主任，工业和信息化部原部长\n曾纯：中国新能源汽车市场这两年猛然“井喷”。"
    )
    sentences = [text[a:b] for a, b in passage_sentences(text)]
    assert sentences == [
        "苗圩 第十四届全国政协常委、经济委员会副主任，工业和信息化部原部长",
        "曾纯：中国新能源汽车市场这两年猛然“井喷”。",
    ]


def test_a_line_broken_mid_sentence_is_still_rejoined():
    text = "2016年，财政部组织专项检查，对93家企业的2015年度补贴资金，\n进行了全面核查。"
    assert [text[a:b] for a, b in passage_sentences(text)] == [text]


def test_with_known_authors_a_byline_opens_with_one_of_them():
    authors = ["约翰·史密斯", "司马南"]
    assert is_byline("约翰·史密斯 美国斯坦福大学教授", authors)
    assert is_byline("司马南\u3000评论员、作家", authors)
    assert not is_byline("孙凝晖 中国工程院院士", authors)  # not an author of this article
    assert not is_byline("司马南认为，这是必经阶段", authors)  # no space: prose
    assert not is_byline("司马南 评论员。", authors)  # a sentence


def test_a_quoted_clause_cut_at_a_semicolon_shows_that_the_sentence_goes_on():
    clause = "我国应发展用得起的人工智能技术，并造福“一带一路”国家；"
    assert display_sentence(clause) == "我国应发展用得起的人工智能技术，并造福“一带一路”国家……"
    assert display_sentence(clause, continued=True) == clause  # the answer quotes the rest next
    assert display_sentence("中国如何发展智能计算的\n道路选择") == "中国如何发展智能计算的道路选择。"
    assert display_sentence("It works.") == "It works."
