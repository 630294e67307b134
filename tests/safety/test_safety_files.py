"""Promise 2 — files: `rag index` reads every usable file (GBK and UTF-16 included) and names each refused one
with its reason; a build that fails part-way leaves the previous index live, intact and loadable, and the next
build cleans up after it."""

from __future__ import annotations

import errno
import json

import pytest
from safety_support import assert_intact, builds, one_line_error, rag, small_corpus, snapshot, use_fake_model


@pytest.fixture()
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    use_fake_model(monkeypatch, home)
    return home


@pytest.fixture()
def previous(home, tmp_path, capsys):
    """An index built from three files: the one every failed build must leave in place."""
    corpus = small_corpus(tmp_path / "corpus", files=3)
    code, _, err = rag(["index", corpus], capsys)
    assert code == 0, err
    return home / "index", corpus


def _awkward_files(folder):
    folder.mkdir()
    (folder / "good.md").write_text("# 好文件\n\n" + "这是一篇正常的文章。" * 20, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    (folder / "control.txt").write_bytes(bytes(range(1, 9)) * 200)
    (folder / "gbk.txt").write_bytes("# 国产工业软件\n\n中望软件的海外营收首次突破1亿美元。".encode("gbk"))
    (folder / "utf16.md").write_text("# 双字节编码\n\n这份文件用UTF-16保存，带字节顺序标记。", encoding="utf-16")
    (folder / "latin1.txt").write_bytes("Café au lait, crème brûlée.".encode("latin-1"))
    with open(folder / "huge.txt", "wb") as fh:  # sparse: 51 MB on paper, nothing on disk
        fh.truncate(51 * 2**20)
    return folder


def test_rag_index_reads_the_usable_files_and_names_each_refused_one_with_its_reason(home, tmp_path, capsys):
    folder = _awkward_files(tmp_path / "awkward")
    code, out, err = rag(["index", folder], capsys)
    assert code == 0, err
    assert "indexed 3 documents" in out
    warnings = [line for line in err.splitlines() if line.startswith("rag: warning: ")]
    expected = {
        "empty.txt": "empty.txt is empty",
        "blank.md": "blank.md is empty",
        "binary.txt": "binary.txt looks like a binary file",
        "control.txt": "control.txt looks like a binary file",
        "gbk.txt": "gbk.txt as GB18030",
        "utf16.md": "utf16.md as UTF-16",
        "latin1.txt": "latin1.txt is neither UTF-8 nor GBK/GB18030 text",
        "huge.txt": "huge.txt is 51 MB, over the 50 MB limit",
    }
    for name, words in expected.items():
        assert sum(name in w for w in warnings) == 1, (name, warnings)
        assert any(words in w for w in warnings), (words, warnings)
    code, out, _ = rag(["search", "中望软件海外营收", "--mode", "bm25", "-k", "1", "--json"], capsys)
    assert json.loads(out)[0]["doc"]["title"] == "国产工业软件"  # the GBK file was decoded, not mangled
    code, out, _ = rag(["search", "字节顺序标记", "--mode", "bm25", "-k", "1", "--json"], capsys)
    assert json.loads(out)[0]["doc"]["title"] == "双字节编码"


def test_a_build_from_only_unusable_files_fails_in_one_sentence_and_keeps_the_previous_index(
    previous, tmp_path, capsys
):
    root, _ = previous
    before = snapshot(root)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    code, _, err = rag(["index", bad], capsys)
    assert code == 1
    assert "no readable text was found" in one_line_error(err)
    assert_intact(root, before)


def _fail_second_file(monkeypatch):
    import rag.ingest.corpus

    real, calls = rag.ingest.corpus.documents_from_text, []

    def parse(text, source):
        calls.append(source)
        if len(calls) == 2:
            raise RuntimeError("parser bug on the second file")
        return real(text, source)

    monkeypatch.setattr(rag.ingest.corpus, "documents_from_text", parse)


def _fail_embedding(monkeypatch):
    from fakes import FakeEmbedder

    def out_of_memory(self, texts, show_progress=False):
        raise MemoryError

    monkeypatch.setattr(FakeEmbedder, "encode_passages", out_of_memory)


def _disk_full(monkeypatch):
    import faiss

    def write_index(index, path):
        with open(path, "wb") as fh:
            fh.write(b"half a FAISS file")
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(faiss, "write_index", write_index)


def _switch_fails(monkeypatch):
    import rag.index.build

    real = rag.index.build.write_atomic

    def write_atomic(path, data):
        if path.name == "CURRENT":
            raise OSError(errno.EIO, "Input/output error", str(path))
        real(path, data)

    monkeypatch.setattr(rag.index.build, "write_atomic", write_atomic)


FAULTS = {
    "parsing the second of five files": (_fail_second_file, "unexpected RuntimeError: parser bug", True),
    "embedding (out of memory)": (_fail_embedding, "ran out of memory", True),
    "writing the index files (disk full)": (_disk_full, "No space left on device", False),
    "switching CURRENT to the new build": (_switch_fails, "Input/output error", False),
}


@pytest.mark.parametrize("fault, message, embeds_again", FAULTS.values(), ids=FAULTS.keys())
def test_a_failure_in_the_middle_of_a_multi_file_build_keeps_the_previous_index(
    previous, monkeypatch, capsys, fault, message, embeds_again
):
    root, corpus = previous
    before = snapshot(root)
    small_corpus(corpus, files=5)  # two more files: the next build has work to do
    with monkeypatch.context() as m:
        fault(m)
        code, out, err = rag(["index", corpus], capsys)
    assert code == 1 and out == ""
    assert message in one_line_error(err)
    assert_intact(root, before)

    code, out, err = rag(["index", corpus], capsys)  # the fault is gone: the next build succeeds
    assert code == 0, err
    assert "indexed 5 documents" in out
    assert ("(0 embedded" not in out) is embeds_again  # vectors made before the failure were kept in the cache
    assert builds(root) == [(root / "CURRENT").read_text(encoding="utf-8")], "leftovers were cleaned up"
