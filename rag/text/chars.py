"""Characters of Chinese text: the CJK ranges, PDF whitespace repair, whitespace-free matching."""

from __future__ import annotations

import re

#: CJK unified ideographs (extension A, the basic block, compatibility ideographs): the one CJK range.
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014\u00b7"

_CJK_CHAR = re.compile(f"[{CJK}]")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[ \t\u00a0\u3000]+(?=[{CJK}{CJK_PUNCT}])")
_WS = re.compile(r"\s+")
_ORNAMENT = re.compile(r"[\u2600-\u27bf\U0001f300-\U0001faff\ufe0f]+\s*$")


def has_cjk(text: str) -> bool:
    """True when `text` holds at least one Chinese character."""
    return _CJK_CHAR.search(text) is not None


def count_cjk(text: str) -> int:
    """The number of Chinese characters in `text`."""
    return len(_CJK_CHAR.findall(text))


def clean_line(line: str) -> str:
    """Strip a line and remove the spaces that PDF extraction puts between Chinese characters."""
    line = line.replace("\u00a0", " ").strip()
    return _SPACE_BETWEEN_CJK.sub("", line)


def strip_ornament(line: str) -> tuple[str, bool]:
    """Remove a trailing end-of-article ornament (e.g. ⚙️ 🔧); report whether there was one."""
    new = _ORNAMENT.sub("", line)
    return new.rstrip(), new != line


def squash(text: str) -> str:
    """Text with all whitespace removed: the form used for whitespace-insensitive matching."""
    return _WS.sub("", text)
