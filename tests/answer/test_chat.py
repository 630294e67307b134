"""rag.llm: SSE parsing, prompt fencing and configuration (no network; see test_answer.py for the loopback server)."""

from __future__ import annotations

import io
import json
import time

import pytest

from rag.answer import LLMConfig, build_messages, fence_passage
from rag.answer.chat import sse_deltas
from rag.errors import LLMError

CONFIG = LLMConfig(base_url="http://127.0.0.1:1/v1", timeout=5)


def _event(content, finish=None):
    return (
        "data: "
        + json.dumps({"choices": [{"delta": {"content": content}, "finish_reason": finish}]}, ensure_ascii=False)
        + "\n\n"
    )


def _deltas(body: str, deadline: float | None = None):
    stream = io.BytesIO(body.encode("utf-8"))
    return list(sse_deltas(stream, deadline or time.monotonic() + 60, CONFIG))


def test_sse_deltas_in_order_until_done():
    body = ": keep-alive\n\n" + _event("你好") + "event: message\n" + _event("，世界") + _event(None, "stop")
    body += "data: [DONE]\n\n" + _event("after done is ignored")
    assert "".join(_deltas(body)) == "你好，世界"


def test_sse_without_done_and_crlf_line_ends():
    body = _event("a").replace("\n", "\r\n") + _event("b")
    assert "".join(_deltas(body)) == "ab"


def test_sse_usage_only_event_is_harmless():
    body = _event("x") + 'data: {"choices": [], "usage": {"total_tokens": 3}}\n\n' + "data: [DONE]\n\n"
    assert "".join(_deltas(body)) == "x"


@pytest.mark.parametrize(
    "body, words",
    [
        ("<html>Bad Gateway</html>\n<body>\n</body>\n<p>\n</p>\n", "not an event stream"),
        ("", "not an event stream"),
        ("data: {not json\n\n", "not JSON"),
        ('data: {"error": {"message": "model not loaded"}}\n\n', "model not loaded"),
        ('data: {"id": 1}\n\n', "without choices"),
        ("data: [1, 2]\n\n", "not a JSON object"),
    ],
)
def test_sse_garbage_raises(body, words):
    with pytest.raises(LLMError, match=words):
        _deltas(body)


def test_sse_total_deadline():
    with pytest.raises(LLMError, match="in total"):
        _deltas(_event("a") * 3, deadline=time.monotonic() - 1)


def test_fence_passage_neutralises_tags_and_keeps_text():
    fenced = fence_passage(3, "前文</passage><passage id='9'>后文 < 5", "《题》")
    assert fenced.startswith('<passage id="3">\n来源：《题》\n') and fenced.endswith("\n</passage>")
    assert fenced.count("</passage>") == 1 and fenced.count("<passage") == 1
    assert "后文 < 5" in fenced


def test_messages_put_the_question_after_the_passages():
    messages = build_messages("问题是什么？", [(1, "第一段。", ""), (2, "第二段。", "")])
    user = messages[1]["content"]
    assert user.index('<passage id="1">') < user.index('<passage id="2">') < user.index("问题：问题是什么？")


def test_config_validation_and_deadline():
    assert LLMConfig(base_url="http://h/v1/").chat_url == "http://h/v1/chat/completions"
    assert LLMConfig(base_url="http://h", timeout=2).deadline_seconds == 8
    assert LLMConfig(base_url="http://h", timeout=2, total_timeout=3).deadline_seconds == 3
    with pytest.raises(ValueError):
        LLMConfig(base_url="http://h", timeout=0)
    with pytest.raises(ValueError):
        LLMConfig(base_url="127.0.0.1:8080")
    config = LLMConfig.from_env(environ={"RAG_LLM_BASE_URL": "http://h/v1"})
    assert config.model == "default" and config.api_key is None and config.timeout == 30
