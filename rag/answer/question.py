"""Reading a question: its language (`rag.text.is_english`), the kinds of fact it asks for and its topic terms
(`QuestionInfo`), and how well a sentence holds the kind of fact asked for (`kind_score`; an author's line,
`rag.text.is_byline`, names an organisation).

Kinds: a number for 多少, a date for 何时, a list for 哪些, a person for 谁, an organisation for 哪家单位, a
definition for 什么是 (and their English forms).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rag.text import QUESTION_WORDS, has_cjk, is_byline, is_english, norm, person_names, tokenize

_Q_LIST = re.compile(
    r"哪些|哪几|有哪|哪(?:[两二三四五六七八九十]|[2-9]|\d{2,})|[两二三四五六七八九十]大|包括什么|包含什么|包括哪|分别|"
    r"\bwhat (?:are|were) the\b|\bwhich (?:\w+ )?(?:companies|countries|fields|areas|measures|steps|ways|products|"
    r"technologies|sectors|cities|regions|challenges)\b|\blist\b",
    re.IGNORECASE,
)
#: "how many/much/long …": how asking for an amount, not a way.
_HOW_AMOUNT = r"how (?:many|much|long|far|old|large|big|fast|high|often)\b"
#: Questions that want several things: which kinds/aspects, how, why, what measures (Chinese and English).
_Q_MANY = re.compile(
    r"哪些|哪几|有哪|哪(?:[两二三四五六七八九十]|[2-9]|\d{2,})|几[类条点种个项方大步]|[两二三四五六七八九十\d]+[类条点种项大步]|"
    r"方面|如何|怎样|怎么|为什么|为何|原因|措施|举措|路径|对策|建议|策略|途径|做法|分别|包括|"
    r"什么(?:效果|作用|影响|好处|意义|变化|成效|优势|启示|挑战|困难|问题)|"
    rf"\b(?:what (?:are|were)|(?!{_HOW_AMOUNT})how|why|ways?|"
    r"measures|steps|kinds|types|categories|aspects|reasons|recommendations|strategies|list|evidence|lessons|"
    r"what else|went wrong)\b|"
    r"\bwhat (?:did|does|do|has|have|will|can|could)\b[^?]{0,60}?\b(?:gain|achieve|learn|bring|offer|include)\w*\b|"
    r"\bwhat (?:did|does|do)\b[^?]{0,80}?\b(?:say|show|argue|propose|suggest|describe|explain|think|reveal|claim|"
    r"recommend|warn|see|stress|emphasi[sz]e)\b(?=\s*(?:about|on|regarding|of)\b|\s*[?,]|\s*$)|"
    r"^\W*(?:please\s+)?(?:describe|explain)\b",
    re.IGNORECASE,
)
#: "What three changes have …", "In which areas …", "…, which pressures on …": a question opening with what/which
#: (at its start, after a preposition or after a comma; not a relative "the model which …") whose next words hold a
#: plural noun followed by an auxiliary verb, a preposition or the end ("Which company makes the SU7" names one
#: thing: "makes" is followed by "the").
_EN_WHICH = re.compile(
    r"(?:^|[,;:]|\b(?:in|of|for|from|to|on|at|by|under|through|into|about)\s)\s*(?:what|which)\b"
    r"((?:\s+[A-Za-z-]+){1,4})(\s+[A-Za-z]+|\W*$)?",
    re.IGNORECASE,
)
_EN_AUXILIARIES = frozenset(
    "do does did is are was were has have had can could will would should might may must".split()
)
_EN_AFTER_PLURAL = _EN_AUXILIARIES | frozenset("of for in on from to at about behind between among that".split())
_EN_NOT_PLURAL = frozenset("news whereas always perhaps".split())  # -s words that are no plural (besides -ss/-us/-is)
#: Quoted titles and phrases (《……》, “……”): names, not the question's own words.
QUOTED_TITLE = re.compile(r"《[^》]*》|“[^”]*”")
#: "营业收入和净利润分别是多少": an amount of each thing, not a list of things.
_EACH_AMOUNT = re.compile(r"(?:分别|各自?)(?:是|为|有|达到?)?(?:多少|几)")


_Q_NUMBER = re.compile(
    r"多少|(?<!哪)几(?![乎])|多[大高长久远重快]|比例|比重|占比|百分之|增长了?多|增速|第几|排名|排第|规模|"
    rf"\b{_HOW_AMOUNT}|\bwhat (?:percentage|proportion|share|fraction|"
    r"number|amount|price|rate)\b|\bby how\b|\brank",
    re.IGNORECASE,
)
_Q_DATE = re.compile(
    r"何时|什么时候|哪一?年|哪一?天|哪一?月|几月|几号|几日|什么时间|日期|时间是|"
    r"\bwhen (?:did|does|do|was|were|is|are|will|would|has|have|had|can)\b|^\W*when\W*$|"
    r"\bwhat (?:year|date|month|day|time)\b|\bwhich (?:year|date|month|day)\b|\bin what year\b",
    re.IGNORECASE,
)
_Q_PERSON = re.compile(r"谁|哪位|何人|什么人|\bwho(?:m|se)?\b", re.IGNORECASE)
_Q_ORG = re.compile(
    r"哪[家个所]?(?:单位|机构|公司|企业|大学|高校|学院|部门|组织|厂|研究院|研究所|咨询)|哪家|在哪(?:里|儿)?(?:工作|任职|任教|就职)|"
    r"什么(?:单位|机构|公司|企业)|\bwhich (?:company|companies|organi[sz]ation|institution|university|body|agency|"
    r"firm|consulting|team)\b",
    re.IGNORECASE,
)
_Q_DEFINITION = re.compile(
    r"什么是|是什么意思|指什么|何谓|什么意思|含义|比作|\bwhat (?:is|are|does)\b.*\bmean|\bdefin", re.IGNORECASE
)

#: "… and how many …?": a second question joined by "and" (not "Han Li and Wang Hongwei", "2018 and 2022").
_AND_ASKS = re.compile(
    r"\band (?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|did|does|do|has|have)\b", re.IGNORECASE
)

#: Whole question phrases removed before the topic terms are taken (jieba would leave 一天 of 哪一天).
_QUESTION_PHRASE = re.compile(
    r"哪一?[天年月日次个位家所种类项些条]|什么时候|什么时间|多少|多大|多长|多久|几[个次位年月天号]"
)


def _merge_singles(question: str, tokens: list[str]) -> list[str]:
    """Rejoin runs of single Chinese characters that jieba split off a name it does not know (昇 腾 → 昇腾)."""
    low = question.lower()
    out: list[str] = []
    run = ""
    for token in tokens + [""]:
        single = len(token) == 1 and has_cjk(token)
        if single and run and (run + token) in low:
            run += token
            continue
        if run:
            out.append(run)
        run = token if single else ""
        if not single and token:
            out.append(token)
    return out


_DEFINIENDUM = re.compile(
    r"[“\"「]([^”\"」]{1,12})[”\"」](?:是什么意思|指什么|是指什么|是什么|的意思)|"
    r"什么是([^？?，。]{1,12})|([^，。？?“”]{1,12})(?:是什么意思|指的是什么|指什么)"
)


def _asks_plural(question: str) -> bool:
    """An English question that asks for several things by naming them in the plural (`_EN_WHICH`)."""
    for match in _EN_WHICH.finditer(question):
        words = match.group(1).lower().split() + [(match.group(2) or "").strip().lower()]
        for word, after in zip(words, words[1:]):
            if word in _EN_AUXILIARIES:
                break
            plural = len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))
            if plural and word not in _EN_NOT_PLURAL and (after in _EN_AFTER_PLURAL or not after.isalpha()):
                return True
    return False


@dataclass(frozen=True)
class QuestionInfo:
    """What the answerer reads from a question: language, the kinds of fact asked for, the topic terms."""

    text: str
    english: bool
    kinds: frozenset[str]
    terms: tuple[str, ...]
    compound: bool
    subject: str = ""  # the term a definition question asks about
    #: Terms that stand for one word of the question (an English word's Chinese translations): a text holds the
    #: word when it holds any one of them (`rag.answer.lists.coverage`).
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def many(self) -> bool:
        """The question wants several things: a list, a how or a why (哪些, 如何, 为什么, 带来了什么效果, what are,
        which pressures)."""
        text = QUOTED_TITLE.sub(" ", self.text)  # 《……五大成功举措》 names an article; it asks for nothing
        return bool(_Q_MANY.search(text)) or (self.english and _asks_plural(text))

    @property
    def lists(self) -> bool:
        """The question asks for a list of things ("list" kind), not for an amount of each ("分别是多少")."""
        return "list" in self.kinds and not _EACH_AMOUNT.search(QUOTED_TITLE.sub(" ", self.text))

    @property
    def reads_on(self) -> bool:
        """The answer reads on through its best sentence's paragraph: several things are asked for, and not how many
        of something."""
        return self.many and ("list" in self.kinds or "number" not in self.kinds)

    @classmethod
    def parse(cls, question: str) -> QuestionInfo:
        kinds = set()
        if _Q_LIST.search(question):
            kinds.add("list")
        if _Q_DATE.search(question):
            kinds.add("date")
        if _Q_NUMBER.search(question) and "date" not in kinds:
            kinds.add("number")
        if _Q_PERSON.search(question):
            kinds.add("person")
        if _Q_ORG.search(question):
            kinds.add("org")
        if _Q_DEFINITION.search(question):
            kinds.add("definition")
        content = _QUESTION_PHRASE.sub(" ", question)
        terms = tuple(
            dict.fromkeys(t for t in _merge_singles(content, tokenize(content)) if t not in QUESTION_WORDS and norm(t))
        )
        marks = len(re.findall(r"[？?]", question.strip().rstrip("？? ")))
        compound = marks >= 1 or "分别" in question or "同时" in question or bool(_AND_ASKS.search(question))
        subject = ""
        if "definition" in kinds and (m := _DEFINIENDUM.search(question)):
            subject = next(g for g in m.groups() if g).strip('“”"「」 ')
        return cls(question, is_english(question), frozenset(kinds), terms, compound, subject)


# ---------------------------------------------------------------- sentence features


_DIGIT = re.compile(r"\d")
_CN_NUMBER = re.compile(
    r"[零一二两三四五六七八九十百千万亿]+"
    r"(?:个|位|次|家|项|种|倍|年|月|日|天|元|美元|人|名|所|座|款|台|辆|条|类|成|分之)"
)
_DATE = re.compile(
    r"(?:1[89]|20)\d{2}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月(?:份|底|初|中旬|下旬|上旬)?|"
    r"[〇零一二三四五六七八九]{4}年|年[底初末]|上半年|下半年|(?:1[89]|20)\d{2}[-/.]\d{1,2}"
)
_ENUMERATION = re.compile(r"一是|二是|第一|第二|首先|其次|其一|其二|[①②③④⑤]|[（(][一二三1-9][)）]")
#: Titles that mark a person (董事长, 教授, 院士…).
PERSON_TITLE = re.compile(
    r"董事长|总经理|总裁|CEO|首席|部长|司长|局长|主任|教授|博士|院士|专家|总编辑|主编|社长|记者|创始人|负责人|书记|研究员|"
    r"经济师|工程师|秘书长|主席|理事长|院长|校长|总监|合伙人|分析师|咨询师"
)
_ORG = re.compile(
    r"公司|集团|大学|学院|团队|研究院|研究所|研究中心|中心|协会|学会|委员会|联盟|实验室|出版社|印刷|工厂|银行|机构|部门|政府"
)
DEFINES = r"[”」\"]?(?:是指|指的是|指|即|就是|是一种|意味着)"
_DEFINITION = re.compile(r"是指|指的是|即|定义为|称为|是一种|意味着|就是|相当于|等于|好比")


def person_score(sentence: str, authors: Iterable[str]) -> float:
    """How much `sentence` names a person: an author, or a name (with a title such as 董事长 counting more)."""
    if any(a and a in sentence for a in authors):
        return 1.0
    names = person_names(sentence)
    title = bool(PERSON_TITLE.search(sentence))
    return 1.0 if names and title else 0.5 if names else 0.4 if title else 0.0


def kind_score(sentence: str, kinds: Iterable[str], authors: Iterable[str] = (), subject: str = "") -> float:
    """How well a sentence holds the kind(s) of fact asked for, 0–1 (the mean over kinds)."""
    kinds = list(kinds)
    if not kinds:
        return 0.0
    total = 0.0
    for kind in kinds:
        if kind == "number":
            total += 1.0 if _DIGIT.search(sentence) else 0.6 if _CN_NUMBER.search(sentence) else 0.0
        elif kind == "date":
            total += 1.0 if _DATE.search(sentence) else 0.0
        elif kind == "list":
            commas = sentence.count("、")
            total += 1.0 if commas >= 2 else 0.8 if _ENUMERATION.search(sentence) else 0.6 if commas == 1 else 0.0
        elif kind == "person":
            total += person_score(sentence, authors)
        elif kind == "org":
            total += 1.0 if _ORG.search(sentence) or is_byline(sentence, authors) else 0.0
        elif kind == "definition":
            if subject and re.search(re.escape(subject) + DEFINES, sentence):
                total += 1.0
            elif subject and subject not in sentence:
                pass  # it defines something else ("两低一高，即……" does not say what 低熵 means)
            else:
                total += 0.5 if _DEFINITION.search(sentence) else 0.0
    return total / len(kinds)
