"""Checking the `[n]` markers of a generated answer (`check_citations`): each must name a source whose passage
supports the sentence it follows, lexically (character bigrams) or, with an embedder, by sentence similarity.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.text import SHOWN_MARKER, bigrams, is_english, norm, overlap, passage_sentences, split_sentences

from .context import AnswerContext
from .records import Answer, Citation, Source

log = logging.getLogger(__name__)

MARKER = re.compile(r"[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]")


def marker_numbers(marker: re.Match[str]) -> list[int]:
    """The source numbers a `MARKER` match names ("[2]" → [2], "[1, 3]" → [1, 3])."""
    return [int(x) for x in re.split(r"\s*[,，、]\s*", marker.group(1))]


@dataclass
class CitationCheck:
    """The answer text with unsupported markers removed, the verified citations and what was removed (n, reason)."""

    text: str
    citations: list[Citation]
    removed: list[tuple[int, str]]


def _claim_before(text: str, position: int, floor: int, whole: bool = False) -> str:
    """The sentence a marker at `position` belongs to: the last sentence of text[floor:position] (`whole`: all of
    it)."""
    segment = MARKER.sub("", text[floor:position])
    if whole:
        return " ".join(segment.split())
    spans = [(s, e) for s, e in split_sentences(segment) if norm(segment[s:e])]
    if not spans:
        return ""
    s, e = spans[-1]
    return segment[s:e].strip()


def check_citations(
    text: str,
    sources: Sequence[Source],
    context: AnswerContext | None = None,
    min_overlap: float = 0.4,
    min_similarity: float | None = None,
    whole: bool = False,
) -> CitationCheck:
    """Verify every `[n]` marker of a generated answer.

    A marker is kept when `n` names a source and its sentence is supported by that passage: at least
    `min_overlap` of the sentence's character bigrams occur in the passage, or (when an embedder is given,
    e.g. for an English sentence citing Chinese text) the sentence's query vector has cosine at least
    `min_similarity` with some sentence of the passage. Other markers are removed from the text.
    The default similarity bar (multilingual-e5-small) is 0.82 for English sentences and 0.90 for Chinese ones.
    With `whole`, a marker's claim is all the text since the previous marker, not only its last sentence (a line
    that translates one sentence is checked as a whole).
    """
    by_n = {s.n: s for s in sources}
    claims = _claims(text, whole)
    keep: dict[tuple[int, int], Citation | None] = {}
    removed: list[tuple[int, str]] = []
    pending: list[tuple[int, int, str]] = []  # (claim index, n, claim) needing the embedding check
    for i, (_m, claim, numbers) in enumerate(claims):
        for n in numbers:
            source = by_n.get(n)
            why = "no such source" if source is None else "marker without a sentence" if not norm(claim) else None
            if why:
                keep[(i, n)] = None
                removed.append((n, why))
                continue
            citation = _lexical_support(claim, source, min_overlap)
            if citation is not None:
                keep[(i, n)] = citation
            else:
                pending.append((i, n, claim))
    dense = [None] * len(pending)
    if pending and context is not None and context.embedder is not None:
        dense = _dense_support(pending, by_n, context, min_similarity)
    for (i, n, _claim), citation in zip(pending, dense):
        keep[(i, n)] = citation
        if citation is None:
            removed.append((n, "the passage does not support the sentence"))
    cleaned, citations = _rewrite(text, claims, keep)
    return CitationCheck(cleaned, citations, removed)


def _claims(text: str, whole: bool = False) -> list[tuple[re.Match, str, list[int]]]:
    """Each marker with the sentence it belongs to (`whole`: the text since the previous marker) and the source
    numbers it names."""
    claims: list[tuple[re.Match, str, list[int]]] = []
    floor = 0
    for m in MARKER.finditer(text):
        numbers = marker_numbers(m)
        claims.append((m, _claim_before(text, m.start(), floor, whole), numbers))
        # consecutive markers ("…。[1][2]") share the sentence before the first of them
        if not text[m.end() :].lstrip().startswith(("[", "［", "【")):
            floor = m.end()
    return claims


def _rewrite(
    text: str, claims: list[tuple[re.Match, str, list[int]]], keep: dict[tuple[int, int], Citation | None]
) -> tuple[str, list[Citation]]:
    """The text with only the kept markers (as `[n]`), and the kept citations in order."""
    out: list[str] = []
    citations: list[Citation] = []
    last = 0
    for i, (m, _claim, numbers) in enumerate(claims):
        out.append(text[last : m.start()])
        kept = [n for n in numbers if keep.get((i, n)) is not None]
        out.append("".join(f"[{n}]" for n in kept))
        for n in kept:
            citation = keep[(i, n)]
            if citation not in citations:
                citations.append(citation)
        last = m.end()
    out.append(text[last:])
    return re.sub(r"[ \t]+([。，；！？.,;!?])", r"\1", "".join(out)).strip(), citations


def _lexical_support(claim: str, source: Source, min_overlap: float) -> Citation | None:
    claim_bigrams = bigrams(claim)
    passage = source.passage
    if not claim_bigrams or overlap(claim_bigrams, bigrams(passage)) < min_overlap:
        return None
    spans = passage_sentences(passage) or [(0, len(passage))]
    s, e = max(spans, key=lambda sp: (len(claim_bigrams & bigrams(passage[sp[0] : sp[1]])), -sp[0]))
    return Citation(source.n, source.chunk.id, passage[s:e], (s, e))


def _dense_support(
    pending: list[tuple[int, int, str]],
    by_n: Mapping[int, Source],
    context: AnswerContext,
    min_similarity: float | None,
) -> list[Citation | None]:
    embedder, vectors = context.embedder, context.vectors
    if embedder is None or vectors is None:
        return [None] * len(pending)
    try:
        claims = embedder.encode_queries([claim for _, _, claim in pending])
        per_source = {}
        for n in dict.fromkeys(n for _, n, _ in pending):
            passage = by_n[n].passage
            spans = passage_sentences(passage) or [(0, len(passage))]
            per_source[n] = (spans, vectors.encode([passage[s:e][:160] for s, e in spans]))
    except Exception as exc:  # an embedder failure must not break answering: treat as unsupported
        log.warning("citation check could not embed: %s", exc)
        return [None] * len(pending)
    out: list[Citation | None] = []
    for (_, n, claim), vector in zip(pending, claims):
        spans, vecs = per_source[n]
        sims = vecs @ vector
        j = int(np.argmax(sims))
        bar = min_similarity if min_similarity is not None else (0.82 if is_english(claim) else 0.90)
        if float(sims[j]) >= bar:
            s, e = spans[j]
            out.append(Citation(n, by_n[n].chunk.id, by_n[n].passage[s:e], (s, e)))
        else:
            out.append(None)
    return out


def marker_citations(text: str, citations: Sequence[Citation]) -> list[Citation | None]:
    """The citation of each `[n]` marker of `text` (`SHOWN_MARKER`), in text order; None for a marker no
    citation of source `n` backs.

    An answer's citations list the cited sentences in the order of their markers, one per marker, when each marker
    cites a sentence of its own (the extractive and the translated answers): then the k-th `[n]` is the k-th citation
    of `n`. When the counts differ (a model's answer that cites one sentence twice), a marker gets the citation of
    `n` whose quote shares the most with the text before it, or, sharing nothing (an English sentence citing
    Chinese), the k-th citation of `n` (the last one past the end)."""
    found = [(int(m.group(1)), m.start(), m.end()) for m in SHOWN_MARKER.finditer(text)]
    of_n: dict[int, list[Citation]] = {}
    for c in citations:
        of_n.setdefault(c.n, []).append(c)
    counts = Counter(n for n, _, _ in found)
    seen: Counter[int] = Counter()
    out: list[Citation | None] = []
    claim, last = "", 0
    for n, start, end in found:
        if text[last:start].strip():  # "…。[1][2]": both markers belong to the sentence before the first
            claim = text[last:start]
        last = end
        k, quotes = seen[n], of_n.get(n, [])
        seen[n] += 1
        if not quotes:
            out.append(None)
        elif len(quotes) == counts[n]:
            out.append(quotes[k])
        else:
            words = bigrams(claim)
            best = max(quotes, key=lambda c: overlap(words, bigrams(c.quote)))
            out.append(best if overlap(words, bigrams(best.quote)) > 0 else quotes[min(k, len(quotes) - 1)])
    return out


def in_citing_order(answer: Answer) -> Answer:
    """`answer` with its sources numbered in the order it cites them (its citations are in text order), the
    uncited ones after them in rank order, so the reader meets [1] first (an answer may cite passages it added after
    the hits); the markers, citations and sources are renumbered alike. The quoted text holds no `[n]` of its own
    (`rag.text.unmarked`)."""
    known = {s.n for s in answer.sources}
    order = dict.fromkeys([*(c.n for c in answer.citations if c.n in known), *sorted(known)])
    new = {old: n for n, old in enumerate(order, 1)}
    if all(old == n for old, n in new.items()):
        return answer
    text = SHOWN_MARKER.sub(lambda m: f"[{new.get(int(m.group(1)), int(m.group(1)))}]", answer.text)
    citations = [replace(c, n=new[c.n]) if c.n in new else c for c in answer.citations]
    sources = sorted((replace(s, n=new[s.n]) for s in answer.sources), key=lambda s: s.n)
    return replace(answer, text=text, citations=citations, sources=sources)


def in_rank_order(sources: Sequence[Source]) -> list[Source]:
    """`sources` numbered by retrieval score, best first (passages an answer added, scored 0, last): the closest
    passages an abstention lists."""
    ranked = sorted(sources, key=lambda s: (-s.score, s.n))
    return [replace(s, n=n) for n, s in enumerate(ranked, 1)]
