"""BM25 over jieba tokens: tokenisation with punctuation and stop words dropped, and the bm25s index."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)

# Function words and question words that carry no topic (Chinese and English).
STOP_WORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 等 也 都 而 对 中 上 下 为 以 把 被 就 这 那 其 之 于 则 并 又 还 个 些 将 从 到 由 向 给 让
    有 没有 不 很 更 最 已 已经 我们 你们 他们 它们 我 你 他 她 它 这个 那个 这些 那些 哪些 哪个 哪 谁 何 什么 怎么 怎样
    如何 多少 几 吗 呢 吧 啊 呀 么 请问 请 一下 是否 是不是 为什么 为何 什么样 哪里 哪儿 时候 何时 文中 文章 本文 提到
    指出 认为 表示 谈到 说 讲 一 二 三 其中 以及 通过 进行 可以 能够 需要 应该 主要 一些 相关 方面
    a an the of to in on for and or is are was were be been what which who whom how why when where does do did
    that this these those with by as at from it its about according article magazine issue say says said
    """.split()
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba's own logger only; silences its dictionary-loading notice
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens (words plus their sub-words), lower-cased, no punctuation or stop words."""
    tokens = []
    for token in _jieba().lcut_for_search(text):
        token = token.strip().lower()
        if token and _WORD.search(token) and token not in STOP_WORDS:
            tokens.append(token)
    return tokens


class BM25Index:
    """A bm25s index over pre-tokenised passages, saved as plain numpy/JSON files (no pickle)."""

    def __init__(self, retriever):
        self._retriever = retriever

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25(method="lucene")
        corpus_tokens = [tokenize(t) or ["\u2205"] for t in texts]
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever)

    @property
    def vocabulary(self) -> set[str]:
        return set(self._retriever.vocab_dict)

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage for `query` (0 where no query term occurs, or masked out)."""
        tokens = [t for t in tokenize(query) if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        scores = np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
        return scores * mask if mask is not None else scores

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, mmap=False))
