"""The numbers a text writes, in Arabic figures with their scale words or in Chinese numerals."""

from __future__ import annotations

import pytest

from rag.text import chinese_numeral, chinese_numerals, english_amounts, months_named, written_numbers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("研发投入总额为8348.25亿元，同比增长5.10%", [(8348.25, 834_825_000_000.0), (5.1, 5.1)]),
        ("6,093 idle vehicles and 2 万 more", [(6093.0, 6093.0), (2.0, 20_000.0)]),
        ("834.8 billion yuan", [(834.8, 834_800_000_000.0)]),
        ("十九届四中全会", [(19.0, 19.0), (4.0, 4.0)]),
        ("no figures here", []),
    ],
)
def test_numbers_with_their_scale(text, numbers):
    assert [(n.value, n.amount) for n in written_numbers(text)] == numbers


def test_a_number_says_whether_it_had_a_scale_word_and_was_written_in_figures():
    figures, scaled, numeral = written_numbers("3 million, 2万辆 and 四类")
    assert (figures.scaled, scaled.scaled, numeral.scaled) == (True, True, False)
    assert figures.figures and not numeral.figures
    assert [n.value for n in written_numbers("the 14th plan")] == [14.0]


@pytest.mark.parametrize(("run", "value"), [("四", 4), ("十", 10), ("十九", 19), ("二十", 20), ("三百五十", 350)])
def test_chinese_numerals(run, value):
    assert chinese_numeral(run) == value


@pytest.mark.parametrize(
    ("run", "values"),
    [
        ("二〇二三", [2023]),
        ("十四五", [14, 5]),
        ("两万亿", [2 * 10**12]),
        ("一百二十万", [1_200_000]),
        ("五千亿", [5 * 10**11]),
    ],
)
def test_runs_of_chinese_numerals(run, values):
    assert chinese_numerals(run) == values


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("研发费用总计8348.25亿元，同比增长5.10%", "研发费用总计834.825 billion元，同比增长5.10%"),
        ("价格高达3万美元以上", "价格高达30,000美元以上"),
        ("每天消耗50万千瓦时的电力", "每天消耗500,000千瓦时的电力"),  # 千 of 千瓦时 is a unit, not a scale
        ("1200万人，4.5亿元，1.2万亿元", "12 million人，450 million元，1.2 trillion元"),
        ("2004年，已提车的有15,269辆", "2004年，已提车的有15,269辆"),  # no scale: as written
        ("补助3-5万元，或10至20亿元", "补助3-5万元，或10至20亿元"),  # a range's scale is its start's too: as written
    ],
)
def test_figures_with_a_chinese_scale_are_written_as_english_amounts(text, english):
    assert english_amounts(text) == english


def test_an_english_scale_word_is_read_before_chinese_text_but_not_inside_a_word():
    assert [n.amount for n in written_numbers("12 million人，4 billion元")] == [12e6, 4e9]
    assert [n.scaled for n in written_numbers("2 millionaires, 3 billions")] == [False, False]


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("In January 2016, and again in Sept. and Dec. 2017", {1, 9, 12}),
        ("2016年9月8日至十二月", {9, 12}),
        ("2016年初，三个月内，用了3个月，每月，月底", set()),  # early 2016; a count of months is not a month
        ("2015年1—5月，3、4月", {1, 2, 3, 4, 5}),  # a range names every month in it; a list each
        ("Sept 2016 and Jun 2017", {9, 6}),
        ("the Mayor may march", set()),  # not capitalised month words
    ],
)
def test_the_months_a_text_names(text, months):
    assert months_named(text) == months
