"""The Streamlit UI: pure helpers (fast) and every page driven by streamlit.testing.v1.AppTest (real model, slow)."""

from __future__ import annotations

import html
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rag.answer import Answer, Citation, Source, Turn, fold_follow_up, is_follow_up, marker_citations, wants_more
from rag.errors import UploadRejected
from rag.evaluation import append_feedback, evaluation_lines, export_jsonl, read_feedback
from rag.text import has_cjk, near_duplicate
from rag.types import Chunk, Document
from ui.chat_view import answer_cards
from ui.render import anchor, answer_html, article_html, highlight_html, local_time, md, merge_spans, unescape_md
from ui.uploads import safe_filename, save_upload

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
QUESTION = "孙凝晖认为我国发展智能计算有哪几条道路？"
HOSTILE = '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2"> $x^2$ *b* _i_ [l](http://x) `c`'


# ---------------------------------------------------------------- pure helpers


def test_md_escapes_markdown_latex_and_html():
    source = md(HOSTILE + "\n    indented :smile: 1. item # h")
    assert unescape_md(source).replace("\u00a0", " ") == HOSTILE + "\n    indented :smile: 1. item # h"
    for ch in "<>$*_[]`:#":
        assert re.search(rf"(?<!\\){re.escape(ch)}", source) is None, ch  # every special character is escaped
    assert "\n    " not in source  # no indented code block


def test_highlight_html_escapes_text_and_marks_spans():
    text = "前文" + HOSTILE + "后文"
    out = highlight_html(text, [(2, 2 + 8), (0, 1)])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in out
    assert out.count("<mark") == 2 and "$x^2$" in out


def test_article_html_marks_passage_and_quote():
    text = "第一段。第二段的引用句。第三段。"
    out = article_html(text, (4, 12), [(7, 11)])
    assert 'id="rag-passage"' in out and "<mark" in out
    assert out.index("rag-passage") < out.index("<mark")
    assert article_html("<b>x</b>").count("<b>") == 0


