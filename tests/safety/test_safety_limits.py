"""Promise 6 — resource limits: question length, k, file size (for `rag index` and uploads), files per upload and
LLM request time are each capped by a setting with a sensible default; hitting a cap gives one clear sentence,
and a refused upload writes nothing."""

from __future__ import annotations

import time

import pytest
from fakes import FakeEmbedder
from safety_support import (
    ask,
    base_url,
    llm_server,
    notices,
    ok,
    one_line_error,
    open_page,
    rag,
    snapshot,
    use_fake_model,
)

from rag.answer import LLMConfig, answer_question, stream_answer
from rag.config import Settings
from rag.engine import Engine
from rag.errors import QueryError
from rag.index import build_index, load_index
from rag.retrieval import Retriever
from rag.types import Document


def test_every_limit_is_a_setting_with_a_sensible_default(monkeypatch):
    for name in ("RAG_MAX_QUERY_CHARS", "RAG_MAX_FILE_MB", "RAG_MAX_UPLOAD_FILES"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert (settings.limits.max_query_chars, settings.limits.max_k) == (2000, 100)
    assert (settings.limits.max_file_bytes, settings.limits.max_upload_files) == (50 * 2**20, 20)
    llm = LLMConfig.from_env(environ={"RAG_LLM_BASE_URL": "http://127.0.0.1:8080/v1"})
    assert (llm.timeout, llm.deadline_seconds) == (30, 120)


def test_limits_are_read_from_the_environment(monkeypatch):
    env = {"RAG_MAX_QUERY_CHARS": "300", "RAG_MAX_FILE_MB": "5", "RAG_MAX_UPLOAD_FILES": "3"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert (settings.limits.max_query_chars, settings.limits.max_file_bytes, settings.limits.max_upload_files) == (
        300,
        5 * 2**20,
        3,
    )
    llm = LLMConfig.from_env(
        environ={"RAG_LLM_BASE_URL": "http://h/v1", "RAG_LLM_TIMEOUT": "2.5", "RAG_LLM_TOTAL_TIMEOUT": "7"}
    )
    assert (llm.timeout, llm.deadline_seconds) == (2.5, 7)


@pytest.mark.parametrize(
    "name, value, argv, message",
    [
        ("RAG_MAX_UPLOAD_FILES", "lots", ["search", "补贴"], "RAG_MAX_UPLOAD_FILES must be a whole number, got 'lots'"),
        ("RAG_MAX_FILE_MB", "1.5", ["index"], "RAG_MAX_FILE_MB must be a whole number, got '1.5'"),
        (
            "RAG_LLM_TOTAL_TIMEOUT",
            "soon",
            ["ask", "补贴", "--llm", "http://127.0.0.1:9/v1"],
            "RAG_LLM_TOTAL_TIMEOUT must be a number of seconds, got 'soon'",
        ),
    ],
    ids=["files per upload", "file size", "LLM total time"],
)
def test_a_bad_limit_value_is_a_usage_error_in_one_sentence(tmp_path, monkeypatch, capsys, name, value, argv, message):
    use_fake_model(monkeypatch, tmp_path / "home")
    monkeypatch.setenv(name, value)
    code, out, err = rag(argv, capsys)
    assert code == 2 and message in one_line_error(err)


def test_the_question_length_cap_is_enforced_by_the_cli_the_answerer_and_the_app(tmp_path, monkeypatch, capsys):
    use_fake_model(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("RAG_MAX_QUERY_CHARS", "40")
    code, _, err = rag(["search", "补" * 41], capsys)
    assert code == 2 and "the question is 41 characters long; the limit is 40" in one_line_error(err)
    code, _, err = rag(["search", "补" * 40, "--mode", "bm25"], capsys)
    assert code == 0, err

    at = open_page("app_pages/chat.py")
    assert at.chat_input[0].max_chars == 40
    settings = Settings.from_env()
    engine = Engine.assemble(settings, FakeEmbedder(), load_index(tmp_path / "home" / "index"))
    with pytest.raises(QueryError, match="the question is 41 characters long; the limit is 40"):
        stream_answer("补" * 41, engine.retriever)


def test_rag_index_skips_a_file_over_the_size_cap_and_names_the_cap(tmp_path, monkeypatch, capsys):
    use_fake_model(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small.md").write_text("# 小文件\n\n" + "正常的内容。" * 30, encoding="utf-8")
    (corpus / "big.md").write_text("# 大文件\n\n" + "很长的内容。" * 100_000, encoding="utf-8")  # 1.7 MB
    code, out, err = rag(["index", corpus], capsys)
    assert code == 0 and "indexed 1 documents" in out
    assert any("big.md is 2 MB, over the 1 MB limit per file" in line for line in err.splitlines()), err


# ---------------------------------------------------------------- uploads on the Index page


@pytest.fixture()
def index_page(tmp_path, monkeypatch):
    """The Index page (fake embedder); returns a function that uploads files, clicks Build and returns the page."""
    home = tmp_path / "home"
    use_fake_model(monkeypatch, home)

    def build_with(*files, env=None, bundled=True):
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        at = open_page("app_pages/manage_index.py")
        at.checkbox(key="index_bundled").set_value(bundled)
        at.file_uploader(key="index_files").set_value(list(files))
        ok(at.run())
        next(b for b in at.button if b.label == "Build the index").click()
        return ok(at.run())

    return home, build_with


def _md(name: str, size: int = 0) -> tuple[str, bytes, str]:
    body = f"# {name}\n\n" + "上传的正文。" * 10
    return name, (body + "补" * max(0, (size - len(body.encode())) // 3)).encode(), "text/markdown"


def test_an_upload_of_more_files_than_the_cap_is_refused_and_nothing_is_written(index_page):
    home, build_with = index_page
    build_with(_md("warmup.md"), env={"RAG_MAX_UPLOAD_FILES": "2"}, bundled=True)  # builds the first index
    before, uploads = snapshot(home / "index"), sorted((home / "uploads").iterdir())
    at = build_with(_md("a.md"), _md("b.md"), _md("c.md"))
    assert any(
        "3 files were uploaded at once; the limit is 2 files per upload" in n and "previous index is still in use" in n
        for n in notices(at)
    ), notices(at)
    assert sorted((home / "uploads").iterdir()) == uploads and snapshot(home / "index") == before


def test_an_upload_over_the_size_cap_is_refused_and_nothing_is_written(index_page):
    home, build_with = index_page
    at = build_with(_md("fine.md"), _md("big.md", size=int(1.6 * 2**20)), env={"RAG_MAX_FILE_MB": "1"})
    assert any("The file big.md is 2 MB, over the 1 MB limit per file" in n for n in notices(at)), notices(at)
    assert not (home / "uploads").exists() or not list((home / "uploads").iterdir()), "fine.md was not written either"
    uploader = at.file_uploader(key="index_files")
    assert uploader.proto.max_upload_size_mb == 1 and "Up to 20 files per upload" in uploader.help


def test_a_replaced_upload_gets_its_old_content_back_when_the_build_fails(index_page):
    home, build_with = index_page
    build_with(_md("notes.md"))
    stored = home / "uploads" / "notes.md"
    old = stored.read_bytes()
    before = snapshot(home / "index")
    at = build_with(("notes.md", b"\x00\x01binary\x00" * 50, "text/markdown"), bundled=False)
    shown = notices(at)
    assert any("no readable text" in n.lower() and "previous index is still in use" in n for n in shown), shown
    assert stored.read_bytes() == old and snapshot(home / "index") == before


# ---------------------------------------------------------------- LLM request time


@pytest.fixture(scope="module")
def gpt3(tmp_path_factory):
    embedder = FakeEmbedder()
    docs = [
        Document(title="大模型", text="GPT-3就有1700亿个参数。它由OpenAI在2020年发布。", kind="article"),
        Document(title="芯片", text="国产芯片的制程持续进步，产能逐年提高。", kind="article"),
    ]
    index, _ = build_index([], Settings(home=tmp_path_factory.mktemp("gpt3")).index, embedder, documents=docs)
    return Retriever(index, embedder)


@pytest.mark.parametrize(
    "behaviour, env, notice, limit",
    [
        ("stall", {"RAG_LLM_TIMEOUT": "1"}, "did not answer within 1 s", 1),
        ("trickle", {"RAG_LLM_TIMEOUT": "1", "RAG_LLM_TOTAL_TIMEOUT": "2"}, "took longer than 2 s in total", 2),
    ],
    ids=["stalled endpoint", "endpoint trickling bytes without end"],
)
def test_a_slow_llm_endpoint_falls_back_to_the_extractive_answer_within_the_time_limit(
    gpt3, behaviour, env, notice, limit
):
    with llm_server(behaviour) as server:
        config = LLMConfig.from_env(environ={"RAG_LLM_BASE_URL": base_url(server), **env})
        started = time.monotonic()
        answer = answer_question("GPT-3有多少个参数？", gpt3, k=2, llm=config)
        elapsed = time.monotonic() - started
        assert len(server.requests) == 1, "the endpoint was asked"
    assert answer.answerer == "extractive" and "1700亿" in answer.text
    assert notice in answer.notice and "this is the extractive answer" in answer.notice
    assert elapsed < limit + 4, f"the answer came after {elapsed:.1f} s"  # the limit plus a generous margin


def test_the_app_shows_the_fallback_notice_when_the_llm_stalls(tmp_path, monkeypatch):
    use_fake_model(monkeypatch, tmp_path / "home")
    with llm_server("stall") as server:
        at = open_page("app_pages/chat.py")
        at.radio(key="answerer").set_value("endpoint")
        ok(at.run())
        at.text_input(key="llm_url").set_value(base_url(server))
        at.number_input(key="llm_timeout").set_value(1.0)
        ok(at.run())
        started = time.monotonic()
        ask(at, "GPT-3有多少个参数？")
        elapsed = time.monotonic() - started
        asked = len(server.requests)
    answer = at.session_state["turns"][-1].answer
    assert asked == 1 and answer.answerer == "extractive"
    assert any("did not answer within 1 s" in n and "extractive answer" in n for n in notices(at)), notices(at)
    assert elapsed < 30, f"the page took {elapsed:.1f} s"
