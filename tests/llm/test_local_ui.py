"""The app with the local model chosen in the sidebar (real Streamlit via AppTest, the real model; `llm` extra)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.llm import model_installed

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"

pytestmark = [
    pytest.mark.llm,
    pytest.mark.slow,
    pytest.mark.skipif(not model_installed(), reason="the llm extra is not installed"),
]


def test_the_local_model_answers_in_the_app(real_home, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RAG_HOME", str(real_home))
    for name in ("RAG_INDEX_DIR", "RAG_LLM_BASE_URL", "RAG_LLM_API_KEY", "RAG_LLM_MODEL", "RAG_ANSWERER"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=900).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "本地模型（离线生成，约 20 秒）" in at.radio(key="answerer").options  # shown when the extra is installed
    at.radio(key="answerer").set_value("local").run()
    at.chat_input[0].set_value("赵健来自哪家公司？").run()
    assert not at.exception, [e.value for e in at.exception]
    answer = at.session_state["turns"][-1].answer
    assert answer.answerer.startswith("llm:") and "甲子光年" in answer.text
    assert re.search(r"\[\d+\]", answer.text) and answer.citations


def test_the_automatic_answerer_is_the_default_and_answers_english_with_the_model(real_home, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RAG_HOME", str(real_home))
    for name in ("RAG_INDEX_DIR", "RAG_LLM_BASE_URL", "RAG_LLM_API_KEY", "RAG_LLM_MODEL", "RAG_ANSWERER"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=900).run()
    assert at.radio(key="answerer").value == "auto"
    at.chat_input[0].set_value("赵健来自哪家公司？").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["turns"][-1].answer.answerer == "extractive"  # Chinese: quotes, instantly
    at.chat_input[0].set_value("Which company is Zhao Jian from?").run()
    assert not at.exception, [e.value for e in at.exception]
    answer = at.session_state["turns"][-1].answer
    assert answer.answerer.startswith("llm:") or "extractive answer" in (answer.notice or ""), answer