def test_merge_spans():
    assert merge_spans([(5, 9), (0, 2), (1, 3), (8, 12), (20, 30), (4, 4)], 25) == [(0, 3), (5, 12), (20, 25)]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/abs/path/notes.TXT", "notes.txt"),
        ("a b$c;rm -rf.md", "a_b_c_rm_-rf.md"),
        (".hidden.md", "hidden.md"),
        ("..md", "upload.md"),
        ("中文 文件名.txt", "中文_文件名.txt"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


@pytest.mark.parametrize("name", ["script.py", "archive.tar.gz", "noext", "x.txt.exe"])
def test_safe_filename_rejects_other_types(name):
    with pytest.raises(UploadRejected):
        safe_filename(name)


def test_save_upload_stays_in_folder(tmp_path):
    folder = tmp_path / "uploads"
    path = save_upload(folder, "../../../outside.txt", "正文".encode(), 1000)
    assert path == folder / "outside.txt" and path.read_text(encoding="utf-8") == "正文"
    assert not (tmp_path / "outside.txt").exists()
    with pytest.raises(UploadRejected, match="empty"):
        save_upload(folder, "blank.md", b"  \n", 1000)
    with pytest.raises(UploadRejected, match="limit"):
        save_upload(folder, "big.md", b"x" * 2001, 1000)


@pytest.mark.parametrize(
    ("question", "follow"),
    [
        ("他还提到了什么？", True),
        ("越南呢？", True),
        ("what about Vietnam?", True),
        ("Who wrote it?", True),
        ("还有呢", True),
        ("中望龙腾的海外收入占比是多少？", False),
        ("这一期杂志的定价是多少钱？", False),
        ("What is the price of this issue?", False),
        ("Which countries does the industrial transfer article compare China with?", False),
        # a reference whose antecedent is in the question itself
        ("Why does Kunlun Tech build its own foundation model?", False),
        ("Why does Kunlun Tech insist on building its own model rather than someone else's?", False),
        ("What did he say about Vietnam?", True),
        ("Why did this happen?", True),
        ("简欣认为释放数据要素价值目前面临哪些困境？", False),
        ("《发展智能计算的道路选择》这篇文章是根据什么讲稿整理的？", False),
        ("中望软件为什么要参加汉诺威工业博览会？对它有什么好处？", False),
        ("这篇文章是谁写的？", True),
    ],
)
def test_is_follow_up(question, follow):
    assert is_follow_up(question) is follow


def test_fold_follow_up():
    previous = Turn(QUESTION, QUESTION, ("发展智能计算的道路选择",))
    folded = fold_follow_up("他还提到了什么？", previous)
    assert folded.startswith("他还提到了什么？") and QUESTION in folded and "《发展智能计算的道路选择》" in folded
    assert fold_follow_up("中望龙腾的海外收入占比是多少？", previous) == "中望龙腾的海外收入占比是多少？"
    assert fold_follow_up("他还提到了什么？", None) == "他还提到了什么？"
    long_follow = "他对开源和闭源两条技术路线之争具体是怎么看的？"
    assert fold_follow_up(long_follow, previous) == long_follow + " 《发展智能计算的道路选择》"
    assert len(fold_follow_up("那他呢？", Turn("问" * 5000), max_chars=100)) == 100


@pytest.mark.parametrize(
    ("question", "more"),
    [("他还提到了什么？", True), ("what else?", True), ("越南呢？", False), ("Who wrote it?", False)],
)
def test_wants_more(question, more):
    assert wants_more(question) is more


class _FakeAnswer:
    def __init__(self, quotes, abstained=False):
        self.quotes, self.abstained = quotes, abstained

    def to_json(self):
        return {
            "answer": "答。[1]",
            "abstained": self.abstained,
            "answerer": "extractive",
            "citations": [{"n": 1, "chunk_id": "c", "doc": None, "quote": q, "span": [0, 1]} for q in self.quotes],
            "sources": [{"n": 1, "chunk_id": "c", "doc": {"title": "t"}, "score": 0.5, "passage": "p"}],
        }


def test_feedback_store_and_export(tmp_path):
    from rag.evaluation import feedback_record

    path = tmp_path / "feedback.jsonl"
    append_feedback(path, feedback_record("t1", 0, "问题一？", "问题一？", _FakeAnswer(["句一。"])))
    append_feedback(path, feedback_record("t1", 1, "问题一？", "问题一？", _FakeAnswer(["句一。", "句二。"])))
    append_feedback(path, feedback_record("t2", 0, "问题二？", "问题二？", _FakeAnswer(["句三。"])))
    append_feedback(path, feedback_record("t3", 1, "他呢？", "他呢？ 问题一？", _FakeAnswer([])))
    append_feedback(path, feedback_record("t4", 1, "无？", "无？", _FakeAnswer(["x"], abstained=True)))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("not json\n")
    records = read_feedback(path)
    assert len(records) == 5 and records[1]["rating"] == "up" and records[1]["sources"][0]["passage"] == "p"
    lines = evaluation_lines(records)
    assert lines == [{"id": "fb-t1", "question": "问题一？", "answers": ["句一。", "句二。"], "answerable": True}]
    exported = [json.loads(line) for line in export_jsonl(records).splitlines()]
    assert exported == lines


def _answer(text: str, quotes: list[tuple[int, str]], passage: str = "") -> Answer:
    """An answer citing `quotes` ((n, sentence), in that order) of sources 1 and 2, whose passages hold them all."""
    passage = passage or "".join(q for _, q in quotes)
    sources = []
    for n in (1, 2):
        doc = Document(f"文章{n}", passage, kind="article")
        sources.append(Source(n, Chunk(doc.id, passage, 0, len(passage)), doc, 0.5))
    spans = [(passage.find(q), passage.find(q) + len(q)) for _, q in quotes]
    citations = [Citation(n, sources[n - 1].chunk.id, q, span) for (n, q), span in zip(quotes, spans)]
    return Answer("问？", text, False, citations, sources)


def _cards_shown(answer: Answer) -> list[str]:
    """The hover card of each marker as shown: the sentence the card quotes."""
    out = answer_html(answer.text, "t1", answer_cards(answer))
    return [_html_text(c) for c in re.findall(r'<span class="rag-card">.*?</span>(.*?)</span>', out)]


def test_each_marker_card_shows_the_sentence_that_marker_cites():
    lines = ["事后总结，“骗补”方式可以归纳为4类。", "第一类是有牌无车，一共有5家企业"]
    lines += ["第二类是有车无电池，涉及12家企业"]
    lines += ["第三类是标实不符，共涉及7家企业", "第四类是车辆闲置，共涉及30家企业"]
    answer = _answer("\n".join(f"{line}[1]" for line in lines), [(1, line) for line in lines])
    assert _cards_shown(answer) == lines


def test_marker_cards_when_a_sentence_is_cited_twice():
    # a model's answer: the citation check lists a sentence once however often it is cited
    first, second, other = "补助政策将在2020年底退出。", "财政部对五家企业作出处罚。", "另一篇文章的句子。"
    text = "补助在2020年底退出[1]。企业受到处罚[1]。政策2020年底退出[1]。别的[2]。多出来的[3]"
    answer = _answer(text, [(1, first), (1, second), (2, other)])
    assert marker_citations(text, answer.citations)[-1] is None, "[3] names no citation"
    assert _cards_shown(answer) == [first, second, first, other]
    english = _answer("Subsidies end in 2020 [1]. Firms were fined [1]. Again [1].", [(1, first), (1, second)])
    assert _cards_shown(english) == [first, second, second], "nothing in common: in order"


def test_consecutive_markers_share_their_sentence():
    first, second = "甲公司收入增长了一倍。", "乙公司收入增长了一倍。"
    answer = _answer("两家公司收入都增长了一倍。[1][2]", [(1, first), (2, second)])
    assert _cards_shown(answer) == [first, second]


def _follow_up_captions():
    """A page showing the captions of three follow-ups (run by AppTest.from_function)."""
    from ui.chat_view import ChatTurn, follow_up_caption

    first = ChatTurn("a", "孙凝晖认为我国发展智能计算有哪几条道路？", "孙凝晖认为我国发展智能计算有哪几条道路？")
    folded = "他还提到了什么？ 孙凝晖认为我国发展智能计算有哪几条道路？ 《发展智能计算的道路选择》"
    follow_up_caption(ChatTurn("b", "他还提到了什么？", folded), first)
    own = "他对开源和闭源两条技术路线之争具体是怎么看的？"
    follow_up_caption(ChatTurn("c", own, own + " 《发展智能计算的道路选择》"), first)
    long = ChatTurn("d", "问" * 60 + "？", "问" * 60 + "？")
    follow_up_caption(ChatTurn("e", "那他呢？", "那他呢？ " + long.query), long)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_follow_up_says_what_it_was_searched_with_and_shows_the_search_only_on_request(lang):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_follow_up_captions)
    at.session_state["ui_lang"] = lang
    _ok(at.run())
    shown = [unescape_md(c.value) for c in at.caption]
    tips = [unescape_md(c.proto.help) for c in at.caption]
    if lang == "zh":
        assert shown == [
            "追问：结合上一个问题「孙凝晖认为我国发展智能计算有哪几条道路？」检索",
            "追问：结合上一个回答引用的文章检索",
            "追问：结合上一个问题「" + "问" * 39 + "…」检索",
        ]
        assert (
            tips[0]
            == "实际检索的文字：他还提到了什么？ 孙凝晖认为我国发展智能计算有哪几条道路？ 《发展智能计算的道路选择》"
        )
    else:
        assert shown[1] == "Follow-up: searched together with the articles the previous answer cited"
        assert shown[0].startswith('Follow-up: searched together with the previous question "孙凝晖')
        assert tips[0].startswith("The text searched: 他还提到了什么？ 孙凝晖")
    assert all("《" not in line for line in shown), "the folded search text is not in the caption"


