"""Small text helpers for Chinese: whitespace repair, sentence boundaries, normalised matching."""

from __future__ import annotations

import re

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014\u00b7"
SENTENCE_END = "。！？；…!?"
CLOSERS = "”’」』）》】〕)\"'"

_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[ \t\u00a0\u3000]+(?=[{CJK}{CJK_PUNCT}])")
_WS = re.compile(r"\s+")
# A sentence: anything up to a run of end marks, followed by any closing quotes/brackets.
_SENTENCE = re.compile(rf"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{re.escape(CLOSERS)}]*|\n+|$)")
_ORNAMENT = re.compile(r"[\u2600-\u27bf\U0001f300-\U0001faff\ufe0f]+\s*$")


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


def ends_sentence(text: str) -> bool:
    """True when the text ends with sentence-final punctuation (optionally followed by closers)."""
    stripped = text.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END + ":："


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`; closing quotes stay with their sentence.

    Spans cover the whole text (whitespace between sentences is attached to the sentence before).
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        if end == start:
            continue
        spans.append((start, end))
        pos = end
    if pos < len(text):
        spans.append((pos, len(text)))
    # fold whitespace-only pieces into the previous sentence
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and not text[start:end].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def has_cjk(text: str) -> bool:
    return re.search(f"[{CJK}]", text) is not None
