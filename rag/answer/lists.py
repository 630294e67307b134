"""Answers that are lists: for a question that asks for several things (which kinds, how, why, what measures),
the enumeration, heading list or counted section of the retrieved article that the question is about, item by
item, in document order, each item a short line with its `[n]` (`rag.answer.structure` finds the groups).

A group is chosen only when a retrieved passage overlaps it, the question's topic terms cover enough of its lead
and items (a lead that counts what the question asks to count, 几类 → "归纳为4类", adds to that), and a count the
question names ("哪四类", "three ways") equals its number of items.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from rag.index import ChunkStore
from rag.text import (
    CAPTION,
    asked_counts,
    count_cjk,
    display_sentence,
    is_byline,
    is_question,
    measure_counts,
    named_count,
    passage_sentences,
    squash,
    strip_speaker,
    unmarked,
)
from rag.types import Chunk, Document, Hit

from .records import Citation, Source
from .scoring import AnswerSettings
from .structure import (
    COUNTED,
    ENUMERATION,
    HEADINGS,
    TITLES,
    Group,
    document_groups,
    heading_before,
    interviewer,
    ordinal_end,
    sections,
    spoken_by,
)

#: What a list can be: the problems of something, or what to do about them (a question asking for one is not
#: answered by a list under a heading that announces the other).
_PROBLEMS = re.compile(
    r"问题|困境|挑战|短板|不足|难题|瓶颈|障碍|弊端|缺陷|风险|\b(?:problems?|challenges?|difficult\w*|shortcomings?|"
    r"weakness\w*|bottlenecks?|risks?|obstacles?)\b",
    re.IGNORECASE,
)
_REMEDIES = re.compile(
    r"建议|对策|措施|举措|做法|路径|途径|策略|办法|\b(?:measures?|recommend\w*|suggest\w*|propos\w*|solutions?|"
    r"strateg\w*|steps?)\b",
    re.IGNORECASE,
)
LEAD_DISTANCE = 200  # a sentence this close before the first item leads into the list and is quoted with it
MIN_COVERAGE = 0.5  # share of the question's topic-term weight the group's text must hold
ONE_ITEM_MARGIN = 0.1  # an item this close to its whole list's coverage of the question is the question's topic
COUNT_BONUS = 0.25  # the question asks how many (几类) and the group's lead says how many of the same (4类)
SHORT_ITEM = 40  # an item longer than this is shown up to its first comma or colon
MAX_SECTIONS = 6  # sections listed when the reader asks what else an article says
MIN_STATEMENT_CJK = 8  # a section's first statement is a sentence, not a fragment


@dataclass(frozen=True)
class ListAnswer:
    """The chosen group's lines and citations, and the sources added for items outside the retrieved passages."""

    lines: list[str]
    citations: list[Citation]
    sources: list[Source]


def coverage(weights: dict[str, float], text: str, alternatives: Sequence[Collection[str]] = ()) -> float:
    """The share of the terms' weight `text` holds. A group of `alternatives` (one English word's translations)
    weighs as its most common term (the word's ordinary rendering; the rarer ones are glosses of other senses)
    and counts as held when any of its terms is; with groups given, a term in none stands for no word of the
    question (the pinyin "zhao" of 赵俊渥), without them every term stands for itself."""
    groups = [[t for t in group if t in weights] for group in alternatives]
    groups = [g for g in groups if g]  # a term that translates two words of the question counts for both
    if not alternatives:
        groups = [[t] for t in weights]
    low = squash(text).lower()
    weight = [min(weights[t] for t in g) for g in groups]
    total = sum(weight)
    held = sum(w for w, g in zip(weight, groups) if any(t in low for t in g))
    return held / total if total else 0.0


def _candidates(
    hits: Sequence[Hit], max_hits: int, groups: Callable[[Document], list[Group]]
) -> list[tuple[int, Document, Group]]:
    found, seen = [], set()
    for rank, hit in enumerate(hits[:max_hits], 1):
        doc = hit.document
        if not doc.is_article:
            continue
        for group in groups(doc):
            key = (doc.id, group.items[0])
            if key not in seen and group.start < hit.chunk.end and hit.chunk.start < group.end:
                seen.add(key)
                found.append((rank, doc, group))
    return found


