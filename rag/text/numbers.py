"""The numbers a text writes: Arabic numbers with their scale (8348.25亿, 2万, 834.8 billion) and Chinese numerals
(十九, 四)."""

from __future__ import annotations

import re

_ARABIC = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万亿|亿|万|千|thousand|million|billion|trillion)?", re.IGNORECASE
)
_SCALES = {"千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_SCALES["trillion"] = 1e12
_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百千]+")
_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNIT = {"十": 10, "百": 100, "千": 1000}


def written_numbers(text: str) -> list[tuple[float, float]]:
    """Each number of `text` as (the value written, the value with its scale word): "8348.25亿元" → (8348.25,
    834825000000.0), "6,093" → (6093, 6093), "十九届" → (19, 19)."""
    found = []
    for m in _ARABIC.finditer(text):
        value = float(m[1].replace(",", "") + (m[2] or ""))
        found.append((value, value * _SCALES.get((m[3] or "").lower(), 1.0)))
    for m in _NUMERALS.finditer(text):
        value = float(chinese_numeral(m[0]))
        found.append((value, value))
    return found


def chinese_numeral(run: str) -> int:
    """The value of a run of Chinese numerals up to the thousands: 十九 → 19, 二十 → 20, 三百五十 → 350, 四 → 4."""
    total = digit = 0
    for ch in run:
        if ch in _UNIT:
            total += (digit or 1) * _UNIT[ch]
            digit = 0
        else:
            digit = _DIGIT.get(ch, 0)
    return total + digit