# ---------------------------------------------------------------- pages (AppTest, real model)


@pytest.fixture(scope="module")
def ui_env(real_home):
    """RAG_HOME → the shared real-model home (RAG_TEST_HOME when set); no index override, no LLM from the env."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_HOME", str(real_home))
        for name in ("RAG_INDEX_DIR", "RAG_LLM_BASE_URL", "RAG_LLM_API_KEY", "RAG_LLM_MODEL", "RAG_MAX_QUERY_CHARS"):
            mp.delenv(name, raising=False)
        folder = Path(real_home) / "conversations"
        before = set(folder.glob("*.json"))
        yield Path(real_home)
        for path in set(folder.glob("*.json")) - before:  # the conversations these tests saved
            path.unlink(missing_ok=True)


@pytest.fixture()
def eval_upload_cleanup(ui_env):
    """The Evaluation page stores uploads in <home>/eval_uploads; remove the ones a test made."""
    folder = ui_env / "eval_uploads"
    before = set(folder.iterdir()) if folder.exists() else set()
    yield
    for path in (set(folder.iterdir()) if folder.exists() else set()) - before:
        path.unlink(missing_ok=True)


def _app(lang: str | None = None):
    """A fresh session; Chinese (the default) unless `lang` is given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=900)
    if lang:
        at.session_state["ui_lang"] = lang
    return at


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ask(at, question):
    at.chat_input[0].set_value(question)
    return _ok(at.run())


