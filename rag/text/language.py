"""The one rule for the language of a question or a sentence."""

from __future__ import annotations

import re

from .chars import count_cjk

_LATIN = re.compile(r"[A-Za-z]")
_TITLE = re.compile(r"《[^》]*》")  # a quoted title is a name, not the language the text is written in


#: The languages a question is read in: `language_of` tells them apart.
LANGUAGES = ("zh", "en")


def is_english(text: str) -> bool:
    """English: no Chinese at all, or Latin letters outnumber Chinese characters 3 to 1, titles in 《》 left out
    ("What is the ISSN of 《中国工业和信息化》?" is English; "SU7的交付量是多少？" is Chinese)."""
    text = _TITLE.sub(" ", text)
    cjk = count_cjk(text)
    return cjk == 0 or len(_LATIN.findall(text)) >= 3 * cjk


def language_of(text: str) -> str:
    """ "en" for English text (`is_english`), else "zh"."""
    return "en" if is_english(text) else "zh"
