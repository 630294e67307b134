"""Small hand-written articles shared by tests (their sentences are the magazine's)."""

from __future__ import annotations

from rag.types import Document

#: The 中望 case study: a company, its chairman, its R&D share (an answer) and no profit figure (an unanswerable).
ZWSOFT_ARTICLE = Document(
    title="中望龙腾：工业软件出海",
    section="案例分析",
    authors=("武汉制信科技有限公司",),
    page=56,
    kind="article",
    text=(
        "中望软件董事长兼总经理杜玉林表示，研发是企业的生命线。"
        "2022年中望软件的研发投入占营业收入的比例高达52.66%。"
        "中望软件与全球800多家渠道合作伙伴开展深度合作。"
    ),
)