def _html_text(body: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", body))


def _assistant_text(at, index=-1) -> str:
    """The answer's text (its hover cards left out)."""
    message = [m for m in at.chat_message if m.name == "assistant"][index]
    bodies = [h.proto.body for h in message.get("html") if 'class="rag-answer"' in h.proto.body]
    return "\n".join(_html_text(re.sub(r'<span class="rag-card">.*?</span></span>', "", b)) for b in bodies)


@pytest.mark.slow
def test_chat_answers_with_citations_and_sources(ui_env):
    at = _ok(_app().run())
    assert at.chat_input[0].max_chars == 2000
    _ask(at, QUESTION)
    text = _assistant_text(at)
    first = int(re.search(r"\[(\d+)\]", text).group(1))  # the first marker of the answer
    bodies = [h.proto.body for h in at.get("html")]
    answer = next(b for b in bodies if 'class="rag-answer"' in b)
    turn_id = at.session_state["turns"][0].id
    assert f'<a href="#{anchor(turn_id, first)}">[{first}]</a>' in answer, "[n] links to its source"
    assert 'class="rag-card"' in answer, "and shows the cited sentence when hovered"
    cited = [b for b in bodies if 'class="rag-source"' in b and "<mark" in b]
    assert cited and f'id="{anchor(turn_id, first)}"' in cited[0], "the cited source comes first, its sentence marked"
    assert "<details><summary>完整段落</summary>" in cited[0], "the whole passage is one click away"
    assert "发展智能计算的道路选择" in _html_text(cited[0])
    assert not re.search(r"score|0\.\d{4}", "".join(_html_text(b) for b in bodies)), "no raw fusion score"
    other = [e for e in at.expander if e.label.startswith("其他读过的段落")]
    assert all(not e.proto.expanded for e in other), "uncited passages are folded away"
    links = at.get("page_link")
    assert links and "doc=" in links[0].proto.query_string
    assert len(at.get("feedback")) == 1

    # a rerun keeps the history; a follow-up folds the previous turn into the search
    _ask(at, "他还提到了什么？")
    assert len([m for m in at.chat_message if m.name == "user"]) == 2
    follow = [c for c in at.caption if unescape_md(c.value).startswith("追问")]
    assert [unescape_md(c.value) for c in follow] == [f"追问：结合上一个问题「{QUESTION}」检索"]
    assert unescape_md(follow[0].proto.help) == "实际检索的文字：" + at.session_state["turns"][1].query
    earlier = [e for e in at.expander if e.label.startswith("出处（")]
    assert len(earlier) == 1 and not earlier[0].proto.expanded, "the first turn's sources are folded"
    assert len(at.session_state["turns"]) == 2 and QUESTION in at.session_state["turns"][1].query
    first, second = at.session_state["turns"]
    assert all(s.document.title == "发展智能计算的道路选择" for s in second.answer.sources[:3])
    cited_before = {c.chunk_id for c in first.answer.citations}
    assert cited_before and not cited_before & {s.chunk.id for s in second.answer.sources}  # "what else" → new passages
    said = [c.quote for c in first.answer.citations]
    assert not any(near_duplicate(c.quote, q) for c in second.answer.citations for q in said), "nothing said twice"

    next(b for b in at.button if b.label == "新对话").click().run()
    assert not at.session_state["turns"] and not [m for m in at.chat_message]


@pytest.mark.slow
def test_an_answer_citing_nothing_folds_what_was_read_and_claims_no_citation(ui_env):
    at = _ok(_app().run())
    _ask(at, "小米SU7的零售价是多少？")
    answer = at.session_state["turns"][0].answer
    assert answer.abstained and not answer.citations and answer.sources
    other = [e for e in at.expander if e.label.startswith("其他读过的段落")]
    assert len(other) == 1 and not other[0].proto.expanded, "the passages read stay folded away"
    links = [p.proto.query_string for p in at.get("page_link")]
    assert len(links) == len(answer.sources)
    assert all("start=" in q and "qs=" not in q and "qe=" not in q for q in links), "an uncited passage has no quote"

    # the link opens the article with the passage shaded, nothing highlighted as cited, and says so
    opened = _app()
    opened.query_params.update(dict(pair.split("=", 1) for pair in links[0].split("&")))
    _ok(opened.run())
    opened.switch_page("app_pages/articles.py")
    _ok(opened.run())
    assert [i.value for i in opened.info] == ["已打开到你来自的段落：该段落以浅色标出。"]
    article = next(h.proto.body for h in opened.get("html") if 'id="rag-passage"' in h.proto.body)
    assert "<mark" not in article


def test_local_time():
    assert local_time(None) is None and local_time("?") is None
    shown = local_time("2026-12-03T23:31:06+0000")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown)
    assert datetime.strptime(shown, "%Y-%m-%d %H:%M").astimezone() == datetime(2026, 12, 3, 23, 31, tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "counts", "passages"),
    [("zh", "已收录 32 篇文档 · 222 个段落", "个段落"), ("en", "32 documents · 222 passages indexed", "passages")],
)
def test_the_index_box_and_the_article_line_speak_to_a_reader(ui_env, lang, counts, passages):
    from rag.index import read_manifest

    manifest = read_manifest(ui_env / "index")
    at = _ok(_app(lang).run())
    details = next(e for e in at.sidebar.expander if e.label == {"zh": "技术细节", "en": "Technical details"}[lang])
    assert not details.proto.expanded
    inside = [unescape_md(c.value) for c in details.caption]
    box = [line for line in (unescape_md(c.value) for c in at.sidebar.caption) if line not in inside]
    assert counts in box
    assert f"{'建立于' if lang == 'zh' else 'Built'} {local_time(manifest['created_at'])}" in box
    assert not [line for line in box if re.search(r"intfloat|vector|向量|T\d\d:|\+0000", line)], box
    inside = " ".join(inside)
    assert manifest["model"]["name"] in inside and str(manifest["counts"]["vectors"]) in inside

    at.switch_page("app_pages/articles.py")
    _ok(at.run())
    at.text_input(key="articles_search").set_value("孙凝晖")
    _ok(at.run())
    line = next(unescape_md(c.value) for c in at.caption if "P" in c.value and "·" in c.value)
    assert re.search(rf"· \d+ ?{passages}$", line) and "chunk" not in line, line
    assert passages.strip("个") in str(list(at.dataframe[0].value.columns))


