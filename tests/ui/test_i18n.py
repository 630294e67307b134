"""The interface catalogue (`ui.i18n`): both languages for every text, language choice, library sentences."""

from __future__ import annotations

import re
import string

import pytest

from rag.text import has_cjk
from ui.i18n import CATALOGUE, library_text, preferred, text

FIELDS = string.Formatter()


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in FIELDS.parse(template) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_text_exists_in_both_languages(key):
    zh, en = CATALOGUE[key]
    assert zh and en
    assert not has_cjk(en), (key, en)
    assert has_cjk(zh) or not re.search(r"[A-Za-z]{3,}", zh), (key, zh)  # a Chinese text, or symbols only
    assert _fields(zh) == _fields(en), key


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB,zh-CN;q=0.5", "en"),
        ("fr-FR,zh-TW;q=0.5,en;q=0.3", "zh"),
        ("de-DE", "zh"),
        ("", "zh"),
        (None, "zh"),
    ],
)
def test_language_from_the_browser(header, lang):
    assert preferred(header) == lang


def test_library_sentences_are_translated():
    assert library_text("the question is empty; type a question", "zh") == "问题是空的，请输入一个问题。"
    assert library_text("the question is empty; type a question", "en") == "The question is empty; type a question."
    notice = "the language model could not answer (timeout); this is the extractive answer"
    assert library_text(notice, "zh") == "语言模型未能作答（timeout），以下是摘录原文的回答。"
    assert library_text("something new", "zh").startswith("出了问题")
    removed = "removed citation markers that the sources do not back: [3] (the passage does not support the sentence)"
    assert library_text(removed, "zh") == "删去了出处不支持的引用标记：[3] (该段落不支持这句话)"
    assert library_text(removed, "en").endswith("[3] (the passage does not support the sentence)")
    assert library_text("something new", "en") == "Something new."
    assert text("chat.reading", "zh", n=5) == "正在阅读 5 个段落……"


def test_the_translation_notices_read_in_chinese():
    quoted = (
        "2 of the answer's 5 sentences are quoted in Chinese: the model's translation was missing, changed a number or"
        " was not backed by the passage"
    )
    assert (
        library_text(quoted, "zh") == "回答的 5 句中有 2 句保留中文原文：模型的译文缺失、改动了数字或得不到段落支持。"
    )
    from rag.answer.pipeline import NOTHING_TRANSLATED

    assert library_text(NOTHING_TRANSLATED, "zh") == "模型的译文没有一句能核实，以下是摘录原文的回答。"
    assert library_text(NOTHING_TRANSLATED, "en").startswith("No sentence of the model's translation could be")
    removed = "removed citation markers that the sources do not back: [3] (the passage does not support the sentence)"
    assert not re.search(r"[A-Za-z]", library_text(f"{removed}; {quoted}", "zh").replace("[3]", ""))


def test_build_progress_in_both_languages():
    from rag.index import BuildProgress
    from ui.i18n import progress_line

    embedding = BuildProgress("embed", 64, 222, "passages", elapsed=20, rate=3.1, eta=45)
    assert progress_line(embedding, "zh") == "向量化 64/222 段 · 3.1 段/秒 · 约剩 0:45 · 已用 0:20"
    assert (
        progress_line(embedding, "en") == "Embedding 64/222 passages · 3.1 passages/s · about 0:45 left · 0:20 so far"
    )
    done = BuildProgress("done", 222, 222, "passages", elapsed=52)
    assert progress_line(done, "zh") == "索引就绪：222 段 · 用时 0:52"
    assert not re.search(r"[A-Za-z]", progress_line(BuildProgress("embed", 5, 1990, "texts", 3, 12.0, 160), "zh"))
