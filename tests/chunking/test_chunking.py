"""Chunker properties (hypothesis) and settings validation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import ChunkingConfig, chunk_document, chunk_documents, document_header
from rag.text import squash
from rag.types import Document

CLOSERS = "”’」』）》)"
sentence = st.builds(
    lambda body, end, close: body + end + close,
    st.text(alphabet="新质生产力数据要素工业软件发展创新，、ab1 ", min_size=1, max_size=60),
    st.sampled_from(["。", "！", "？", "；", "……"]),
    st.sampled_from(["", "”", "」", "）", "』"]),
)
paragraph = st.lists(sentence, min_size=1, max_size=8).map("".join)
document_text = st.lists(paragraph, min_size=1, max_size=6).map("\n".join)
configs = st.tuples(st.integers(40, 400), st.floats(0, 0.4)).map(
    lambda t: ChunkingConfig(chunk_size=t[0], chunk_overlap=int(t[0] * t[1]))
)


@settings(max_examples=200, deadline=None)
@given(st.lists(document_text, min_size=1, max_size=3), configs)
def test_chunk_properties(texts, config):
    docs = [Document(title=f"文{i}", text=t, kind="article") for i, t in enumerate(texts)]
    chunks = chunk_documents(docs, config)
    by_doc = {d.id: d for d in docs}
    for chunk in chunks:
        doc = by_doc[chunk.doc_id]
        assert chunk.text.strip(), "no empty chunk"
        assert doc.text[chunk.start : chunk.end] == chunk.text, "offsets point at the chunk inside its own document"
        assert len(chunk.text) <= config.chunk_size, "size within bounds"
        assert chunk.text[0] not in CLOSERS, "no chunk starts with a closing quote"
    for doc in docs:
        covered = [False] * len(doc.text)
        for chunk in (c for c in chunks if c.doc_id == doc.id):
            for i in range(chunk.start, chunk.end):
                covered[i] = True
        missing = "".join(ch for ch, c in zip(doc.text, covered) if not c)
        assert not squash(missing), "every sentence covered"


def test_repeated_sentences_keep_their_own_offsets():
    text = "1。1。1。1。11。1111111。1111111。”11111111。”\n1。"  # found by hypothesis: a repeated tail
    doc = Document(title="t", text=text)
    chunks = chunk_document(doc, ChunkingConfig(chunk_size=40, chunk_overlap=0))
    assert chunks[-1].end == len(text) and all(text[c.start : c.end] == c.text for c in chunks)


def test_chunks_end_on_sentence_boundaries_when_sentences_fit():
    text = "第一句话在这里。第二句话“带引号。”第三句话！" * 20
    doc = Document(title="t", text=text)
    for chunk in chunk_document(doc, ChunkingConfig(chunk_size=60, chunk_overlap=10)):
        assert chunk.text[-1] in "。”！", chunk.text


def test_chunk_ids_are_stable_content_hashes():
    doc = Document(title="t", text="甲乙丙。" * 100)
    a = chunk_document(doc, ChunkingConfig(chunk_size=50, chunk_overlap=10))
    b = chunk_document(doc, ChunkingConfig(chunk_size=50, chunk_overlap=10))
    assert [c.id for c in a] == [c.id for c in b]


def test_header_carries_title_section_and_authors_but_text_stays_clean():
    doc = Document(title="发展智能计算的道路选择", text="智能计算。" * 10, section="院士思维", authors=("孙凝晖",))
    chunk = chunk_document(doc, ChunkingConfig(chunk_size=30, chunk_overlap=0))[0]
    assert document_header(doc) == "发展智能计算的道路选择｜院士思维｜孙凝晖"
    assert chunk.indexed_text.startswith(document_header(doc) + "\n")
    assert "孙凝晖" not in chunk.text


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"chunk_size": 5}, "chunk_size must be an integer of at least 20 characters, got 5"),
        ({"chunk_size": 100, "chunk_overlap": 100}, "chunk_overlap must be between 0 and chunk_size-1 (99), got 100"),
        ({"chunk_size": 100, "chunk_overlap": -1}, "got -1"),
    ],
)
def test_bad_settings_are_reported_with_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ChunkingConfig(**kwargs)