def _wants(text: str) -> set[str]:
    """Whether `text` speaks of problems, of remedies, or of both (or neither)."""
    return {name for name, rule in (("problems", _PROBLEMS), ("remedies", _REMEDIES)) if rule.search(text)}


def choose_group(
    question: str,
    weights: dict[str, float],
    hits: Sequence[Hit],
    config: AnswerSettings,
    groups: Callable[[Document], list[Group]] = lambda doc: document_groups(doc.text, doc.authors),
    alternatives: Sequence[Collection[str]] = (),
) -> tuple[Document, Group] | None:
    """The enumeration, heading list or counted section a retrieved passage overlaps that best covers the question's
    topic terms (`weights`: term → IDF weight; `alternatives`: terms that stand for one word) in its lead, items,
    section heading and article title (its authors weigh less); `groups` gives a document's groups (cached by the
    caller)."""
    count = named_count(question)
    counts = asked_counts(question)
    best, best_score = None, 0.0
    wants = _wants(question)
    candidates = _candidates(hits, config.max_hits, groups)
    leads = {(doc.id, group.lead) for _, doc, group in candidates if group.lead}
    for rank, doc, group in candidates:
        if count is not None and count != len(group.items):
            continue
        section = heading_before(doc.text, group.start)  # the heading of the section the list is in titles it too
        if len(wants) == 1 and _wants(section) == {"problems", "remedies"} - wants:
            continue  # the question asks for the problems, the list is under "建议" (or the other way round)
        spans = ([group.lead] if group.lead else []) + list(group.items)
        body = "\n".join([section] + [doc.text[s:e] for s, e in spans])
        context = f"{doc.title}\n{' '.join(doc.authors)}\n{doc.section or ''}"
        covered = coverage(weights, body, alternatives)
        held = {(s, e): coverage(weights, doc.text[s:e], alternatives) for s, e in group.items}
        # an item holds the question by itself: as much as the whole list, and enough to be asked about
        topics = [i for i, c in held.items() if c > 0 and c >= max(covered - ONE_ITEM_MARGIN, MIN_COVERAGE)]
        if topics and group.kind == TITLES:
            continue  # one paragraph's title holds what the question asks about: it asks about that paragraph
        if topics and (doc.id, max(topics, key=held.__getitem__)) in leads:
            continue  # the item that holds the question leads a list of its own: that list answers
        if covered == 0:
            continue  # the list itself says nothing the question asks about
        # the article's title speaks for a list that holds some of the question ("四梁八柱" titles the list of
        # 之梁 headings); the article (title, authors, section) adds to any list's score, as a tie-breaker
        titled = coverage(weights, f"{body}\n{doc.title}", alternatives)
        score = titled + 0.3 * coverage(weights, context, alternatives) - 0.02 * rank
        if group.lead and counts & set(measure_counts(doc.text[slice(*group.lead)])):
            score += COUNT_BONUS
        if score > best_score:
            best, best_score = (doc, group), score
    return best if best is not None and best_score >= MIN_COVERAGE else None


def _chunk_at(chunks: Sequence[Chunk], start: int, end: int) -> Chunk | None:
    """The chunk that holds document offset `start` and the most of `[start, end)` (chunks overlap)."""
    holding = [c for c in chunks if c.start <= start < c.end]
    return max(holding, key=lambda c: (min(end, c.end), -c.start), default=None)


def _short(sentence: str) -> str:
    """An item for its answer line: whole when short, else up to the first comma or colon after its ordinal and at
    least four characters of content ("第二条路径是，采用UGC平台模式，即……" → "第二条路径是，采用UGC平台模式")."""
    text = unmarked(" ".join(sentence.split()))
    if len(text) <= SHORT_ITEM:
        return text.rstrip("。；;，,")
    begin = ordinal_end(text)
    cuts = [m.start() for m in re.finditer(r"[，,：:。；]", text) if m.start() >= begin + 4]
    return text[: cuts[0]] if cuts else text[:SHORT_ITEM]


