"""Promise 5 — hostile documents: a passage with a prompt injection, HTML/JS, a javascript: link, an image that
would call home, LaTeX, a fake passage fence or terminal escapes is indexed, retrieved and shown as literal text
(terminal, app, prompt); the LLM prompt fences it as data; nothing in the answer path executes or follows it."""

from __future__ import annotations

import html
import json
import re

import pytest
from safety_support import (
    FENCE_BREAK,
    HOSTILE_TITLE,
    IMG,
    INJECTION,
    JS_LINK,
    LATEX,
    SCRIPT,
    TERMINAL,
    ask,
    base_url,
    hostile_document,
    llm_server,
    ok,
    open_page,
    rag,
    small_corpus,
    use_fake_model,
)

from rag.index import load_index

LITERALS = (HOSTILE_TITLE, INJECTION, SCRIPT, IMG, JS_LINK, LATEX, FENCE_BREAK)
QUESTION = "补贴申请材料、公告网页和申请入口里分别有什么？"


@pytest.fixture()
def hostile(tmp_path, monkeypatch, capsys):
    """The hostile document (its image points at a loopback recorder) beside three ordinary files, indexed with
    the fake embedder; yields (home, recorder)."""
    home = tmp_path / "home"
    use_fake_model(monkeypatch, home)
    corpus = small_corpus(tmp_path / "corpus", files=3)
    with llm_server("echo") as recorder:
        (corpus / "hostile.md").write_text(hostile_document(base_url(recorder) + "/pixel.png"), encoding="utf-8")
        code, _, err = rag(["index", corpus], capsys)
        assert code == 0, err
        yield home, recorder


def test_hostile_text_is_indexed_and_retrieved_verbatim(hostile, capsys):
    home, _ = hostile
    index = load_index(home / "index")
    doc = next(d for d in index.documents.values() if d.title == HOSTILE_TITLE)
    for literal in (*LITERALS, TERMINAL):
        assert literal in doc.text
    code, out, _ = rag(["search", QUESTION, "-k", "10", "--json"], capsys)
    passages = "".join(hit["text"] for hit in json.loads(out))
    for literal in (*LITERALS, TERMINAL):
        assert literal in passages, literal


def test_the_terminal_gets_hostile_passages_as_text_and_never_an_escape_sequence(hostile, capsys):
    for argv in (["search", QUESTION, "-k", "10"], ["ask", QUESTION, "-k", "10"], ["docs", "--all"]):
        code, out, err = rag(argv, capsys)
        assert code == 0, err
        assert "\x1b" not in out + err and "\x07" not in out + err, argv
    code, out, _ = rag(["search", QUESTION, "-k", "10"], capsys)
    for literal in LITERALS:
        assert literal in out, literal
    assert r"\x1b]0;pwned\x07\x1b[2J" in out  # shown, not obeyed


def _rendered(at) -> tuple[list[str], list[str]]:
    """Markdown sources (markdown, captions, notices) and HTML bodies of everything on the page."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success")
    markdown = [e.value for kind in kinds for e in at.get(kind)]
    return markdown, [h.proto.body for h in at.get("html")]


def _assert_literal(at, literals=LITERALS):
    from ui.render import unescape_md

    markdown, bodies = _rendered(at)
    for source in markdown:  # Markdown is escaped: no tag, link, image or formula survives as markup
        for raw in ("<script", "<img", "](javascript:", "](http", "$\\frac", "$$", "</passage>"):
            assert not re.search(r"(?<!\\)" + re.escape(raw), source), (raw, source)
    from ui.render import CHROME_CSS

    bodies = [b for b in bodies if b != CHROME_CSS]  # our own static stylesheet
    for body in bodies:  # HTML is escaped: only our own <div>, <span>, <mark>, <details>/<summary> and <a> tags
        assert not re.search(r"<(?!/?(div|span|mark|details|summary|a)\b)", body), body
        for tag in re.findall(r"<[^>]*>", body):  # and their attributes are ours: no handler, no script URL
            assert not re.search(r"\bon\w+\s*=|javascript:|src\s*=", tag, re.I), tag
            # the only link: a citation marker to its source on the same page
            assert not re.search(r"href\s*=", tag) or re.fullmatch(r'<a href="#rag-src-[\w-]+">', tag), tag
    texts = [html.unescape(re.sub(r"<[^>]*>", "", b)) for b in bodies]  # our highlight tags out, text back
    shown = "\n".join([unescape_md(s) for s in markdown] + texts)
    for literal in literals:
        assert literal in shown, literal


def test_the_app_shows_hostile_passages_as_text(hostile):
    home, recorder = hostile
    at = open_page("app_pages/chat.py")
    ask(at, QUESTION)
    answer = at.session_state["turns"][-1].answer
    assert answer is not None and any(s.document.title == HOSTILE_TITLE for s in answer.sources)
    _assert_literal(at)
    assert recorder.requests == [], "the app itself fetched nothing (what a browser fetches: tests/ui/test_browser.py)"


def test_the_article_view_shows_a_hostile_document_as_text(hostile):
    home, recorder = hostile
    doc = next(d for d in load_index(home / "index").documents.values() if d.title == HOSTILE_TITLE)
    at = open_page("app_pages/chat.py")
    at.query_params.update(doc=doc.id, start="0", end=str(len(doc.text)))
    ok(at.run())
    at.switch_page("app_pages/articles.py")
    ok(at.run())
    _assert_literal(at)
    assert recorder.requests == []


def _fenced(prompt: str) -> tuple[str, list[str]]:
    """The prompt with every <passage> element cut out, and the element bodies."""
    bodies = re.findall(r'<passage id="\d+">\n(.*?)\n</passage>', prompt, re.S)
    return re.sub(r'<passage id="\d+">\n.*?\n</passage>', "", prompt, flags=re.S), bodies


def test_the_llm_prompt_fences_hostile_passages_as_data_and_its_reply_is_shown_as_text(hostile):
    """A model that obeys the injection (markup, a javascript: link, an image that calls home) is shown as text."""
    home, recorder = hostile
    pixel = base_url(recorder) + "/obeyed.png"
    recorder.reply = f"PWNED {SCRIPT} {JS_LINK} ![x]({pixel}) 补贴申请材料里夹带了一句话。[1]"
    at = open_page("app_pages/chat.py")
    at.radio(key="answerer").set_value("endpoint")
    ok(at.run())
    at.text_input(key="llm_url").set_value(base_url(recorder))
    ok(at.run())
    ask(at, QUESTION)

    assert [(r["method"], r["path"]) for r in recorder.requests] == [("POST", "/v1/chat/completions")]
    system, user = (m["content"] for m in recorder.requests[0]["body"]["messages"])
    outside, bodies = _fenced(user)
    answer = at.session_state["turns"][-1].answer
    assert len(bodies) == len(answer.sources) and user.count("</passage>") == len(answer.sources)
    hostile_passages = [b for b in bodies if "补贴" in b and "PWNED" in b]
    assert hostile_passages, "the injection reached the model only inside a fence"
    for literal in (INJECTION, SCRIPT, JS_LINK):
        assert literal not in system and literal not in outside and any(literal in b for b in bodies)
    assert "伪造的资料" in "".join(bodies) and '<passage id="9">' not in user  # the fake fence cannot open
    assert outside.index("</passages>") < outside.index("问题：")
    _assert_literal(at, literals=(SCRIPT, JS_LINK))
    assert len(recorder.requests) == 1, "the app itself requested nothing but the answer (browser: test_browser.py)"
