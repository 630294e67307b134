"""The first start in the app (AppTest, real model): a progress bar with the build's stage, count and time, then
the page; a ready index loads without one."""

from __future__ import annotations

from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"

pytestmark = pytest.mark.slow


def test_first_load_shows_a_progress_bar_then_the_page(real_home, tmp_path, monkeypatch, capfd):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RAG_HOME", str(real_home))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))  # no index yet: this start builds it
    for name in ("RAG_LLM_BASE_URL", "RAG_LLM_API_KEY", "RAG_LLM_MODEL", "RAG_MAX_QUERY_CHARS"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=900).run()
    assert not at.exception, [e.value for e in at.exception]
    bars = at.progress
    assert len(bars) == 1 and bars[0].value == 100
    assert bars[0].text.startswith("首次启动：索引就绪：222 段 · 用时 "), bars[0].text  # the page is Chinese
    assert at.chat_input, "the page is usable after the build"
    err = capfd.readouterr().err
    assert "rag ui: embedding " in err and "rag ui: index ready: 222 passages" in err

    again = AppTest.from_file(str(APP), default_timeout=900).run()  # the same process: the engine is loaded
    assert not again.exception and not again.progress
