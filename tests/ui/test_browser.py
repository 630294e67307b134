"""The real app in a real Chromium: `rag ui` as a subprocess, driven with Playwright.

Needs Debian's /usr/bin/chromium (`apt-get install chromium`) and the `playwright` Python package (its own browser
downloads are never used). The index is built before the server starts, from the bundled magazine plus one hostile
document (`<script>`, `<img onerror>`, `$x^2$`, an e-mail address), into a private index folder; the model and
embedding cache come from the shared real-model home (RAG_TEST_HOME when set), so a warm home makes this quick.

Every page load asserts that the browser asked nothing of any other origin (no fonts, icons or favicons from a CDN),
and every test that no record at ERROR level (or traceback) reached the server's log. Screenshots go to
RAG_SCREENSHOT_DIR when set (else the test's tmp folder).
"""

from __future__ import annotations

import json
import os
import re
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
from ui.i18n import text

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
*星号* 与 [链接](http://example.com) 亦然，邮箱 editor@example.com 不应变成链接。
远程图片 <img src="{pixel}/html.png"> 与 ![图]({pixel}/md.png) 不应加载。
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
    saved = set((Path(real_home) / "conversations").glob("*.json"))
    try:
        _wait_healthy(url, proc)
        yield {"url": url, "env": env, "log": log_path, "started": started, "index": work / "index"}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the session we started: `rag ui` and its streamlit child
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        for path in set((Path(real_home) / "conversations").glob("*.json")) - saved:  # the ones the tests made
            path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no `playwright install`)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _log_problems(server) -> list[str]:
    lines = Path(server["log"]).read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if " ERROR " in line or line.startswith("Traceback") or "Error:" in line]


@pytest.fixture()
def no_server_errors(server):
    """The server logged nothing at ERROR level (and no traceback) while the test ran."""
    before = len(_log_problems(server))
    yield
    assert _log_problems(server)[before:] == []


def _context(browser, server, locale: str):
    """A browser context in `locale` that records every request; on close, all went to the app itself."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    return context, page, requests


@pytest.fixture()
def page(browser, server, no_server_errors):
    """A Chinese-speaking reader's page (the default interface)."""
    context, page, requests = _context(browser, server, "zh-CN")
    try:
        yield page
    finally:
        context.close()
    elsewhere = sorted({u for u in requests if not u.startswith(server["url"] + "/") and not u.startswith("data:")})
    assert elsewhere == [], "the page fetched from another origin"


@pytest.fixture()
def english_page(browser, server, no_server_errors):
    context, page, requests = _context(browser, server, "en-US")
    try:
        yield page
    finally:
        context.close()
    assert all(u.startswith(server["url"] + "/") or u.startswith("data:") for u in requests), requests


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RAG_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(page, server) -> None:
    page.goto(server["url"] + "/", wait_until="domcontentloaded")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=300_000)


def _ask(page, question: str, answers_before: int, timeout_ms: int = 300_000, lang: str = "zh") -> float:
    """Type `question`, wait for its answer and sources; returns the seconds from Enter to the sources shown."""
    copy_label = text("chat.copy", lang)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.monotonic()
    box.press("Enter")
    page.wait_for_function(  # the finished turn is drawn with its copy button (after the answer's rerun)
        "([n, label]) => [...document.querySelectorAll('button')].filter(b => b.innerText.includes(label)).length >= n",
        arg=[answers_before + 1, copy_label],
        timeout=timeout_ms,
    )
    page.locator(".rag-source").first.wait_for(state="attached", timeout=timeout_ms)
    time.sleep(0.5)
    return time.monotonic() - started


def _screenshot(page, path: Path, height: int = 1400) -> Path:
    page.set_viewport_size({"width": 1400, "height": height})
    time.sleep(0.5)
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


ZH_ALLOWED = {
    "English",  # the one-click switch
    "Skip",  # Streamlit's own "Skip to main content" link for screen readers
    "main",
    "content",
    "hybrid",
    "dense",
    "bm25",
    "BM25",
    "OpenAI",
    "API",
    "default",
    "multilingual",
    "small",
    "intfloat",
    "JSONL",
    "JSON",
}


