"""Follow-up questions: fold the previous turn into the text that is searched.

Pure functions with no Streamlit or index dependency (the chat page uses them; a CLI chat mode could too).

A question such as "他还提到了什么？" or "what about Vietnam?" names nothing to search for; the turn before it
does. `fold_follow_up` detects such questions (a pronoun whose antecedent is not in the question itself — 他 at
its start, "he" before any name it gives —, "还/另外/呢", "what about …", very short questions) and
returns the previous turn's search text with the titles it cited, followed by the new question. A question that
stands on its own is returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.text import count_cjk, has_cjk

from .question import QuestionInfo
from .records import Answer

#: At most this many characters of the previous turn are carried into the next search.
MAX_CONTEXT_CHARS = 300

_ZH_CONTINUES = re.compile(
    r"^(?:那|那么|还有|另外|此外|以及|然后|接着|再|并且|而且|同时)"  # opens by continuing
    r"|还(?:有|提到|说|讲|谈|认为|介绍|指出)|呢[？?]?\s*$"
)
_ZH_REFERS = re.compile(
    r"他|她|它|其(?!他|它|中国|实)|该(?:文|公司|企业|作者|人|书|机构|项目|技术|报告|文章)|此人|这(?:个|位|些|篇|家|种|项|里|样|方面|一点)"
    r"|那(?:个|位|些|篇|家|种|项|里|样)|上述|(?<!目)前面|刚才|上文|文中|这篇"
)
#: A reference word after this many characters of the question's own words has its antecedent in the question
#: (《……》这篇文章, 张毓强回忆有人替他算账, ……？它和国家安全有什么关系？).
OWN_ANTECEDENT_CHARS = 4
_ZH_STANDALONE = re.compile(r"这一期|本期|本刊|其他|其它|其中")
_EN_STANDALONE = re.compile(r"\b(?:this|that|the) (?:issue|magazine|edition)\b", re.IGNORECASE)
#: A follow-up longer than this (Chinese characters + Latin words) names its own topic: only the titles are added.
OWN_TOPIC_WORDS = 8
_EN_CONTINUES = re.compile(
    r"^\s*(?:and|also|what about|how about|what else|anything else|tell me more|more on|and what|same for|then)\b"
    r"|\b(?:what|who|where|anything|something) else\b",
    re.IGNORECASE,
)
#: A pronoun after a name the question gives (Why does Kunlun Tech build its own …?) refers to that name.
_EN_PRONOUN = re.compile(r"\b(?:he|she|it|they|him|her|them|his|its|their)\b", re.IGNORECASE)
#: Words that point back only in a short question ("Who is the author?", "Why did this happen?").
_EN_POINTS = re.compile(
    r"\b(?:this|that|these|those|the author|the article|the company|above|previous|earlier|too)\b", re.IGNORECASE
)
_EN_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][A-Za-z0-9&-]*")


_MORE = re.compile(
    r"还|另外|此外|其他|其它|别的|更多|再|\b(?:else|more|other|another|also|further|besides)\b", re.IGNORECASE
)


def wants_more(question: str) -> bool:
    """A follow-up that asks for something not said yet ("他还提到了什么？", "what else?"): the passages the last
    answer cited can be left out of its search."""
    return bool(_MORE.search(question))


#: Topic terms that name no topic in a "what else" follow-up (他还谈了哪些内容？, anything else?).
_NO_TOPIC = re.compile(
    r"^(?:还有?|其[他它]|别的|更多|另外|此外|观点|内容|方面|话题|事情|东西|问题|谈|讲|说|提|"
    r"作者|文章|文中|本文|"
    r"else|anything|something|things?|topics?|points?|more|other|further|tell|discuss\w*|talk\w*|mention\w*|write|wrote|"
    r"he|she|it|they|him|her|them|his|its|their|author|article)$",
    re.IGNORECASE,
)


def asks_what_else(question: str) -> bool:
    """A follow-up that asks only for what has not been said yet, naming no topic of its own ("他还提到了什么？",
    "还有呢？", "What else did he say?"): its answer is the rest of the article the last answer quoted."""
    terms = QuestionInfo.parse(question).terms
    return wants_more(question) and is_follow_up(question) and all(_NO_TOPIC.match(t) for t in terms)


@dataclass(frozen=True)
class Turn:
    """One earlier question: as typed, as searched (after folding), the titles of the documents it cited, the
    passages it cited and the sentences it quoted."""

    question: str
    query: str = ""
    titles: Sequence[str] = field(default_factory=tuple)
    cited: Sequence[str] = field(default_factory=tuple)  # chunk ids the answer cited
    said: Sequence[str] = field(default_factory=tuple)  # the sentences the answer quoted

    @property
    def searched(self) -> str:
        return self.query or self.question

    @classmethod
    def after(cls, question: str, query: str, answer: Answer | None, earlier: Turn | None = None) -> Turn:
        """What the question after this one may fold in: this search, the titles, passages and sentences `answer`
        cited (the first source's title when it cited none). A "what else?" follow-up also carries what `earlier`
        (the turn before it) cited and said, so a chain of them never comes back to it."""
        titles: list[str] = []
        cited: tuple[str, ...] = ()
        said: tuple[str, ...] = ()
        if answer is not None:
            by_n = {s.n: s for s in answer.sources}
            titles = [by_n[c.n].document.title for c in answer.citations if c.n in by_n]
            titles = titles or [s.document.title for s in answer.sources[:1]]
            cited = tuple(dict.fromkeys(c.chunk_id for c in answer.citations))
            said = tuple(c.quote for c in answer.citations)
        if earlier is not None and query != question and wants_more(question):
            cited = tuple(dict.fromkeys((*earlier.cited, *cited)))
            said = tuple(dict.fromkeys((*earlier.said, *said)))
        return cls(question, query, tuple(titles), cited, said)


def _words(question: str) -> int:
    """Rough size of a question: Chinese characters plus Latin words."""
    return count_cjk(question) + len(re.findall(r"[A-Za-z0-9]+", question))


def is_follow_up(question: str) -> bool:
    """True when `question` leans on the previous turn (a pronoun it gives no antecedent for, a continuation word,
    or too short to stand alone)."""
    text = question.strip()
    if not text:
        return False
    if has_cjk(text):
        text = _ZH_STANDALONE.sub("", text)
        refers = _ZH_REFERS.search(text)
        near_start = refers is not None and count_cjk(text[: refers.start()]) < OWN_ANTECEDENT_CHARS
        return bool(_ZH_CONTINUES.search(text)) or near_start or _words(text) <= 4
    text = _EN_STANDALONE.sub("", text)
    if _EN_CONTINUES.search(text) or _words(text) <= 3:
        return True
    pronoun, name = _EN_PRONOUN.search(text), _EN_NAME.search(text)
    if pronoun is not None and (name is None or pronoun.start() < name.start()):
        return True
    return _EN_POINTS.search(text) is not None and _words(text) <= OWN_TOPIC_WORDS


def fold_follow_up(question: str, previous: Turn | None, max_chars: int = 2000) -> str:
    """The text to search for `question`: unchanged unless it is a follow-up of `previous`, then
    `question + previous search text + cited titles` (only the titles when the follow-up is long enough to
    carry its own topic); at most `max_chars`, and the new question is never cut."""
    question = question.strip()
    if previous is None or not is_follow_up(question):
        return question
    context = previous.searched.strip()[:MAX_CONTEXT_CHARS]
    titles = [f"《{t}》" for t in dict.fromkeys(previous.titles) if t and t not in context][:2]
    if _words(question) > OWN_TOPIC_WORDS and titles:
        context = ""  # the question has a topic of its own: add only where the last answer came from
    folded = " ".join(p for p in [question, context, *titles] if p).strip()
    if len(folded) > max_chars:
        folded = folded[:max_chars].rstrip()
    return folded if len(folded) > len(question) else question
