"""The numbers a text writes: Arabic numbers with their scale (8348.25亿, 2万, 834.8 billion) and Chinese numerals
(十九, 二〇二三, 一百二十万)."""

from __future__ import annotations

import re
from typing import NamedTuple

_SCALES = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "hundred million": 1e8, "ten thousand": 1e4}
_SCALES |= {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALE_WORDS = "|".join(w if w[0] in "万亿千" else w + "(?![A-Za-z])" for w in _SCALES)
_ARABIC = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(" + _SCALE_WORDS + "))?", re.IGNORECASE)
_RANGE_END = re.compile(r"\d\s*[-~～–—至到]\s*$")
_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNIT = {"十": 10, "百": 100, "千": 1000}
_SECTION = {"万": 10_000, "亿": 100_000_000}


class Number(NamedTuple):
    """A number as written (`value`), its `amount` once its scale word is read, whether it had one, and whether it
    was written in figures (not in Chinese numerals)."""

    value: float
    amount: float
    scaled: bool
    figures: bool = True


def written_numbers(text: str) -> list[Number]:
    """Each number of `text`: "8348.25亿元" → (8348.25, 834825000000.0, True), "6,093" → (6093, 6093, False),
    "十九届" → (19, 19, False), "十四五" → 14 and 5."""
    found = [_arabic(m) for m in _ARABIC.finditer(text)]
    for m in _NUMERALS.finditer(_ARABIC.sub(" ", text)):  # 万 of "2 万" belongs to the 2
        found += [Number(float(v), float(v), False, False) for v in chinese_numerals(m[0])]
    return found


def _arabic(m: re.Match[str]) -> Number:
    value = float(m[1].replace(",", "") + (m[2] or ""))
    scale = _SCALES.get((m[3] or "").lower())
    return Number(value, value * (scale or 1.0), scale is not None)


def english_amounts(text: str) -> str:
    """`text` with each figure that carries a Chinese scale written as an English amount: "8348.25亿元" →
    "834.825 billion元", "3万美元" → "30,000美元", "50万千瓦时" → "500,000千瓦时". A small model translating
    8348.25亿 writes "8348.25 billion" (ten times too much); given the amount, it copies it."""

    def english(m: re.Match[str]) -> str:
        if not m[3] or m[3][0] not in "万亿" or _RANGE_END.search(text, 0, m.start()):
            return m[0]  # the end of a range ("3-5万") scales its start too: left as written
        return _amount(_arabic(m).amount)

    return _ARABIC.sub(english, text)


def _amount(amount: float) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if amount >= size:
            return f"{round(amount / size, 6):g} {word}"
    return f"{round(amount, 6):,.6g}" if amount != int(amount) else f"{int(amount):,}"


def chinese_numerals(run: str) -> list[int]:
    """The numbers of a run of Chinese numerals: 十九 → [19], 三百五十 → [350], 一百二十万 → [1200000],
    二〇二三 → [2023] (digits without units are read digit by digit), 十四五 → [14, 5] (a digit after a digit
    starts a new number)."""
    if not any(c in _UNIT or c in _SECTION for c in run):
        return [int("".join(str(_DIGIT[c]) for c in run))] if len(run) > 1 else [_DIGIT.get(run, 0)]
    numbers: list[int] = []
    total = section = 0
    digit: int | None = None
    for ch in run:
        if ch in _DIGIT:
            if digit is not None:  # two digits in a row: the number before has ended
                numbers.append(total + section + digit)
                total = section = 0
            digit = _DIGIT[ch]
        elif ch in _UNIT:
            section += (1 if digit is None else digit) * _UNIT[ch]
            digit = None
        else:
            total = (total + section + (digit or 0) or 1) * _SECTION[ch]
            section, digit = 0, None
    numbers.append(total + section + (digit or 0))
    return numbers


def chinese_numeral(run: str) -> int | None:
    """The value of one Chinese numeral (the first number of `chinese_numerals`): 四 → 4, 二十 → 20; None when
    `run` is not made of numerals (几, 多少)."""
    return chinese_numerals(run)[0] if _NUMERALS.fullmatch(run) else None


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH = {name: i for i, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3] + ".", full[:3])} | {
    "Sept.": 9,
    "Sept": 9,
}
_ENGLISH_MONTH = re.compile(
    r"\b(" + "|".join(re.escape(name) for name in sorted(_MONTH, key=len, reverse=True)) + r")(?![A-Za-z])"
)
_MONTH_NUMBER = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
#: "3月", "十二月", a range "1—5月" / "1月至5月" (its ends: "1—5月" names January to May) or a list "3、4月".
_CHINESE_MONTH = re.compile(rf"(?<![\d个])({_MONTH_NUMBER}(?:\s*[—–\-~～至到、和与]\s*{_MONTH_NUMBER})*)月")
_RANGE = re.compile(r"[—–\-~～至到]")


def months_named(text: str) -> set[int]:
    """The calendar months (1–12) `text` names: "March", "Sept." or "Jun" in English (capitalised, as in prose);
    "3月", "三月", every month of a range "1—5月" and each of "3、4月" in Chinese (not "3个月", three months)."""
    months = {_MONTH[m[1]] for m in _ENGLISH_MONTH.finditer(text)}
    for m in _CHINESE_MONTH.finditer(text):
        numbers = [_month_number(x) for x in re.split(r"\s*[—–\-~～至到、和与]\s*", m[1])]
        months.update(numbers)
        if _RANGE.search(m[1]) and len(numbers) == 2 and numbers[0] < numbers[1]:
            months.update(range(numbers[0], numbers[1] + 1))
    return months


def _month_number(run: str) -> int:
    return int(run) if run.isdigit() else chinese_numerals(run)[0]