_SHOWN_TEXT = """sel => {
  // what a reader reads, without icon ligatures ("chat", "database"), saved questions (the reader's own words) and
  // ui/engine.py's first-start box (its texts come with the first-start progress work)
  const hide = [...document.querySelectorAll('[data-testid=stIconMaterial], [class*="st-key-conv-"]')]
    .concat([...document.querySelectorAll('[data-testid=stExpander]')].filter(e => e.innerText.includes('Model and')));
  const was = hide.map(e => e.style.display);
  hide.forEach(e => { e.style.display = 'none'; });
  const text = document.querySelector(sel).innerText;
  hide.forEach((e, i) => { e.style.display = was[i]; });
  return text;
}"""


def _shown(page, selector: str = "body") -> str:
    return page.evaluate(_SHOWN_TEXT, selector)


def _english_words(shown: str) -> set[str]:
    shown = re.sub(r"《[^》]*》", "", shown)  # titles are the magazine's own words
    shown = re.sub(r"\d{4}-\d\d-\d\dT[\d:+]+", "", shown)  # build time stamps
    return {w for w in re.findall(r"[A-Za-z]{3,}", shown) if w not in ZH_ALLOWED} - {"bf", "e5"}


def test_start_page_is_chinese_and_the_switch_makes_it_english(server, page, tmp_path):
    _open(page, server)
    page.get_by_text(text("chat.examples", "zh")).wait_for(timeout=60_000)
    assert page.title() == text("app.title", "zh")
    assert _english_words(_shown(page)) == set(), "no English on the Chinese page"
    assert page.get_by_test_id("stToolbar").get_by_text("Deploy").count() == 0
    assert page.get_by_test_id("stAppDeployButton").count() == 0
    _screenshot(page, _shots(tmp_path) / "zh-start.png", 1000)
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    page.get_by_text(text("chat.examples", "en")).wait_for(timeout=60_000)

    def chinese_shown() -> bool:
        return bool(re.search(r"[\u4e00-\u9fff]", re.sub(r"《[^》]*》", "", _shown(page)).replace("中文", "")))

    for _ in range(40):  # Streamlit replaces the page's elements one by one after the switch: give it the rerun
        if not chinese_shown():
            break
        page.wait_for_timeout(500)
    assert not chinese_shown(), "no Chinese"
    _screenshot(page, _shots(tmp_path) / "en-start.png", 1000)


def test_english_browser_gets_the_english_interface(server, english_page, tmp_path):
    _open(english_page, server)
    english_page.get_by_text(text("chat.examples", "en")).wait_for(timeout=60_000)
    sidebar = _shown(english_page, "[data-testid=stSidebar]")
    assert "Retrieval" in sidebar and not re.search(r"[\u4e00-\u9fff]", sidebar.replace("中文", ""))
    _ask(english_page, "What paths for intelligent computing does Sun Ninghui describe?", 0, lang="en")
    _screenshot(english_page, _shots(tmp_path) / "en-answer.png")


def test_ask_shows_cited_answer_and_highlighted_source(server, page, tmp_path):
    shots = _shots(tmp_path)
    _open(page, server)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(QUESTION)
    box.press("Enter")
    page.get_by_text(text("chat.searching", "zh")).or_(page.get_by_text(text("chat.reading", "zh", n=5))).or_(
        page.get_by_text(text("chat.writing", "zh"))
    ).first.wait_for(timeout=60_000)
    page.screenshot(path=str(shots / "zh-status.png"))
    page.locator(".rag-source").first.wait_for(state="attached", timeout=300_000)
    print(f"server start → first answer: {time.monotonic() - server['started']:.1f} s")

    answer = page.locator(".rag-answer").first
    assert re.search(r"\[\d+\]", answer.inner_text()), "the answer carries [n] markers"
    marker = page.locator(".rag-cite a").first
    target = marker.get_attribute("href")
    assert target and target.startswith("#rag-src-")
    assert page.locator(target).count() == 1, "the marker points at its source on the page"
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    card = page.locator(".rag-cite .rag-card").first
    for attempt in range(3):  # a rerun of the page under load can replace the marker while the mouse is on it
        marker.hover()
        try:
            card.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.mouse.move(0, 0)
    assert card.inner_text().strip()
    page.screenshot(path=str(shots / "zh-hover.png"))
    quote = page.locator(".rag-source mark.rag-quote").first
    quote.wait_for(state="visible")
    assert quote.inner_text().strip()
    assert not re.search(r"score|0\.0\d{3}", _shown(page, "[data-testid=stMainBlockContainer]")), "no score"
    full = page.locator(".rag-source details").first
    assert full.locator(".rag-passage").is_hidden(), "the whole passage waits behind one click"
    full.locator("summary").click()
    assert full.locator(".rag-passage").is_visible()
    _screenshot(page, shots / "zh-answer.png")

    second = _ask(page, FOLLOW_UP, 1)
    print(f"follow-up question → answer: {second:.2f} s (machine shared, indicative only)")
    assert page.get_by_text(text("chat.follow_up", "zh", question=QUESTION)).first.is_visible()
    folded = page.get_by_test_id("stExpander").filter(has_text="出处（")
    assert folded.count() == 1 and folded.first.locator(".rag-source").first.is_hidden(), "earlier sources folded"
    _screenshot(page, shots / "zh-follow-up.png")

    # the source link opens the article at the cited passage
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.locator(f"text={text('src.open', 'zh')} >> visible=true").first.click()
    page.locator("#rag-passage").wait_for(timeout=60_000)
    assert page.locator("#rag-passage mark.rag-quote").count() >= 1
    assert "articles" in page.url and "doc=" in page.url
    assert page.locator(".rag-article .rag-gap").count() > 3, "the article is shown in paragraphs"
    _screenshot(page, shots / "zh-article.png")

    # Articles from the menu starts afresh: the list, not the article the link opened
    page.get_by_test_id("stSidebarNav").get_by_text(text("nav.ask", "zh")).click()
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_text(text("nav.articles", "zh")).click()
    page.get_by_text(text("art.search", "zh")).wait_for(timeout=60_000)
    time.sleep(1)
    assert "doc=" not in page.url and page.locator("#rag-passage").count() == 0
    assert page.get_by_text(text("side.retrieval", "zh"), exact=True).count() == 0, "no chat controls here"