@pytest.mark.slow
def test_chat_rejects_empty_and_too_long_input(ui_env):
    at = _ok(_app().run())
    _ask(at, "   ")
    assert any("问题是空的" in e.value for e in at.error)
    assert at.session_state["turns"][0].answer is None
    # the input box caps the length (and Streamlit's server cuts anything longer); the page says so
    _ask(at, "问" * 2500)
    assert len(at.session_state["turns"][-1].question) == 2000
    assert any("问题最多 2000 个字符" in i.value for i in at.info)


@pytest.mark.slow
def test_unreachable_llm_falls_back_with_notice(ui_env):
    at = _ok(_app().run())
    at.radio(key="answerer").set_value("endpoint")
    _ok(at.run())  # the endpoint fields are enabled once it is chosen
    at.text_input(key="llm_url").set_value("http://127.0.0.1:9/v1")
    at.number_input(key="llm_timeout").set_value(2.0)
    _ok(at.run())
    _ask(at, QUESTION)
    notices = [unescape_md(w.value) for w in at.warning]
    assert any("以下是摘录原文的回答" in n for n in notices), notices
    assert "[" in _assistant_text(at)


@pytest.mark.slow
def test_feedback_is_stored_and_exported(ui_env):
    path = ui_env / "feedback.jsonl"
    before = path.read_bytes() if path.exists() else None
    try:
        at = _ok(_app().run())
        _ask(at, QUESTION)
        at.feedback[0].set_value(1)
        _ok(at.run())
        last = read_feedback(path)[-1]
        assert last["rating"] == "up" and last["question"] == QUESTION and last["sources"] and last["answer"]
        download = next(d for d in at.get("download_button") if "评测集" in d.proto.label)
        assert download is not None
        lines = evaluation_lines(read_feedback(path))
        assert any(line["question"] == QUESTION and line["answers"] for line in lines)
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)


