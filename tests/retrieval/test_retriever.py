"""Retrieval: fusion logic on a tiny fake-embedder index, filters, input checks, and the real model end to end."""

from __future__ import annotations

import pytest

from rag.errors import QueryError
from rag.index import build_index
from rag.retrieval import RetrievalSettings, Retriever, SearchFilter, check_query
from rag.types import Document

DOCS = [
    Document(
        title="新能源汽车补贴",
        text="新能源汽车财政补贴政策从2009年开始实施。骗补企业被追缴资金。",
        kind="article",
        section="工信史话",
        authors=("苗圩",),
    ),
    Document(
        title="工业软件出海",
        text="中望软件在汉诺威工业博览会亮相，收购了CHAM公司。",
        kind="article",
        section="案例分析",
    ),
    Document(
        title="数据要素",
        text="数据要素是数字经济时代的关键生产要素，数据流通需要制度保障。",
        kind="article",
        section="工信论坛",
    ),
]


@pytest.fixture()
def tiny(fake_settings, fake_embedder):
    index, _ = build_index([], fake_settings.index, fake_embedder, documents=DOCS)
    return Retriever(index, fake_embedder, RetrievalSettings(rrf_k=60, candidates=10))


def test_each_mode_finds_the_obvious_document(tiny):
    for mode in ("dense", "bm25", "hybrid"):
        hits = tiny.search("骗补企业追缴资金", k=2, mode=mode)
        assert hits[0].document.title == "新能源汽车补贴", mode
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_hybrid_score_is_weighted_reciprocal_rank_fusion(tiny):
    hits = tiny.search("中望软件收购", k=3, mode="hybrid")
    for hit in hits:
        expected = sum(w / (60 + r) for w, r in ((0.6, hit.dense_rank), (1.0, hit.bm25_rank)) if r is not None)
        assert hit.score == pytest.approx(expected)
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_excluded_chunks_are_left_out_and_the_rest_renumbered(tiny):
    """A "what else?" follow-up leaves out what the last answer cited: the filter, not a wrapper, does it."""
    question = "新能源汽车补贴"
    first = tiny.search(question, k=3)
    assert len(first) == 3
    again = tiny.search(question, k=2, where=SearchFilter(exclude_chunks=[first[0].chunk.id]))
    assert [h.chunk.id for h in again] == [first[1].chunk.id, first[2].chunk.id]
    assert [h.rank for h in again] == [1, 2]


def test_bm25_returns_only_matching_passages(tiny):
    hits = tiny.search("汉诺威", k=3, mode="bm25")
    assert len(hits) == 1 and hits[0].document.title == "工业软件出海"


def test_filters_by_section_and_document(tiny):
    hits = tiny.search("数据", k=3, mode="hybrid", where=SearchFilter(sections=("案例分析",)))
    assert {h.document.section for h in hits} == {"案例分析"}
    hits = tiny.search("数据", k=3, mode="dense", where=SearchFilter(documents=("新能源汽车补贴",)))
    assert {h.document.title for h in hits} == {"新能源汽车补贴"}


@pytest.mark.parametrize(
    "question, k, mode, message",
    [
        ("", 5, "hybrid", "the question is empty"),
        ("   \n\t ", 5, "hybrid", "the question is empty"),
        ("？？！！", 5, "hybrid", "no words"),
        ("问" * 3000, 5, "hybrid", "the limit is 2000"),
        ("问题", 0, "hybrid", "k must be between 1 and 100"),
        ("问题", 5, "fuzzy", "unknown mode 'fuzzy'"),
    ],
)
def test_bad_queries_get_one_clear_sentence(question, k, mode, message):
    with pytest.raises(QueryError, match=message):
        check_query(question, k, mode)


def test_control_characters_are_cleaned():
    assert check_query("新能源\x00汽车\x07补贴", 5, "hybrid") == "新能源 汽车 补贴"


# ------------------------------------------------------------------ the real bundled model

INTERVIEW = "可能让中国“电动车”熄火的几道坎儿"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_subsidy_fraud_question_ranks_the_interview_first(real_retriever, mode):
    hits = real_retriever.search("新能源汽车骗补是怎么回事，后来如何处理？", k=5, mode=mode)
    assert hits[0].document.title == INTERVIEW
    assert hits[0].document.authors == ("苗圩", "曾纯")


@pytest.mark.slow
def test_english_question_about_subsidy_fraud_finds_the_interview(real_retriever):
    hits = real_retriever.search("How did companies cheat on electric vehicle subsidies?", k=5)
    assert hits[0].document.title == INTERVIEW


@pytest.mark.slow
def test_english_question_is_translated_for_bm25(real_retriever):
    query = real_retriever.lexical_query("Which company did ZWSOFT acquire in 2023?")
    assert "收购" in query and "2023" in query
    assert "苗圩" in real_retriever.lexical_query("What did Miao Wei say about subsidies?")


@pytest.mark.slow
def test_an_english_questions_terms_are_grouped_by_the_word_they_translate(real_retriever):
    question = "Which company did ZWSOFT acquire in 2023?"
    groups = real_retriever.lexical_groups(question)
    assert any("收购" in g for g in groups) and ("2023",) in groups and ("ZWSOFT",) in groups
    assert {t for g in groups for t in g} == set(real_retriever.lexical_query(question).split())
    assert real_retriever.lexical_groups("中望软件收购了哪家公司？") == []
    named = real_retriever.lexical_groups("What challenges does Zhao Junwo see?")
    assert ("赵俊渥",) in named and not any("Zhao" in g or "Junwo" in g for g in named)


@pytest.mark.slow
def test_names_are_read_in_pinyin_and_not_translated_word_by_word(real_retriever):
    # a company or person the dictionary does not know, spelled in pinyin as one indexed word
    assert "昆仑" in real_retriever.lexical_query("Why does Kunlun Tech build its own foundation model?")
    assert "安踏" in real_retriever.lexical_query("What did Anta Group gain from its digital transformation?")
    assert "颜水成" in real_retriever.lexical_query("Where did Yan Shuicheng work?")
    # an author's name is his name, not the sun
    query = real_retriever.lexical_query("According to Sun Ninghui, what changes have large models brought?")
    assert "孙凝晖" in query and "太阳" not in query
    # a word the dictionary knows is spelled only as one of its own headwords: Fujian is never 附件 (attachment)
    assert "附件" not in real_retriever.lexical_query("Which Fujian companies are mentioned?")


@pytest.mark.slow
@pytest.mark.parametrize("question", ["新能源汽车“骗补”有哪几类？", "How many kinds of EV subsidy fraud were there?"])
def test_a_count_question_finds_the_passage_that_counts(real_retriever, question):
    """The README's example: the passage that sorts subsidy fraud into 4 kinds is among the five sources."""
    hits = real_retriever.search(question, k=5)
    assert any("有牌无车" in h.chunk.text for h in hits), [h.chunk.text[:30] for h in hits]
