"""The real local model (the `llm` extra) answering two questions over the bundled issue, through the whole path:
materialised from its parts, served on loopback, chosen sentences in, grammar-constrained reply out, citation check.

Slow (about a minute on 2 cores) and skipped without the extra; CI installs it and runs `-m llm`.
"""

from __future__ import annotations

import re

import pytest

from rag.answer import MARKER
from rag.engine import Engine
from rag.evaluation import answered_in_english
from rag.llm import model_installed

pytestmark = [
    pytest.mark.llm,
    pytest.mark.slow,
    pytest.mark.skipif(not model_installed(), reason="the llm extra is not installed"),
]


@pytest.fixture(scope="module")
def engine(real_settings, real_embedder, real_index):
    engine = Engine.assemble(real_settings, real_embedder, real_index)
    yield engine
    engine.close()


def _markers(text: str) -> set[int]:
    return {int(n) for m in MARKER.finditer(text) for n in m.group(1).replace("，", ",").split(",")}


def test_a_chinese_question_gets_a_cited_chinese_answer(engine):
    llm = engine.local_model()
    answer = engine.answerer.answer("赵健来自哪家公司？", llm=llm)
    assert answer.answerer == llm.label and not answer.abstained
    assert "甲子光年" in answer.text
    cited = _markers(answer.text)
    assert cited and cited <= {c.n for c in answer.citations}  # every marker left in the text was verified
    assert all(c.quote in next(s.passage for s in answer.sources if s.n == c.n) for c in answer.citations)


def test_an_english_question_gets_english_prose_with_checked_markers(engine):
    answer = engine.answerer.answer(
        "By how much did the R&D spending of China's top 100 strategic emerging industry companies grow in 2023?",
        llm=engine.local_model(),
    )
    assert not answer.abstained
    if answer.answerer.startswith("llm:"):  # the model's translation survived the checks
        # English, but a sentence whose translation changed a number or was not backed stays in Chinese
        assert answered_in_english(answer) or "quoted in Chinese" in (answer.notice or "")
        assert re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", MARKER.sub("", answer.text))
        assert _markers(answer.text) <= {c.n for c in answer.citations}
    else:  # nothing it wrote was backed: the extractive answer, with the reason
        assert "extractive" in (answer.notice or "")


def test_the_automatic_answerer_writes_english_answers_quotes_chinese(real_settings, real_embedder, real_index):
    from dataclasses import replace

    engine = Engine.assemble(replace(real_settings, answerer="auto"), real_embedder, real_index)
    try:
        chinese = "赵健来自哪家公司？"
        assert engine.chat_model(question=chinese) is None and engine.local_server is None, "not started for Chinese"
        assert engine.answerer.answer(chinese, llm=engine.chat_model()).answerer == "extractive"
        english = "Which company is Zhao Jian from?"
        llm = engine.chat_model(question=english)
        assert llm is not None and llm.languages == ("en",)
        answer = engine.answerer.answer(english, llm=llm)
        assert answer.answerer == llm.label
    finally:
        engine.close()