@pytest.mark.slow
def test_articles_page_lists_bylined_articles_and_opens_passage(ui_env):
    at = _ok(_app("en").run())
    at.switch_page("app_pages/articles.py")
    _ok(at.run())
    table = at.dataframe[0].value
    assert len(table) == 13 and {"title", "authors", "section", "page", "passages"} <= set(table.columns)
    assert "发展智能计算的道路选择" in set(table["title"])
    at.text_input(key="articles_search").set_value("孙凝晖")
    _ok(at.run())
    assert list(at.dataframe[0].value["title"]) == ["发展智能计算的道路选择"]

    # a source link: ?doc=…&start=…&end=…&qs=…&qe=… opens the article at that passage
    from rag.index import load_index

    index = load_index(ui_env / "index", verify=False)
    doc = next(d for d in index.documents.values() if d.title == "发展智能计算的道路选择")
    chunk = index.chunks_of(doc.id)[3]
    link = _app("en")
    link.query_params.update(
        doc=doc.id, start=str(chunk.start), end=str(chunk.end), qs=str(chunk.start + 2), qe=str(chunk.start + 12)
    )
    _ok(link.run())
    link.switch_page("app_pages/articles.py")
    _ok(link.run())
    assert next(s for s in link.selectbox if s.label == "Read").value == doc.id
    bodies = [h.proto.body for h in link.get("html")]
    assert any('id="rag-passage"' in b and "<mark" in b for b in bodies)


@pytest.mark.slow
def test_evaluation_page_runs_an_uploaded_dataset(ui_env, eval_upload_cleanup):
    rows = [
        {"id": "t1", "question": QUESTION, "answers": ["我国发展智能计算技术体系存在三条道路"], "answerable": True},
        {"id": "t2", "question": "这一期杂志的定价是多少钱？", "answers": ["60.00元"], "answerable": True},
        {"id": "t3", "question": "火星上的咖啡馆营业时间是几点？", "answers": [], "answerable": False},
    ]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    at = _ok(_app("en").run())
    at.switch_page("app_pages/evaluation.py")
    _ok(at.run())
    at.radio(key="eval_source").set_value("upload")
    _ok(at.run())
    at.file_uploader(key="eval_file").set_value(("tiny.jsonl", data, "application/json"))
    at.multiselect(key="eval_modes").set_value(["hybrid", "bm25"])
    _ok(at.run())
    next(b for b in at.button if b.label == "Run the evaluation").click()
    _ok(at.run())
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert list(table["mode"]) == ["hybrid", "bm25"] and "mrr@10" in table.columns
    assert at.image, "the chart is shown"
    assert at.selectbox(key="eval_question").value == "t1"
    assert any("rank" in b.proto.body or "<mark" in b.proto.body for b in at.get("html"))


@pytest.mark.slow
def test_evaluation_page_reports_a_bad_dataset_in_one_sentence(ui_env, eval_upload_cleanup):
    at = _ok(_app("en").run())
    at.switch_page("app_pages/evaluation.py")
    _ok(at.run())
    at.radio(key="eval_source").set_value("upload")
    _ok(at.run())
    at.file_uploader(key="eval_file").set_value(("bad.jsonl", b'{"id": 1}\nnot json\n', "application/json"))
    _ok(at.run())
    next(b for b in at.button if b.label == "Run the evaluation").click()
    _ok(at.run())
    assert at.error and "problem" in unescape_md(at.error[0].value) and "Traceback" not in at.error[0].value


@pytest.mark.slow
def test_index_page_failed_build_keeps_previous_index(ui_env):
    from rag.index import read_manifest

    before = read_manifest(ui_env / "index")["created_at"]
    uploads = ui_env / "uploads"
    existing = set(os.listdir(uploads)) if uploads.exists() else set()
    at = _ok(_app("en").run())
    at.switch_page("app_pages/manage_index.py")
    _ok(at.run())
    counts = read_manifest(ui_env / "index")["counts"]
    assert [m.value for m in at.metric][:2] == [str(counts["documents"]), str(counts["chunks"])]
    at.checkbox(key="index_bundled").set_value(False)
    at.file_uploader(key="index_files").set_value(("../../escape.txt", b"\x00\x01binary\x00" * 20, "text/plain"))
    _ok(at.run())
    next(b for b in at.button if b.label == "Build the index").click()
    _ok(at.run())
    errors = [unescape_md(e.value) for e in at.error]
    assert errors and "previous index is still in use" in errors[0] and "Traceback" not in errors[0]
    assert read_manifest(ui_env / "index")["created_at"] == before
    assert (set(os.listdir(uploads)) if uploads.exists() else set()) == existing
    assert not (ui_env.parent / "escape.txt").exists()


