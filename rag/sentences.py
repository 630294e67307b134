"""The sentences of a passage as the answerer sees them, and how sentences are compared.

`passage_sentences` cuts a passage into trimmed sentence spans (rejoining lines broken mid-sentence by PDF
extraction); `_display` makes a sentence presentable in an answer; `_norm`, `_bigrams`, `_overlap` and
`near_duplicate` compare sentences by their character bigrams.
"""

from __future__ import annotations

import re

from .text import CJK, split_sentences

SENTENCE_PUNCT = "。！？；…!?;"
_CLOSERS = "”’」』）》】〕)\"'"
_NOT_WORD = re.compile(rf"[^0-9a-z{CJK}]+")


def _continues(piece: str) -> bool:
    """A line that ends mid-sentence (PDF line break) rather than a heading or a key: value line."""
    body = piece.strip()
    if not body or body[-1] in SENTENCE_PUNCT + _CLOSERS + ":：":
        return False
    return body[-1] in "，、（《“(" or (("，" in body or "、" in body) and len(body) >= 12)


def passage_sentences(text: str, max_chars: int = 400) -> list[tuple[int, int]]:
    """Trimmed character spans of the sentences of `text` (a line broken mid-sentence is rejoined)."""
    pieces = split_sentences(text)
    merged: list[list[int]] = []
    joining = False
    for start, end in pieces:
        if joining and merged and end - merged[-1][0] <= max_chars:
            merged[-1][1] = end
        else:
            merged.append([start, end])
        piece = text[start:end]
        joining = piece.endswith("\n") and _continues(piece)
    spans = []
    for start, end in merged:
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        s, e = start + lead, end - trail
        if e > s and len(_NOT_WORD.sub("", text[s:e].lower())) >= 2:
            spans.append((s, e))
    return spans


def _display(sentence: str) -> str:
    """A sentence for the answer text: line breaks removed (between Chinese) or made spaces."""
    out = re.sub(rf"(?<=[{CJK}，、：；（《“])\s*\n\s*(?=[{CJK}])", "", sentence.strip())
    out = re.sub(r"\s*\n\s*", " ", out)
    if out.endswith(("；", ";", "，", ",")):
        out = out[:-1] + "。"
    elif out and out[-1] not in SENTENCE_PUNCT + _CLOSERS + ":：":
        out += "。"
    return out


def _norm(text: str) -> str:
    return _NOT_WORD.sub("", text.lower())


def _bigrams(text: str) -> set[str]:
    t = _norm(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def near_duplicate(a: str, b: str, jaccard: float = 0.5, containment: float = 0.8) -> bool:
    """True when two sentences say (nearly) the same thing: bigram Jaccard or containment above the limits."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return _norm(a) == _norm(b)
    inter = len(x & y)
    return inter / len(x | y) >= jaccard or inter / min(len(x), len(y)) >= containment
