"""Anchors: the specific things a question pins down (a month, a model number, a Latin name).

If the retrieved passages never mention an anchor, they are about something else — e.g. a
question about “2024年5月” exports or “SU7” deliveries answered from passages that mention
neither — and the answerer should say the magazine does not say, however similar the topic is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rag.text import is_english, squash

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for m in names
}
_ZH_YEAR_MONTH = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月")
_ZH_ISSUE = re.compile(r"((?:19|20)\d{2})\s*年\s*第\s*(\d{1,3})\s*期")
_EN_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+((?:19|20)\d{2})\b")
_EN_YEAR_MONTH = re.compile(r"\b((?:19|20)\d{2})\s*[-/]\s*(\d{1,2})\b")
# Latin/digit tokens inside a Chinese question: model numbers and names such as SU7, 910B, FP16, 6G, Hunyuan
_LATIN_IN_ZH = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*\d[A-Za-z0-9.\-]*|\d+[A-Za-z][A-Za-z0-9.\-]*|[A-Za-z]{2,}")


def question_anchors(question: str) -> list[str]:
    """The year-months and (for Chinese questions) Latin names/model numbers the question depends on."""
    anchors: list[str] = []
    for year, month in _ZH_YEAR_MONTH.findall(question):
        anchors.append(f"{year}年{int(month)}月")
    for word, year in _EN_MONTH_YEAR.findall(question):
        if (month := _MONTHS.get(word.lower())) is not None:
            anchors.append(f"{year}年{month}月")
    for year, month in _EN_YEAR_MONTH.findall(question):
        if 1 <= int(month) <= 12:
            anchors.append(f"{year}年{int(month)}月")
    for year, number in _ZH_ISSUE.findall(question):
        anchors.append(f"{year}年第{int(number)}期")
    if not is_english(question):
        outside_titles = re.sub(r"《[^》]*》", " ", question)
        anchors.extend(token for token in _LATIN_IN_ZH.findall(outside_titles) if len(token) >= 2)
    return list(dict.fromkeys(anchors))


def _in_passage(anchor: str, passage: str) -> bool:
    if anchor.lower() in passage:
        return True
    # “2015年12月” is satisfied by a passage that names 2015 and then “12月” (年 often stated once)
    if m := re.fullmatch(r"(\d{4})年(\d{1,2})月", anchor):
        return m.group(1) in passage and re.search(rf"(?<!\d)0?{int(m.group(2))}月", passage) is not None
    return False


def missing_anchors(question: str, passages: Iterable[str]) -> list[str]:
    """Anchors of `question` that occur in none of `passages` (case- and whitespace-insensitive)."""
    texts = [squash(p).lower() for p in passages]
    return [a for a in question_anchors(question) if not any(_in_passage(squash(a), t) for t in texts)]
