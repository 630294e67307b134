"""The real app in a real Chromium: `rag ui` as a subprocess, driven with Playwright.

Needs Debian's /usr/bin/chromium (`apt-get install chromium`) and the `playwright` Python package (its own browser
downloads are never used). The index is built before the server starts, from the bundled magazine plus one hostile
document (`<script>`, `<img onerror>`, `$x^2$`), into a private index folder; the model and embedding cache come
from the shared real-model home (RAG_TEST_HOME when set), so a warm home makes this quick.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from safety_support import base_url, llm_server

from rag.ingest import bundled_corpus

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "孙凝晖认为我国发展智能计算有哪几条道路？"
FOLLOW_UP = "他还提到了什么？"
HOSTILE_TITLE = "安全测试文档"
HOSTILE = """# {title}

本文用于检验界面能否安全地显示资料原文。脚本标签 <script>window.__pwned=1</script> 不应执行。
图片标签 <img src=x onerror="window.__pwned=2"> 也不应执行，公式 $x^2$ 应原样显示，
*星号* 与 [链接](http://example.com) 亦然。远程图片 <img src="{pixel}/html.png"> 与 ![图]({pixel}/md.png) 不应加载。
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rag() -> str:
    return shutil.which("rag", path=str(Path(sys.executable).parent)) or shutil.which("rag") or "rag"


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`rag ui` exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"`rag ui` did not become healthy within {timeout:.0f} s")


@pytest.fixture(scope="module")
def pixel_server():
    """A loopback server that records every request: the hostile document's images point at it."""
    with llm_server("echo") as recorder:
        yield recorder


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_home, pixel_server):
    """`rag ui --port N` over the bundled magazine + the hostile document; yields (base URL, env, log path)."""
    work = tmp_path_factory.mktemp("browser")
    extra = work / "extra"
    extra.mkdir()
    hostile = HOSTILE.format(title=HOSTILE_TITLE, pixel=base_url(pixel_server))
    (extra / "hostile.md").write_text(hostile, encoding="utf-8")
    env = dict(os.environ)
    for name in ("RAG_LLM_BASE_URL", "RAG_LLM_API_KEY", "RAG_LLM_MODEL"):
        env.pop(name, None)
    env |= {
        "RAG_HOME": str(real_home),
        "RAG_INDEX_DIR": str(work / "index"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    subprocess.run([_rag(), "index", str(bundled_corpus()), str(extra)], env=env, check=True, timeout=3600)
    port = _free_port()
    log_path = work / "ui.log"
    with open(log_path, "wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            [_rag(), "ui", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield {"url": url, "env": env, "log": log_path, "started": started, "index": work / "index"}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the session we started: `rag ui` and its streamlit child
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no `playwright install`)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _ask(page, question: str, answers_before: int, timeout_ms: int = 300_000) -> float:
    """Type `question`, wait for its sources; returns the seconds from Enter to the sources being shown."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.monotonic()
    box.press("Enter")
    page.get_by_text("Open the article at this passage").nth(0).wait_for(timeout=timeout_ms)
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stChatMessage]').length >= n",
        arg=answers_before * 2 + 2,
        timeout=timeout_ms,
    )
    page.get_by_test_id("stExpander").nth(answers_before).wait_for(timeout=timeout_ms)
    return time.monotonic() - started


def _screenshot(page, path: Path, height: int = 2400) -> Path:
    page.set_viewport_size({"width": 1400, "height": height})
    time.sleep(0.5)
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def test_ask_shows_cited_answer_and_highlighted_source(server, page, tmp_path):
    page.goto(server["url"] + "/", wait_until="domcontentloaded")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=300_000)
    first = _ask(page, QUESTION, 0)
    print(f"server start → first answer: {time.monotonic() - server['started']:.1f} s; question → answer {first:.2f} s")

    answer = page.get_by_test_id("stChatMessage").nth(1)
    assert "[1]" in answer.inner_text()
    quote = page.locator("mark.rag-quote").first
    quote.wait_for(state="visible")
    assert quote.inner_text().strip()
    assert page.get_by_text("Open the article at this passage").first.is_visible()
    _screenshot(page, tmp_path / "answer.png")

    second = _ask(page, FOLLOW_UP, 1)
    print(f"follow-up question → answer: {second:.2f} s")
    assert page.get_by_text("Follow-up, searched as").first.is_visible()
    assert second < 60

    # the source link opens the article at the cited passage
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_text("Open the article at this passage").first.click()
    page.locator("#rag-passage").wait_for(timeout=60_000)
    assert page.locator("#rag-passage mark.rag-quote").count() >= 1
    assert "articles" in page.url and "doc=" in page.url
    _screenshot(page, tmp_path / "article.png", 1400)


def test_document_markup_is_shown_as_text_never_run(server, pixel_server, page, tmp_path):
    page.goto(server["url"] + "/", wait_until="domcontentloaded")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=300_000)
    _ask(page, "安全测试文档里的脚本标签和公式是什么？", 0)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    sources = page.get_by_test_id("stExpander").first.inner_text()
    assert "<script>window.__pwned=1</script>" in sources
    assert "$x^2$" in sources
    _screenshot(page, tmp_path / "hostile-chat.png", 1800)

    page.get_by_role("link", name="Articles").first.click()
    page.get_by_text("Search titles, authors, sections and text").wait_for(timeout=60_000)
    page.get_by_test_id("stSelectbox").filter(has_text="Show").click()
    page.get_by_role("option", name="Everything").click()
    search = page.get_by_label("Search titles, authors, sections and text")
    search.fill(HOSTILE_TITLE)
    search.press("Enter")
    page.get_by_text("1 of 33 documents").wait_for(timeout=60_000)
    page.get_by_role("heading", name=HOSTILE_TITLE).wait_for(timeout=60_000)
    article = page.locator(".rag-article")
    article.wait_for(timeout=60_000)
    text = article.inner_text()
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=2">' in text
    assert "$x^2$" in text and "*星号*" in text and "[链接](http://example.com)" in text
    assert page.locator(".katex").count() == 0, "no LaTeX was rendered"
    assert page.locator("img[src=x]").count() == 0
    time.sleep(1)  # give an injected onerror handler (and an image load) the chance to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # a document's <img> and Markdown image were on screen in the sources and the article: the browser fetched neither
    assert pixel_server.requests == [], pixel_server.requests
    _screenshot(page, tmp_path / "hostile-article.png", 1400)
