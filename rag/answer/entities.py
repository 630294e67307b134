"""Entity attributes: a question that asks where (a place, someone's origin) wants a name in the cited sentence.

`missing_attribute` checks values (amounts, years) with regular expressions; an entity is checked by what the
sentence names: a place name (jieba part of speech `ns`, or a name ending in 省/市/州/区…) that the question does
not name itself. "周鸿祎是哪里人？" is not answered by a sentence about 360's products.
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
#: A place name by its ending: 湖南省, 杭州市, 得克萨斯州, 海淀区, 紫竹院路, 经济技术开发区.
_PLACE_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:省|市|州|县|区|镇|村|路|街|号|岛|园区|开发区|新区)")
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
ENTITIES: tuple[EntityKind, ...] = (ORIGIN, PLACE)


def asked_entities(question: str) -> list[EntityKind]:
    """The entity kinds the question asks for (an origin, not also a place: 哪里人 asks where someone is from)."""
    plain = QUOTED_TITLE.sub(" ", question)
    kinds = [kind for kind in ENTITIES if kind.asked.search(plain)]
    return kinds[:1] if ORIGIN in kinds else kinds


def missing_entity(question: str, texts: list[str]) -> str | None:
    """The asked entity kind that none of the squashed cited `texts` gives, or None."""
    for kind in asked_entities(question):
        if not any(kind.gives(text, question) for text in texts):
            return kind.name
    return None


__all__ = ["ENTITIES", "EntityKind", "asked_entities", "missing_entity", "places"]
