"""The one sentence splitter: sentence ends, closing quotes, spans of sentences, and sentences fit for display.

`split_sentences` cuts at the end marks (closing quotes and brackets stay with their sentence) and covers the whole
text; `passage_sentences` gives the trimmed sentences of a passage as the answerer sees them (a line broken
mid-sentence by PDF extraction is rejoined); chunking splits at the same marks (`SENTENCE_END`, `CLOSERS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .chars import CJK
from .similarity import norm

#: Marks that end a sentence (where the splitter cuts).
SENTENCE_END = "。！？；…!?"
#: Marks after which a sentence counts as finished (the end marks and the ASCII semicolon of Latin runs).
SENTENCE_PUNCT = SENTENCE_END + ";"
#: Closing quotes and brackets that stay with the sentence they close.
CLOSERS = "”’」』）》】〕)\"'"

#: A figure or table caption, or a data-source line ("图1 ……", "数据来源：……"): a label, not a sentence of the text.
CAPTION = re.compile(r"^(?:图|表|Figure |Table )\d+\s*|^数据来源[:：]")

# A byline without known authors: a name of two to four characters, a space and more Chinese words, no end mark
# ("孙凝晖 中国工程院院士"); prose has no spaces between Chinese words (`clean_line`).
_BYLINE = re.compile(rf"[{CJK}]{{2,4}}[ \u3000]+[{CJK}][^\n{SENTENCE_END}]*")
MAX_BYLINE_CHARS = 120


def is_byline(line: str, authors: Iterable[str] = ()) -> bool:
    """An author's line ("赵健 北京甲子光年科技服务有限公司"): one short line without a final end mark that opens with
    one of `authors` and a space, or, when no authors are known, with a two-to-four-character name and a space.
    A label of the page: never joined to the next line as a broken sentence, never quoted with its passage."""
    text = line.strip()
    if not text or "\n" in text or len(text) > MAX_BYLINE_CHARS or text[-1] in SENTENCE_PUNCT:
        return False
    names = [a for a in authors if len(a) >= 2]
    if names:
        return any(text.startswith(a) and text[len(a) : len(a) + 1] in (" ", "\u3000") for a in names)
    return _BYLINE.fullmatch(text) is not None


# A sentence: anything up to a run of end marks, followed by any closing quotes/brackets.
_SENTENCE = re.compile(rf"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{re.escape(CLOSERS)}]*|\n+|$)")


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
    merged: list[tuple[int, int]] = []  # whitespace-only pieces are folded into the sentence before
    for start, end in spans:
        if merged and not text[start:end].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _continues(piece: str) -> bool:
    """A line that ends mid-sentence (PDF line break) rather than a heading or a key: value line."""
    body = piece.strip()
    if not body or body[-1] in SENTENCE_PUNCT + CLOSERS + ":：":
        return False
    return body[-1] in "，、（《“(" or (("，" in body or "、" in body) and len(body) >= 12 and not is_byline(body))


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
        if e > s and len(norm(text[s:e])) >= 2:
            spans.append((s, e))
    return spans


def display_sentence(sentence: str, continued: bool = False) -> str:
    """A sentence for an answer text: line breaks removed (between Chinese) or made spaces, an end mark added. A
    clause that ends at "；" or "，" ends "……" (the sentence goes on in the text), unless `continued`: the answer
    quotes what follows it next."""
    out = re.sub(rf"(?<=[{CJK}，、：；（《“])\s*\n\s*(?=[{CJK}])", "", sentence.strip())
    out = re.sub(r"\s*\n\s*", " ", out)
    if out.endswith(("；", ";", "，", ",")):
        out = out if continued else out[:-1] + "……"
    elif out and out[-1] not in SENTENCE_PUNCT + CLOSERS + ":：.!?":
        out += "。"
    return unmarked(out)


#: An answer's marker `[n]` as a checked answer's text shows it.
SHOWN_MARKER = re.compile(r"\[(\d{1,3})\]")


def unmarked(text: str) -> str:
    """`text` with the article's own reference marks ("研究表明[1]，……") in full-width brackets (［1］), so that
    quoted text never reads as an answer's `SHOWN_MARKER`."""
    return SHOWN_MARKER.sub(r"［\1］", text)


def speaker_of(line: str, speakers: Sequence[str]) -> str | None:
    """The voice among `speakers` (an interview's) whose label opens `line` ("苗圩：……" → 苗圩); None without one."""
    text = line.lstrip()
    for name in speakers:
        if name and text.startswith(name) and text[len(name) : len(name) + 1] in (":", "："):
            return name
    return None


def strip_speaker(sentence: str, speakers: Sequence[str]) -> str:
    """`sentence` without a leading speaker label ("苗圩：……") naming one of `speakers` (an interview's voices)."""
    name = speaker_of(sentence, speakers)
    return sentence.lstrip()[len(name) + 1 :].lstrip() if name else sentence


_QUESTION = re.compile(r"[？?][”’」』\"')）]*\s*$")


def is_question(sentence: str) -> bool:
    """`sentence` asks (ends with a question mark, perhaps inside quotes or brackets)."""
    return _QUESTION.search(sentence) is not None