def test_saved_conversations_line_up_whatever_the_length_of_their_titles(server, real_home, page, tmp_path):
    from rag.answer import Conversation, ConversationStore

    store = ConversationStore.under(Path(real_home))
    titles = ["小米SU7的零售价是多少？", "How much did the R&D spending of the top 100 companies grow in 2023?"]
    titles += ["孙凝晖院士认为中国发展智能计算应该走什么道路？他讲了哪几个选择？"]
    ids = [store.save(Conversation(title=title)).stem for title in titles]
    _open(page, server)
    rows = [page.locator(f".st-key-conv-{i}") for i in ids]
    rows[-1].wait_for(timeout=60_000)
    sidebar = page.get_by_test_id("stSidebarUserContent").bounding_box()
    icons = [row.get_by_test_id("stIconMaterial").bounding_box() for row in rows]
    words = [row.locator("p").bounding_box() for row in rows]
    assert len({round(box["x"]) for box in icons}) == 1, ("the icons line up", icons)
    assert len({round(box["x"]) for box in words}) == 1, ("the titles start at one place", words)
    assert all(sidebar["x"] <= box["x"] and box["x"] + box["width"] <= sidebar["x"] + sidebar["width"] for box in words)
    rows[0].locator("button").click()  # the open conversation is highlighted, in line with the others
    rows[0].locator("button[kind=primary], button[data-testid=stBaseButton-primary]").wait_for(timeout=60_000)
    opened = [row.get_by_test_id("stIconMaterial").bounding_box() for row in rows]
    assert len({round(box["x"]) for box in opened}) == 1, ("the open conversation's icon lines up", opened)
    _screenshot(page, _shots(tmp_path) / "zh-conversations.png", 1000)


