"""The Streamlit UI: pure helpers (fast) and every page driven by streamlit.testing.v1.AppTest (real model, slow)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from rag.answer import Turn, fold_follow_up, is_follow_up, wants_more
from rag.errors import UploadRejected
from rag.evaluation import append_feedback, evaluation_lines, export_jsonl, read_feedback
from ui.render import article_html, highlight_html, md, merge_spans, unescape_md
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


# ---------------------------------------------------------------- pages (AppTest, real model)


@pytest.fixture(scope="module")
def ui_env(real_home):
    """RAG_HOME → the shared real-model home (RAG_TEST_HOME when set); no index override, no LLM from the env."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_HOME", str(real_home))
        for name in ("RAG_INDEX_DIR", "RAG_LLM_BASE_URL", "RAG_LLM_API_KEY", "RAG_LLM_MODEL", "RAG_MAX_QUERY_CHARS"):
            mp.delenv(name, raising=False)
        yield Path(real_home)


@pytest.fixture()
def eval_upload_cleanup(ui_env):
    """The Evaluation page stores uploads in <home>/eval_uploads; remove the ones a test made."""
    folder = ui_env / "eval_uploads"
    before = set(folder.iterdir()) if folder.exists() else set()
    yield
    for path in (set(folder.iterdir()) if folder.exists() else set()) - before:
        path.unlink(missing_ok=True)


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=900)


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ask(at, question):
    at.chat_input[0].set_value(question)
    return _ok(at.run())


def _assistant_text(at, index=-1) -> str:
    message = [m for m in at.chat_message if m.name == "assistant"][index]
    return "\n".join(unescape_md(m.value) for m in message.markdown)


@pytest.mark.slow
def test_chat_answers_with_citations_and_sources(ui_env):
    at = _ok(_app().run())
    assert at.chat_input[0].max_chars == 2000
    _ask(at, QUESTION)
    text = _assistant_text(at)
    assert "[1]" in text
    assert any(e.label.startswith("Sources (") for e in at.expander)
    passages = [h.proto.body for h in at.get("html")]
    assert any("<mark" in body for body in passages), "the cited sentence is highlighted"
    assert any("发展智能计算的道路选择" in unescape_md(m.value) for m in at.markdown)
    links = at.get("page_link")
    assert links and "doc=" in links[0].proto.query_string
    assert len(at.get("feedback")) == 1

    # a rerun keeps the history; a follow-up folds the previous turn into the search
    _ask(at, "他还提到了什么？")
    assert len([m for m in at.chat_message if m.name == "user"]) == 2
    assert any("Follow-up, searched as" in unescape_md(c.value) for c in at.caption)
    assert len(at.session_state["turns"]) == 2 and QUESTION in at.session_state["turns"][1].query
    first, second = at.session_state["turns"]
    assert all(s.document.title == "发展智能计算的道路选择" for s in second.answer.sources[:3])
    cited_before = {c.chunk_id for c in first.answer.citations}
    assert cited_before and not cited_before & {s.chunk.id for s in second.answer.sources}  # "what else" → new passages

    next(b for b in at.button if b.label == "New conversation").click().run()
    assert not at.session_state["turns"] and not [m for m in at.chat_message]


@pytest.mark.slow
def test_chat_rejects_empty_and_too_long_input(ui_env):
    at = _ok(_app().run())
    _ask(at, "   ")
    assert any("empty" in e.value for e in at.error)
    assert at.session_state["turns"][0].answer is None
    # the input box caps the length (and Streamlit's server cuts anything longer); the page says so
    _ask(at, "问" * 2500)
    assert len(at.session_state["turns"][-1].question) == 2000
    assert any("limited to 2000 characters" in i.value for i in at.info)


@pytest.mark.slow
def test_unreachable_llm_falls_back_with_notice(ui_env):
    at = _ok(_app().run())
    at.radio(key="answerer").set_value("OpenAI-compatible endpoint")
    _ok(at.run())  # the endpoint fields are enabled once it is chosen
    at.text_input(key="llm_url").set_value("http://127.0.0.1:9/v1")
    at.number_input(key="llm_timeout").set_value(2.0)
    _ok(at.run())
    _ask(at, QUESTION)
    notices = [unescape_md(w.value) for w in at.warning]
    assert any("extractive answer" in n for n in notices), notices
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
        download = next(d for d in at.get("download_button") if "evaluation set" in d.proto.label)
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
    at = _ok(_app().run())
    at.switch_page("app_pages/articles.py")
    _ok(at.run())
    table = at.dataframe[0].value
    assert len(table) == 13 and {"title", "authors", "section", "page", "chunks"} <= set(table.columns)
    assert "发展智能计算的道路选择" in set(table["title"])
    at.text_input(key="articles_search").set_value("孙凝晖")
    _ok(at.run())
    assert list(at.dataframe[0].value["title"]) == ["发展智能计算的道路选择"]

    # a source link: ?doc=…&start=…&end=…&qs=…&qe=… opens the article at that passage
    from rag.index import load_index

    index = load_index(ui_env / "index", verify=False)
    doc = next(d for d in index.documents.values() if d.title == "发展智能计算的道路选择")
    chunk = index.chunks_of(doc.id)[3]
    link = _app()
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
    at = _ok(_app().run())
    at.switch_page("app_pages/evaluation.py")
    _ok(at.run())
    at.radio(key="eval_source").set_value("Upload a JSONL file")
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
    at = _ok(_app().run())
    at.switch_page("app_pages/evaluation.py")
    _ok(at.run())
    at.radio(key="eval_source").set_value("Upload a JSONL file")
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
    at = _ok(_app().run())
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