PAGES = ("app_pages/chat.py", "app_pages/articles.py", "app_pages/evaluation.py", "app_pages/manage_index.py")
ZH_ALLOWED = {"English", "hybrid", "dense", "bm25", "BM25", "OpenAI", "API", "JSONL", "JSON", "MRR", "nDCG", "hit"}


def _chrome(at) -> list[str]:
    """The interface's own words on the page: titles, labels, notices, captions, column names (document text, the
    model's name and the magazine's titles in 《》 left out)."""
    kinds = ("title", "subheader", "caption", "markdown", "info", "warning", "error", "success")
    shown = [unescape_md(e.value) for kind in kinds for e in at.get(kind)]
    buttons = [b.label for b in at.button if not (b.key or "").startswith("conv-")]  # saved questions: the reader's
    shown += [e.label for e in at.expander] + buttons + [m.label for m in at.metric]
    for kind in ("selectbox", "multiselect", "slider", "text_input", "number_input", "radio", "checkbox", "toggle"):
        shown += [w.label for w in at.get(kind)]
    shown += [p.proto.placeholder for p in at.chat_input]
    shown += [str(c) for d in at.dataframe for c in d.value.columns]
    clean = [re.sub(r"《[^》]*》|intfloat/\S+|\d{4}-\d\d-\d\dT[\d:+]+|/\S+", "", s) for s in shown]
    return [s for s in clean if s.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_text_of_the_other_language_leaks(ui_env, lang):
    from rag.index import load_index

    docs = load_index(ui_env / "index", verify=False).documents.values()
    metadata = {m for d in docs for m in (*d.authors, *d.affiliations, d.section, d.issue.label()) if m}
    for page in PAGES:
        at = _ok(_app(lang).run())
        at.switch_page(page)
        _ok(at.run())
        for shown in _chrome(at):
            if lang == "zh":
                words = set(re.findall(r"[A-Za-z]{3,}", shown)) - ZH_ALLOWED
                assert not words, (page, shown)
            else:
                for data in sorted(metadata, key=len, reverse=True):  # the magazine's own names
                    shown = shown.replace(data, "")
                assert not has_cjk(shown.replace("中文", "")), (page, shown)


@pytest.mark.slow
def test_conversations_are_saved_listed_reopened_and_deleted(ui_env):
    from rag.answer import ConversationStore

    store = ConversationStore.under(ui_env)
    before = {c.id for c in store.list()}
    at = _ok(_app().run())
    assert any(b.label.startswith("《") or "《" in b.label for b in at.button), "example questions on an empty chat"
    example = next(b for b in at.button if "《" in b.label)
    question = example.label
    example.click()
    _ok(at.run())
    assert at.session_state["turns"][0].question == question, "an example question is asked with one click"
    saved = [c for c in store.list() if c.id not in before]
    try:
        assert len(saved) == 1 and saved[0].title.startswith(question[:10]) and len(saved[0].turns) == 1
        copy = next(c.value for c in at.code)
        assert "[1]" in copy and "《" in copy, "the copyable answer lists its sources"
        next(b for b in at.button if b.label == "新对话").click()
        _ok(at.run())
        assert not at.session_state["turns"]
        next(b for b in at.button if b.key == f"conv-{saved[0].id}").click()
        _ok(at.run())
        assert [t.question for t in at.session_state["turns"]] == [question], "reopened"
        assert any('class="rag-source"' in h.proto.body for h in at.get("html")), "with its sources"
        at.text_input(key="conversation_name").set_value("改过的名字")
        next(b for b in at.button if b.label == "保存名称").click()
        _ok(at.run())
        assert store.load(saved[0].id).title == "改过的名字"
        next(b for b in at.button if b.label == "删除").click()
        _ok(at.run())
        assert store.load(saved[0].id) is None and not at.session_state["turns"]
    finally:
        for conversation in saved:
            store.delete(conversation.id)
