"""Entity attributes: a question that asks where (a place, someone's origin), which organisation or what name
wants that name in a cited sentence.

`missing_attribute` checks values (amounts, years) with regular expressions; an entity is checked by what the
sentence names: a place name (jieba part of speech `ns`, or a name ending in 省/市/州/区…) that the question does
not name itself, an organisation (…公司, …研究院, a jieba organisation), a quoted or Latin name.
"周鸿祎是哪里人？" is not answered by a sentence about 360's products, nor "哪家公司创建的" by "当地一家技术公司".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.text import squash, tagged_words

from .question import QUOTED_TITLE


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NEAR = 20  # characters between a place and the word that makes it an origin (as `answerability._NEAR`)
#: A place name by its ending: 湖南省, 杭州市, 得克萨斯州, 海淀区, 经济技术开发区 (not 市场, 区域, 省份).
_PLACE_NAME = re.compile(
    r"[\u4e00-\u9fff]{1,8}(?:省(?!份)|市(?![场值民面况])|州|县|区(?![域别块间])|镇|村|岛|园区|开发区|新区)"
)
#: The words that make a place someone's origin (湖北人, 籍贯, 出生于, 来自).
_ORIGIN_WORDS = _rx(r"人|籍|出生|生于|老家|家乡|来自|born|native")


def places(text: str) -> list[str]:
    """The place names in `text`: jieba places (`ns`) and names with a place ending."""
    return tagged_words(text, ("ns",)) + _PLACE_NAME.findall(text)


def _new(names: list[str], question: str) -> list[str]:
    """The names the question does not name itself (a place asked about is no answer to where it is)."""
    asked = squash(question)
    return [n for n in names if n not in asked]


def _gives_place(text: str, question: str) -> bool:
    return bool(_new(places(text), question))


def _gives_origin(text: str, question: str) -> bool:
    spots = [m.span() for m in _ORIGIN_WORDS.finditer(text)]
    for place in _new(places(text), question):
        for m in re.finditer(re.escape(place), text):
            if any(ws - _NEAR <= m.end() and m.start() <= we + _NEAR for ws, we in spots):
                return True
    return False


#: An organisation by its ending (中望龙腾软件股份有限公司, 赛迪研究院, 中国联通): the stem before the ending.
_ORG_NAME = re.compile(
    r"([A-Za-z0-9\u4e00-\u9fff]{2,24}?)(?:有限责任公司|股份有限公司|有限公司|公司|集团|大学|学院|研究院|研究所|"
    r"研究中心|实验室|协会|学会|联盟|委员会|银行|基金会|工作室|联通|移动|电信|部|局|厅|署|院|所|中心)"
)
#: A stem that names no one (一家技术公司, 国内企业, 该公司).
_GENERIC_STEM = re.compile(
    r"^(?:技术|科技|国际|网络|软件|互联网|相关|其他|国内|国外|海外|本地|当地|大型|小型|中小|头部|龙头|上市|外资|民营|"
    r"国有|一些|许多|多家|这些|该|各|本|某|企业|香港国际|美国|中国)$"
)
_DETERMINERS = r"(?:一家|一个|一所|某|该|这家|那家|多家|几家|一些)"
#: A stem that opens with a determiner, or that one precedes (一家…公司, 该研究院): no name.
_INDEFINITE = re.compile(rf"^{_DETERMINERS}|{_DETERMINERS}$")
#: Organisations jieba knows (nt), or names it tags as places or proper nouns (京东, 微软 → ns/nz).
_ORG_TAGS = ("nt", "nz", "ns")
#: A sentence that opens with its subject: 甲子光年作为…, 阿里巴巴通过…
_SUBJECT = re.compile(r"^([\u4e00-\u9fff]{2,6}?)(?:作为|是|通过|还|也|与|和|携手|已|将|于|在|的)")


def organisations(text: str) -> list[str]:
    """The organisations `text` names: names with an organisation ending (not a generic or indefinite one: 一家技术
    公司), jieba organisations and proper nouns, and the subject a sentence opens with."""
    found = tagged_words(text, _ORG_TAGS)
    if subject := _SUBJECT.match(text):
        found.append(subject.group(1))
    for m in _ORG_NAME.finditer(text):
        stem = re.split(r"的|、|，|,", m.group(1))[-1]
        before = text[max(0, m.start() - 3) : m.start()] + m.group(1)[: len(m.group(1)) - len(stem)]
        if (
            len(stem) >= 2
            and not _GENERIC_STEM.match(stem)
            and not _INDEFINITE.search(before)
            and not _INDEFINITE.match(stem)
        ):
            found.append(stem + m.group(0)[len(m.group(1)) :])
    return found


def _gives_org(text: str, question: str) -> bool:
    return bool(_new(organisations(text), question))


#: How a name is given: quoted, titled, 名为/称为/简称, a brand.
_NAMING = re.compile(r"“[^”]{2,30}”|《[^》]{2,40}》|名为|叫做|称为|称作|命名为?|简称|品牌")
#: A Latin name: a model number (H100, Qwen1.5), a camel-case (DeepMind) or a capitalised word of five letters or more.
_LATIN_NAME = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z]+[-.]?\d[A-Za-z0-9.\-]*|[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]{4,})(?![A-Za-z0-9])"
)


def _gives_name(text: str, question: str) -> bool:
    return bool(_NAMING.search(text) or _new(organisations(text) + _LATIN_NAME.findall(text), question))


#: An organisation only described, not named: (当地)一家…公司, 某机构 (but "X是一家…公司" names X).
_DESCRIBED_ONLY = re.compile(
    r"(?<!是)(?<!为)(?<!作为)(?:当地|本地|国内|国外|海外)?(?:一家|某家?|一所|一个)[^，。；、]{0,14}?"
    r"(?:公司|企业|机构|单位|团队|组织|厂商|集团)"
)


@dataclass(frozen=True)
class EntityKind:
    """An entity readers ask for: how a question asks for it and whether a sentence gives one (a function of the
    squashed sentence and the question)."""

    name: str
    asked: re.Pattern[str]
    gives: Callable[[str, str], bool]


ORIGIN = EntityKind(
    "origin",
    _rx(r"哪里人|哪儿人|籍贯|老家|家乡|出生地|\bwhere\b.{0,30}\b(?:born|from)\b"),
    _gives_origin,
)
PLACE = EntityKind(
    "place",
    _rx(
        r"哪(?:个|座|一)?(?:省|州|市|县|城市|国家|地区|国)|(?:在|位于|设在|建在|落户|召开|举办|举行)于?(?:哪里|哪儿|何处|何地)|"
        r"(?:哪里|哪儿|何处|何地)(?:召开|举办|举行)|总部.{0,4}(?:哪里|哪儿|何处|何地)|"
        r"\b(?:which|what) (?:city|country|state|province|region|town)\b|"
        r"\bwhere\b.{0,60}\b(?:based|located|headquartered|held|built|hosted|situated)\b"
    ),
    _gives_place,
)
ORGANISATION = EntityKind(
    "organisation",
    _rx(
        r"哪(?:一)?(?:家|个|所)(?:公司|企业|单位|机构|部门|组织|团队|实验室|运营商|银行|厂商|厂家)|哪家|"
        r"什么(?:公司|企业|单位|机构)|(?:由|被)(?:谁|哪).{0,4}(?:开发|研发|推出|打造|创建|建造|制造|发布|研制)|"
        r"在哪(?:个|家)?(?:单位|公司|机构)?(?:任职|工作|供职)|"
        r"\b(?:which|what)(?: \w+)? (?:company|firm|organi[sz]ation|institution|agency|operator|bank|lab|vendor|"
        r"maker|manufacturer)\b|"
        r"\bwho (?:built|developed|made|makes|created|launched|released|is behind|was behind|produces|designed)\b|"
        r"\bwhere does\b.{0,30}\bwork\b"
    ),
    _gives_org,
)
NAME = EntityKind(
    "name",
    _rx(
        r"叫什么|什么名字|名称是什么|叫做什么|名叫|\bwhat is the (?:\w+ )?name\b|"
        r"\bwhat (?:is|was|are|were)\b.{0,60}\bcalled\b|\bname of\b|\bwhat name\b"
    ),
    _gives_name,
)
ENTITIES: tuple[EntityKind, ...] = (ORIGIN, PLACE, ORGANISATION, NAME)
_NAMED_KINDS = (ORGANISATION, NAME)  # kinds a described-only mention does not answer


def asked_entities(question: str) -> list[EntityKind]:
    """The entity kinds the question asks for (an origin, not also a place: 哪里人 asks where someone is from)."""
    plain = QUOTED_TITLE.sub(" ", question)
    kinds = [kind for kind in ENTITIES if kind.asked.search(plain)]
    return kinds[:1] if ORIGIN in kinds else kinds


def missing_entity(question: str, texts: list[str]) -> str | None:
    """The asked entity kind that none of the squashed cited `texts` gives, or None. An organisation or name that
    the first (best) cited sentence only describes (当地一家技术公司) is not given."""
    asked = asked_entities(question)
    named = [k for k in asked if k in _NAMED_KINDS]
    if texts and named and (described := _DESCRIBED_ONLY.search(texts[0])):
        if not _new(organisations(texts[0][described.end() :]), question):  # 一家…企业——广州中望龙腾… names it
            return named[0].name
    for kind in asked:
        if not any(kind.gives(text, question) for text in texts):
            return kind.name
    return None


__all__ = ["ENTITIES", "EntityKind", "asked_entities", "missing_entity", "organisations", "places"]