class SpanCiting:
    """Cites document spans of `doc`: by the retrieved passage that holds them, else by a passage of the document
    added as a source (numbered after the hits)."""

    def __init__(self, doc: Document, hits: Sequence[Hit], store: ChunkStore | None):
        self.doc = doc
        self.sources = [Source.from_hit(n, h) for n, h in enumerate(hits, 1)]
        self.by_chunk = {s.chunk.id: s for s in self.sources}
        self.chunks = (
            store.chunks_of(doc.id) if store is not None else [h.chunk for h in hits if h.document.id == doc.id]
        )
        self.added: list[Source] = []

    def cite(self, start: int, end: int) -> Citation | None:
        """The citation of the sentence at document offset `start` (the span itself when no sentence starts
        there), in the passage that holds the most of `[start, end)`; None when no passage holds `start`."""
        chunk = _chunk_at(self.chunks, start, end)
        if chunk is None:
            return None
        source = self.by_chunk.get(chunk.id)
        if source is None:
            source = Source(len(self.sources) + len(self.added) + 1, chunk, self.doc, 0.0)
            self.by_chunk[chunk.id] = source
            self.added.append(source)
        s, e = next(
            ((a, b) for a, b in passage_sentences(chunk.text) if a <= start - chunk.start < b),
            (start - chunk.start, end - chunk.start),
        )
        return Citation(source.n, chunk.id, chunk.text[s:e], (s, e))


def list_answer(doc: Document, group: Group, hits: Sequence[Hit], store: ChunkStore | None) -> ListAnswer | None:
    """The group's items as lines with citations (a close lead sentence first); items in passages that were not
    retrieved add those passages as sources. An item longer than the rest of its passage is cited for the part the
    passage holds. None when an item cannot be cited (no passage holds its start)."""
    citing = SpanCiting(doc, hits, store)
    lines, citations = [], []
    spans = list(group.items)
    lead = group.lead
    if group.kind in (ENUMERATION, COUNTED) and lead and 0 <= group.items[0][0] - lead[1] <= LEAD_DISTANCE:
        spans.insert(0, lead)
    for position, (start, end) in enumerate(spans, 1 - (len(spans) - len(group.items))):
        citation = citing.cite(start, end)
        if citation is None:
            if position == 0:
                continue  # a lead no passage holds is left out; the list stands on its own
            return None
        citations.append(citation)
        if position == 0:  # the lead: quoted whole, it says what the list is
            lines.append(f"{' '.join(strip_speaker(citation.quote, doc.authors).split())}[{citation.n}]")
            continue
        label = f"{position}. " if group.kind in (HEADINGS, COUNTED, TITLES) else ""
        lines.append(f"{label}{_short(strip_speaker(citation.quote, doc.authors))}[{citation.n}]")
    return ListAnswer(lines, citations, citing.added)


def rest_of_article(
    doc: Document, said: Collection[str], hits: Sequence[Hit], store: ChunkStore | None, most: int = MAX_SECTIONS
) -> ListAnswer | None:
    """What else an article says (the answer to "他还提到了什么？"): each section no sentence in `said` was quoted
    from, as its heading and first sentence, in document order (at most `most`). The first sentence is the
    section's first that is not a caption, a byline or a question, and in an interview not the interviewer's.
    None when the article has no such section left."""
    text = doc.text
    quoted = [at for x in said if (at := text.find(x.strip())) >= 0]
    asker = interviewer(text, doc.authors)
    citing = SpanCiting(doc, hits, store)
    lines, citations = [], []
    for head_start, head_end, end in sections(text, doc.authors):
        if len(lines) == most:
            break
        if any(head_start <= at < end for at in quoted):
            continue
        first = _first_statement(text, head_end, end, doc.authors, asker)
        citation = citing.cite(*first) if first else None
        if citation is None:
            continue
        sentence = display_sentence(strip_speaker(citation.quote, doc.authors))
        lines.append(f"{text[head_start:head_end]}：{sentence}[{citation.n}]")
        citations.append(citation)
    return ListAnswer(lines, citations, citing.added) if lines else None


def _first_statement(
    text: str, start: int, end: int, authors: Sequence[str], asker: str | None
) -> tuple[int, int] | None:
    """The document span of the first sentence of `text[start:end]` that states something: not a caption, byline,
    question or fragment, and not said by `asker` (a turn lasts from a speaker's label to the next)."""
    for s, e in passage_sentences(text[start:end]):
        sentence = text[start + s : start + e].strip()
        if spoken_by(asker, text, start + s, authors):
            continue
        if CAPTION.match(sentence) or is_byline(sentence, authors) or is_question(sentence):
            continue
        if count_cjk(sentence) >= MIN_STATEMENT_CJK:
            return start + s, start + e
    return None