def test_document_markup_is_shown_as_text_never_run(server, pixel_server, page, tmp_path):
    _open(page, server)
    _ask(page, "安全测试文档里的脚本标签和公式是什么？", 0)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    sources = " ".join(page.locator(".rag-source").all_text_contents())
    assert "<script>window.__pwned=1</script>" in sources
    assert "$x^2$" in sources
    assert page.locator("a[href^=mailto]").count() == 0, "an e-mail address in a document is not a link"
    _screenshot(page, _shots(tmp_path) / "hostile-chat.png", 1800)

    page.get_by_test_id("stSidebarNav").get_by_text(text("nav.articles", "zh")).click()
    page.get_by_text(text("art.search", "zh")).wait_for(timeout=60_000)
    page.get_by_test_id("stSelectbox").filter(has_text=text("art.show", "zh")).click()
    page.get_by_role("option", name=text("art.show.all", "zh")).click()
    search = page.get_by_label(text("art.search", "zh"))
    search.fill(HOSTILE_TITLE)
    search.press("Enter")
    page.get_by_text(text("art.count", "zh", n=1, total=33)).wait_for(timeout=60_000)
    page.get_by_role("heading", name=HOSTILE_TITLE).wait_for(timeout=60_000)
    # Streamlit updates elements in place: the heading can be new while the body is still the previous article
    article = page.locator(".rag-article").filter(has_text="window.__pwned=1")
    article.wait_for(timeout=60_000)
    shown = article.inner_text()
    assert "<script>window.__pwned=1</script>" in shown
    assert '<img src=x onerror="window.__pwned=2">' in shown
    assert "$x^2$" in shown and "*星号*" in shown and "[链接](http://example.com)" in shown
    assert "editor@example.com" in shown and page.locator("a[href^=mailto]").count() == 0
    assert page.locator(".katex").count() == 0, "no LaTeX was rendered"
    assert page.locator("img[src=x]").count() == 0
    time.sleep(1)  # give an injected onerror handler (and an image load) the chance to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # a document's <img> and Markdown image were on screen in the sources and the article: the browser fetched neither
    assert pixel_server.requests == [], pixel_server.requests
    _screenshot(page, _shots(tmp_path) / "hostile-article.png")


def test_evaluation_page_runs_without_a_traceback(server, page, tmp_path):
    rows = [
        {"id": "t1", "question": QUESTION, "answers": ["我国发展智能计算技术体系存在三条道路"], "answerable": True},
        {"id": "t2", "question": "这一期杂志的定价是多少钱？", "answers": ["60.00元"], "answerable": True},
        {"id": "t3", "question": "火星上的咖啡馆营业时间是几点？", "answers": [], "answerable": False},
    ]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    _open(page, server)
    page.get_by_test_id("stSidebarNav").get_by_text(text("nav.evaluation", "zh")).click()
    page.get_by_text(text("ev.upload", "zh")).click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "tiny.jsonl", "mimeType": "application/json", "buffer": data}]
    )
    page.get_by_text("tiny.jsonl").wait_for(timeout=60_000)
    page.get_by_role("button", name=text("ev.run", "zh")).click()
    page.get_by_text(text("ev.per_question", "zh")).wait_for(timeout=600_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    time.sleep(2)  # the tables are drawn (an Arrow conversion error would be logged now)
    assert page.get_by_text(text("ev.vs.help", "zh")).count() == 1, "the comparison column is explained"
    _screenshot(page, _shots(tmp_path) / "zh-evaluation.png", 1800)
    page.get_by_test_id("stSidebarNav").get_by_text(text("nav.index", "zh")).click()
    page.get_by_role("button", name=text("ix.build", "zh")).wait_for(timeout=60_000)
    time.sleep(1)
    _screenshot(page, _shots(tmp_path) / "zh-index.png", 1000)


def test_first_start_from_an_empty_home_shows_progress_then_answers(browser, tmp_path):
    """`rag ui` with an empty RAG_HOME: the page shows the build's progress (model conversion, index), then the start
    page, then the first answer; each state is screenshotted and the seconds to a usable page are printed."""
    home = tmp_path / "home"  # nothing in it: this start converts the model and builds the index
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"RAG_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "NO_PROXY": "127.0.0.1"}
    port, log_path, shots = _free_port(), tmp_path / "ui.log", _shots(tmp_path)
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            [_rag(), "ui", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = {"url": url, "log": log_path}
    context, page, requests = _context(browser, server, "zh-CN")
    try:
        _wait_healthy(url, proc)
        page.goto(url + "/", wait_until="domcontentloaded")
        page.get_by_test_id("stProgress").first.wait_for(timeout=120_000)  # the build has not finished yet
        _screenshot(page, shots / "first-start-progress.png", 900)
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=900_000)
        usable = time.monotonic() - started
        _screenshot(page, shots / "first-start-ready.png", 1000)
        _ask(page, QUESTION, 0)
        answered = time.monotonic() - started
        _screenshot(page, shots / "first-start-answer.png")
    finally:
        context.close()
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
    print(f"first start: usable page {usable:.1f} s, first answer {answered:.1f} s after `rag ui`")
    terminal = log_path.read_text(encoding="utf-8", errors="replace")
    assert "rag ui: index ready: 222 passages" in terminal  # the terminal reports the build too
    assert _log_problems(server) == []
    assert all(u.startswith(url + "/") or u.startswith("data:") for u in requests), "a request left the app"
