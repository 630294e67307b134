"""The magazine parser: articles with exact metadata, unsigned pieces, matter kept apart, duplicates once."""

from __future__ import annotations

import pytest

from rag.text import squash

ARTICLES = [
    ("构建顺应新科技革命和产业变革的国家创新体系", ("钮钦",), "锐见", 1),
    ("发展新质生产力亟须筑牢战略性新兴产业“四梁八柱”", ("崔冰", "何颖", "崔柔"), "工信论坛", 8),
    ("数字技术促进新质生产力发展机制分析", ("崔云",), "工信论坛", 14),
    ("释放数据要素价值发展新质生产力", ("简欣",), "工信论坛", 20),
    ("新质生产力视角的企业供应链转型策略与路径", ("周凯歌", "殷浩"), "工信论坛", 26),
    ("推动新质生产力发展应关注的潜在风险点", ("刘凯",), "工信论坛", 30),
    ("发展智能计算的道路选择", ("孙凝晖",), "院士思维", 36),
    ("对比墨越印我国中西部如何增强承接产业转移优势", ("韩力", "王宏伟"), "专题研究", 44),
    ("物联网时代下的个人信息安全难题及解决方案", ("赵俊渥",), "专题研究", 50),
    ("中望龙腾：工业软件出海", ("武汉制信科技有限公司",), "案例分析", 56),
    ("可能让中国“电动车”熄火的几道坎儿", ("苗圩", "曾纯"), "工信史话", 62),
    ("企业数字化管理五大成功举措", ("李玉娟",), "管理经纬", 72),
    ("昆仑万维：转型大模型", ("赵健",), "创业故事", 78),
]


def _bylined(docs):
    return [d for d in docs if d.kind == "article"]


def test_thirteen_bylined_articles_with_exact_metadata(magazine_docs):
    found = [(d.title, d.authors, d.section, d.page) for d in _bylined(magazine_docs)]
    assert found == ARTICLES


def test_unsigned_pieces_are_documents(magazine_docs):
    kinds = {d.kind: d for d in magazine_docs}
    assert kinds["preface"].title == "“新质”即创新" and kinds["preface"].authors == ("曾纯",)
    assert kinds["commentary"].title == "发展工业软件，助力工业强国梦" and kinds["commentary"].authors == ("刘俊卿",)
    assert kinds["news"].title == "极氪与360集团在安全与大模型上深度合作"
    assert "极氪009光辉" in kinds["news"].text


def test_matter_is_kept_apart_and_answerable(magazine_docs):
    masthead = [d for d in magazine_docs if d.kind == "masthead"]
    assert any("定价：60.00元" in d.text and "总编辑：曾纯" in d.text for d in masthead)
    for doc in _bylined(magazine_docs):
        assert "定价：60.00元" not in doc.text
        assert "扫码" not in doc.text, doc.title  # advert copy never leaks into an article
    assert {d.kind for d in magazine_docs} >= {"cover", "advert", "masthead", "toc"}


def test_issue_metadata_on_every_document(magazine_docs):
    for doc in magazine_docs:
        assert doc.issue.publication == "中国工业和信息化"
        assert (doc.issue.year, doc.issue.month, doc.issue.number, doc.issue.total_number) == (2024, 6, 6, 70)
        assert doc.issue.date == "2024-06-15"


def test_editor_lines_are_metadata_not_body(magazine_docs):
    first = _bylined(magazine_docs)[0]
    assert first.editor == "张煜" and first.editor_email == "zhangyu@ccidmedia.com"
    for doc in magazine_docs:
        if doc.is_article:
            assert "责任编辑" not in doc.text and "@ccidmedia.com" not in doc.text


def test_affiliations_recorded(magazine_docs):
    by_title = {d.title: d for d in magazine_docs}
    assert by_title["构建顺应新科技革命和产业变革的国家创新体系"].affiliations == ("钮钦 中国科学技术发展战略研究院",)
    assert (
        "苗圩 第十四届全国政协常委、经济委员会副主任，工业和信息化部原部长"
        in by_title["可能让中国“电动车”熄火的几道坎儿"].affiliations
    )


def test_lines_broken_mid_sentence_are_joined(magazine_docs):
    first = _bylined(magazine_docs)[0]
    assert "不断更新迭代、持续优化调整" in first.text
    assert "地方财政科技支出占全部财政科技支出的比重已达65.8%" in first.text
    interview = _bylined(magazine_docs)[10]
    assert "曾纯：后来对这些企业做了怎样的处置？" in interview.text
    assert "经过持之以恒" in interview.text  # the drop cap's stray space is gone
    kunlun = _bylined(magazine_docs)[12]
    assert "SOTA（State Of The Art) 模型" in kunlun.text  # an author line printed mid-sentence moved aside


@pytest.mark.parametrize(
    "passage",
    [
        # a pull quote repeated from the body of 钮钦's article
        "只有充分抓住新一轮科技革命和产业变革的时机，切实发挥国家在原创性、引领性科技攻关中的重要组织作用",
        # a lead printed in the table of contents, on the section opener and above the article
        "我国部分产业转移到国外是不可避免的，同时外贸出口市场呈现出多元化和分散化的趋势",
        "数据要素作为数字经济时代的关键性生产要素，是信息和数字经济的承载体",
    ],
)
def test_blocks_printed_twice_are_indexed_once(magazine_docs, passage):
    key = squash(passage)
    total = sum(squash(d.text).count(key) for d in magazine_docs)
    assert total == 1


def test_document_ids_are_content_hashes(magazine_docs, corpus_dir):
    from rag.ingest import load_corpus

    again = load_corpus([corpus_dir]).documents
    assert [d.id for d in again] == [d.id for d in magazine_docs]
    assert len({d.id for d in magazine_docs}) == len(magazine_docs)
