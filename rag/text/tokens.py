"""Word tokens of Chinese and English text: jieba search-mode words, lower-cased, punctuation and stop words out."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Collection
from functools import lru_cache
from types import ModuleType

from .chars import CJK
from .numbers import chinese_numeral
from .stopwords import STOP_WORDS

_WORD = re.compile(rf"[\w{CJK}]", re.UNICODE)

# A count with its measure word: "4类", "三个方面", "两种" in a passage; "几类", "哪几个方面", "多少种" in a question.
# Both become one search token ("#类", "#方面"), so a question asking how many kinds meets the passage that says
# how many. An ordinal (第三类) is not a count, "一种"/"一个" is mostly the article "a" (counts start at two), a
# clock time (下午3点, 3点钟) is not a count, and 大 is left out (十九大 is a congress, not nineteen of something).
_NUMBER = r"(?:[2-9]|[1-9]\d{1,3}|[二三四五六七八九]?十[一二三四五六七八九]?|[两二三四五六七八九]{1,2}|几|多少)"
_MEASURE = r"(?:个方面|方面|个阶段|阶段|个维度|维度|条途径|途径|大类|类|种|项|点(?![钟半整])|条|层|步)"
_COUNT = re.compile(
    rf"(?<![第.\d一二三四五六七八九十百千万两几午晚早])(?P<number>{_NUMBER})(?:多|余)?(?P<measure>{_MEASURE})"
)
# In a question, "哪三个" and "哪四大挑战" name a count too (in running text 个 and 大 are too often something else;
# `rag.answer.structure` reads it only in headings and announcing sentences, and checks it against what follows).
_NAMED = re.compile(rf"(?<![第.\d午晚早])(?P<number>{_NUMBER})(?:{_MEASURE}|个|大)")
#: English counted nouns and the Chinese measure words a passage counts them with ("four kinds" → 四类, 四种).
_EN_MEASURES = {
    "kind": ("类", "种"),
    "type": ("类", "种"),
    "category": ("类",),
    "way": ("种", "条"),
    "form": ("种",),
    "mode": ("种",),
    "aspect": ("方面",),
    "dimension": ("维度",),
    "stage": ("阶段",),
    "phase": ("阶段",),
    "point": ("点",),
    "step": ("步",),
    "level": ("层",),
    "layer": ("层",),
    "measure": ("项", "条"),
    "path": ("条",),
}
_EN_COUNT = re.compile(
    r"\b(?P<number>how many|several|[2-9]|[1-9]\d|two|three|four|five|six|seven|eight|nine|ten)\s+(?:\w+\s+)?"
    r"(?P<noun>kind|type|categor(?:y|ie)|way|form|mode|aspect|dimension|stage|phase|point|step|level|layer|measure|"
    r"path|route|pillar|beam|strateg(?:y|ie)|recommendation|area|problem|risk|challenge|thing|factor|reason)s?\b",
    re.IGNORECASE,
)
_EN_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_CANONICAL_MEASURE = {"个方面": "方面", "个阶段": "阶段", "个维度": "维度", "条途径": "途径", "大类": "类"}


# jieba keeps its dictionary in module state of its own; loading it once per process is jieba's design, and the
# result never changes, so this cache holds no state of ours.
@lru_cache(maxsize=1)
def jieba_module() -> ModuleType:
    """The jieba module with its dictionary loaded (quietly: its loading notice is silenced on its own logger)."""
    with warnings.catch_warnings():  # jieba imports pkg_resources when present (setuptools<81, the milvus extra)
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens (words plus their sub-words), lower-cased, no punctuation or stop words."""
    tokens = []
    for token in jieba_module().lcut_for_search(text):
        token = token.strip().lower()
        if token and _WORD.search(token) and token not in STOP_WORDS:
            tokens.append(token)
    return tokens


def measure_counts(text: str) -> list[str]:
    """One "#<measure word>" token per count in `text` ("归纳为4类" and "有哪几类" both give "#类")."""
    return ["#" + _CANONICAL_MEASURE.get(m["measure"], m["measure"]) for m in _COUNT.finditer(text)]


def _noun(match: re.Match[str]) -> str:
    noun = match["noun"].lower()
    return {"categorie": "category", "strategie": "strategy"}.get(noun, noun)


def chinese_counts(question: str) -> list[str]:
    """The Chinese count words for the counts an English question asks about ("how many kinds" → 几类, 几种), so a
    question translated into Chinese terms keeps its count (`measure_counts` of them gives "#类", "#种")."""
    words = []
    for match in _EN_COUNT.finditer(question):
        words += ["几" + m for m in _EN_MEASURES.get(_noun(match), ())]
    return list(dict.fromkeys(words))


def _chinese_number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else chinese_numeral(raw)


def named_count(question: str) -> int | None:
    """The number of things a question names ("骗补有哪四类" → 4, "the three ways" → 3); None when it names none
    (有哪几类, how many kinds)."""
    if match := _NAMED.search(question):
        return _chinese_number(match["number"])
    if match := _EN_COUNT.search(question):
        word = match["number"].lower()
        return int(word) if word.isdigit() else _EN_NUMBERS.get(word)
    return None


def asked_counts(question: str) -> set[str]:
    """The counts a question asks about, as `measure_counts` tokens, in Chinese or English (有哪几类, how many
    kinds → {"#类", ...})."""
    return set(measure_counts(" ".join([question, *chinese_counts(question)])))


def search_tokens(text: str) -> list[str]:
    """The tokens lexical search indexes a passage with: `tokenize` plus `measure_counts`."""
    return tokenize(text) + measure_counts(text)


def query_terms(text: str) -> dict[str, float]:
    """The search tokens of a question with their weights: one vote per word of the question.

    Search-mode tokens split a word into its parts as well (新能源 → 能源, 新能源; 燃料电池 → 燃料, 电池, 燃料电池);
    unweighted, such a word would count two or three times as much as a plain word (骗补), and an article-wide
    term would outvote the words that pick the passage. Each word's tokens share one unit of weight; a word the
    question repeats counts once per time it is written, and each count (`measure_counts`) adds one."""
    weights: dict[str, float] = {}
    for word in jieba_module().lcut(text):
        tokens = tokenize(word)
        for token in tokens:
            weights[token] = weights.get(token, 0.0) + 1.0 / len(tokens)
    for token in measure_counts(text):
        weights[token] = weights.get(token, 0.0) + 1.0
    return weights


def tagged_words(text: str, tags: Collection[str]) -> list[str]:
    """The words of `text` (two characters or more) whose jieba part-of-speech tag is one of `tags` ("ns" places,
    "nt" organisations, "n" nouns)."""
    import jieba.posseg as pseg

    jieba_module()  # the shared dictionary, initialised quietly
    return [w for w, flag in pseg.cut(text) if flag in tags and len(w) >= 2]


def person_names(sentence: str) -> list[str]:
    """Person names (jieba part-of-speech `nr`, two characters or more) in `sentence`."""
    return tagged_words(sentence, ("nr",))


def word_across(left: str, right: str) -> bool:
    """A word runs across the boundary between `left` and `right` (jieba reads "是中" + "望软件" as 是 / 中望 / 软件:
    a line broken inside a name)."""
    tail = left[-4:]
    at = 0
    for token in jieba_module().cut(tail + right[:8]):
        if at < len(tail) < at + len(token):
            return True
        at += len(token)
    return False
