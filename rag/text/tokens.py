"""Word tokens of Chinese and English text: jieba search-mode words, lower-cased, punctuation and stop words out."""

from __future__ import annotations

import logging
import re
import warnings
from functools import lru_cache
from types import ModuleType

from .chars import CJK
from .stopwords import STOP_WORDS

_WORD = re.compile(rf"[\w{CJK}]", re.UNICODE)


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


def person_names(sentence: str) -> list[str]:
    """Person names (jieba part-of-speech `nr`, two characters or more) in `sentence`."""
    import jieba.posseg as pseg

    jieba_module()  # the shared dictionary, initialised quietly
    return [w for w, flag in pseg.cut(sentence) if flag == "nr" and len(w) >= 2]
