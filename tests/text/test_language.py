"""The one language rule: English when Latin letters outnumber Chinese characters 3 to 1, titles left out."""

from __future__ import annotations

import pytest

from rag.text import is_english, language_of


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("What is the ISSN of 《中国工业和信息化》?", "en"),
        ("What else did he say? 《中望龙腾：工业软件出海》《可能让中国“电动车”熄火的几道坎儿》", "en"),
        ("SU7的交付量是多少？", "zh"),
        ("《中望龙腾：工业软件出海》讲了什么？", "zh"),
        ("Which company did ZWSOFT (中望软件) acquire in 2010?", "en"),
        ("GPT-3有多少个参数？", "zh"),
    ],
)
def test_the_language_of_a_question(text, language):
    assert language_of(text) == language
    assert is_english(text) is (language == "en")
