"""Reading files: plain texts become one document; unusable files are skipped with a one-line warning."""

from __future__ import annotations

from rag.ingest import load_corpus


def test_text_without_byline_is_one_document_titled_by_heading(tmp_path):
    (tmp_path / "notes.md").write_text("# 芯片产业观察\n\n第一段内容。\n第二行接着。\n\n第二段。\n", encoding="utf-8")
    docs, warnings = load_corpus([tmp_path])
    assert warnings == []
    assert len(docs) == 1 and docs[0].title == "芯片产业观察" and docs[0].kind == "text"
    assert "第一段内容。第二行接着。" in docs[0].text


def test_title_falls_back_to_file_name(tmp_path):
    long_line = "这是一段很长的正文，没有标题，" * 10
    (tmp_path / "report-2024.txt").write_text(long_line, encoding="utf-8")
    docs, _ = load_corpus([tmp_path])
    assert docs[0].title == "report-2024"


def test_unusable_files_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    (tmp_path / "good.txt").write_text("正常的文本。", encoding="utf-8")
    docs, warnings = load_corpus([tmp_path, tmp_path / "missing.txt"])
    assert [d.title for d in docs] == ["正常的文本。"]
    assert len(warnings) == 3
    assert any("empty.txt is empty" in w for w in warnings)
    assert any("binary.txt looks like a binary file" in w for w in warnings)
    assert any("missing.txt: no such file" in w for w in warnings)


def test_gbk_file_is_decoded_and_named(tmp_path):
    (tmp_path / "gbk.txt").write_bytes("# 国产工业软件\n\n中望软件的营收首次突破1亿美元。".encode("gbk"))
    docs, warnings = load_corpus([tmp_path])
    assert docs[0].title == "国产工业软件" and "1亿美元" in docs[0].text
    assert warnings == [f"decoded {tmp_path / 'gbk.txt'} as GB18030"]


def test_huge_file_is_refused(tmp_path):
    (tmp_path / "big.txt").write_text("大" * 2000, encoding="utf-8")
    docs, warnings = load_corpus([tmp_path], max_file_bytes=1000)
    assert docs == [] and "over the" in warnings[0] and "big.txt" in warnings[0]
