"""The numbers a text writes, in Arabic figures with their scale words or in Chinese numerals."""

from __future__ import annotations

import pytest

from rag.text import chinese_numeral, written_numbers


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
    assert written_numbers(text) == numbers


@pytest.mark.parametrize(("run", "value"), [("四", 4), ("十", 10), ("十九", 19), ("二十", 20), ("三百五十", 350)])
def test_chinese_numerals(run, value):
    assert chinese_numeral(run) == value
