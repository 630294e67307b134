"""The `rag` command, run in-process: output, JSON shape, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest

from rag.cli import main


@pytest.fixture()
def env(real_home, monkeypatch, tmp_path):
    """Real model and embedding cache, a fresh index folder per test."""
    monkeypatch.setenv("RAG_HOME", str(real_home))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    return tmp_path


pytestmark = pytest.mark.slow


def test_index_docs_search_json(env, capsys, corpus_dir):
    assert main(["index", str(corpus_dir)]) == 0
    out = capsys.readouterr()
    assert "indexed 32 documents" in out.out and "there is no index in" in out.err
    assert main(["index", str(corpus_dir)]) == 0
    assert "up to date; nothing to do" in capsys.readouterr().err

    assert main(["docs"]) == 0
    table = capsys.readouterr().out
    assert "发展智能计算的道路选择" in table and "孙凝晖" in table and "院士思维" in table

    assert main(["search", "新能源汽车骗补", "-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert set(hits[0]) >= {"rank", "chunk_id", "score", "text", "doc"}
    assert set(hits[0]["doc"]) >= {"id", "title", "authors", "section", "page"}
    assert hits[0]["doc"]["title"] == "可能让中国“电动车”熄火的几道坎儿"


def test_search_builds_the_index_on_first_use_and_prints_passages(env, capsys):
    assert main(["search", "昆仑万维天工3.0有多少参数", "--mode", "bm25", "-k", "2"]) == 0
    out = capsys.readouterr()
    assert "built the index" in out.err
    assert "[1] 《昆仑万维：转型大模型》" in out.out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["search", ""], "the question is empty"),
        (["search", "问题", "-k", "0"], "k must be between 1 and 100"),
        (["search", "问题", "--mode", "magic"], "unknown mode 'magic'"),
        (["index", "/nonexistent/folder"], "no such file or folder"),
        (["eval", "--dataset", "/nonexistent.jsonl"], "no dataset file"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(env, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: error: ") and message in err and "\n" not in err and "Traceback" not in err


def test_unknown_model_without_network_is_a_clear_error(env, capsys, monkeypatch):
    monkeypatch.setenv("RAG_MODEL", "someone/not-a-real-model")
    monkeypatch.delenv("RAG_ALLOW_DOWNLOAD", raising=False)
    assert main(["search", "问题"]) == 1
    err = capsys.readouterr().err.strip()
    assert "not in the local cache and downloads are off" in err and "\n" not in err


def _broken_model(monkeypatch):
    from rag.errors import LocalModelError

    def broken(home, progress=None):
        raise LocalModelError("the local model's part 7 is missing; reinstall the [llm] extra.")

    monkeypatch.setattr("rag.engine.model_installed", lambda: True)
    monkeypatch.setattr("rag.engine.materialise_model", broken)


def test_the_automatic_answerer_quotes_when_the_local_model_cannot_start(env, capsys, monkeypatch, tmp_path):
    _broken_model(monkeypatch)
    monkeypatch.setenv("RAG_ANSWERER", "auto")
    assert main(["ask", "Which company is Zhao Jian from?", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["answerer"] == "extractive"
    assert "part 7 is missing" in out.err and "Answering with quotes" in out.err and "Traceback" not in out.err

    dataset = tmp_path / "two.jsonl"
    rows = [
        {"id": "a", "question": "Which company is Zhao Jian from?", "answers": ["甲子光年"], "answerable": True},
        {"id": "b", "question": "赵健来自哪家公司？", "answers": ["甲子光年"], "answerable": True},
    ]
    dataset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    assert main(["eval", "--dataset", str(dataset), "--answers", "--modes", "hybrid", "--json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {row["answer"]["answerer"] for row in report["per_question"]} == {"extractive"}

    monkeypatch.setenv("RAG_ANSWERER", "local")  # chosen, not automatic: the problem is the error
    assert main(["ask", "Which company is Zhao Jian from?"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: error: ") and "part 7 is missing" in err and "\n" not in err
