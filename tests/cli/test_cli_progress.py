"""Build progress on the terminal: `rag index` and a building `rag search` print stage, count, rate and time left
on stderr (fake embedder: fast)."""

from __future__ import annotations

import re

import pytest
from fakes import FakeEmbedder

from rag.cli import main


@pytest.fixture()
def fake_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_MODEL", "fake-bigram")
    monkeypatch.setattr("rag.engine.load_embedder", lambda settings: FakeEmbedder())
    return tmp_path


def test_index_prints_progress_lines_on_stderr(fake_env, capsys):
    assert main(["index"]) == 0
    out = capsys.readouterr()
    lines = [line for line in out.err.splitlines() if line.startswith("rag: ")]
    assert any(line.startswith("rag: splitting into passages · ") for line in lines)
    embedding = [line for line in lines if line.startswith("rag: embedding ")]
    assert embedding and re.search(r"embedding \d+/\d+ texts · [\d.]+ texts/s · about \d+:\d\d left", embedding[-1])
    assert lines[-1].startswith("rag: index ready: 222 passages in ")
    assert "rag: " not in out.out and "indexed 32 documents" in out.out


def test_search_prints_progress_when_it_builds_and_not_when_it_loads(fake_env, capsys):
    assert main(["search", "新能源汽车骗补", "--mode", "bm25", "-k", "1"]) == 0
    assert "rag: embedding " in capsys.readouterr().err
    assert main(["search", "新能源汽车骗补", "--mode", "bm25", "-k", "1"]) == 0
    assert capsys.readouterr().err.strip() == ""
