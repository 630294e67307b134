"""The extractive answer: the best-scored sentences (`select_sentences`), with their neighbours when the best
one introduces a quotation or a list (continued into the article's next passage when needed), quoted with
their `[n]` markers, or the abstention when the confidence is below the threshold (`extractive_answer`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rag.index import ChunkStore
from rag.text import SENTENCE_PUNCT, display_sentence, near_duplicate, passage_sentences, squash, strip_speaker
from rag.types import Hit

from .context import AnswerContext
from .lists import ListAnswer, asks_for_many, choose_group, list_answer
from .records import ENGLISH_NOTE, EXTRACTIVE, Answer, Citation, Source, abstention
from .scoring import DEFAULT_SETTINGS, INSTRUCTION, Analysis, AnswerSettings, ScoredSentence, analyse, term_weights

_COUNT_LEAD = re.compile(
    r"[两二三四五六七八九十\d]+\s*(?:条|类|个|种|大|项|点|方面|步|阶段|路径|道路)[^，。；]{0,8}[。：:]?$"
)
_LEAD = re.compile(r"(?:如下|以下|下列|几个方面|几点)[^。！？]{0,8}[。：:]?$")


def _introduces(sentence: str, kinds: frozenset[str]) -> bool:
    """A sentence that announces what follows: "……如下：", "……归纳为4类。" (for list questions)."""
    t = sentence.rstrip()
    return t.endswith((":", "：")) or bool(_LEAD.search(t)) or ("list" in kinds and bool(_COUNT_LEAD.search(t)))


def select_sentences(analysis: Analysis, config: AnswerSettings = DEFAULT_SETTINGS) -> list[ScoredSentence]:
    """The best sentence and the few others close to it in score, without near-duplicates, in reading order.

    The best sentence also brings its neighbours when it needs them: the sentence before it when that one ends
    with a colon (the speaker of a quotation), the sentences after it when it announces a list.

    A sentence of another passage joins only when the best one comes from the top-ranked passage (or the question
    asks for several facts): the top passage can be on topic without answering, so a close runner-up elsewhere
    may hold the answer. A best sentence from a lower-ranked passage has already won against the top passage's
    rank and context credit, and the answer stays in its passage (on the development questions such runners-up
    held the evidence once in nine).
    """
    ranked = analysis.ranked
    if not ranked:
        return []
    best = ranked[0]
    several = analysis.info.compound or "list" in analysis.info.kinds
    limit = config.max_sentences if several else 2
    hedge = several or best.n == min(c.n for c in ranked)  # other passages may be cited too
    chosen = _Chosen(best, config.max_sentences)
    _add_neighbours(chosen, best, analysis.info.kinds)
    for cand in ranked[1:]:
        if len(chosen.items) >= max(limit, 1) or cand.score < best.score - config.margin:
            break
        if cand.n != best.n and (not hedge or cand.score < best.score - config.other_passage_margin):
            continue  # another passage must be nearly as good as the best one to be cited too
        chosen.add(cand)
    group_best: dict[int, float] = {}
    for c in chosen.items:
        group_best[c.n] = max(group_best.get(c.n, -1e9), c.score)
    return sorted(chosen.items, key=lambda c: (-group_best[c.n], c.n, c.start))


class _Chosen:
    """The sentences picked so far: at most `most`, no near-duplicates, never an instruction to an assistant."""

    def __init__(self, best: ScoredSentence, most: int):
        self.items = [best]
        self.most = most

    def add(self, c: ScoredSentence) -> bool:
        """Add `c`; False when the answer is full or `c` repeats a sentence already in it."""
        if len(self.items) >= self.most or any(near_duplicate(c.text, x.text) for x in self.items):
            return False
        if not INSTRUCTION.search(c.text):
            self.items.append(c)
        return True  # an instruction is skipped, but the caller keeps going


def _add_neighbours(chosen: _Chosen, best: ScoredSentence, kinds: frozenset[str]) -> None:
    """The sentences around the best one that it needs: a quotation's speaker, a list it announces, the answer
    after a sentence that restates the question."""
    text = best.hit.chunk.text
    spans = passage_sentences(text)
    here = next((i for i, sp in enumerate(spans) if sp == (best.start, best.end)), None)
    if here is None:
        return

    def near(s: int, e: int) -> ScoredSentence:
        return ScoredSentence(best.n, best.hit, s, e, text[s:e], score=best.score)

    # the speaker of a quotation: the sentence before ending with a colon (a byline or heading line may sit
    # between them in the extracted text)
    for back in (1, 2):
        if here - back < 0:
            break
        s, e = spans[here - back]
        previous = text[s:e].rstrip()
        if previous.endswith((":", "：")):
            chosen.add(near(s, e))
            break
        if len(previous) > 30 or previous[-1:] in SENTENCE_PUNCT:
            break
    if _introduces(best.text, kinds):
        for s, e in spans[here + 1 : here + 4]:
            if not chosen.add(near(s, e)):
                break
    elif best.echo >= 0.75 and here + 1 < len(spans):  # it restates the question: the answer follows
        chosen.add(near(*spans[here + 1]))


def _continuation(
    analysis: Analysis, chosen: list[ScoredSentence], sources: list[Source], store: ChunkStore, config: AnswerSettings
) -> list[ScoredSentence]:
    """When the best sentence announces a list and ends its passage, the list is in the next passage of the same
    article: take its first sentences, adding that passage to `sources` when it was not retrieved."""
    best = analysis.ranked[0]
    room = config.max_sentences - len(chosen)
    if room <= 0 or not _introduces(best.text, analysis.info.kinds):
        return []
    if any(s >= best.end for s, _ in passage_sentences(best.hit.chunk.text)):
        return []
    nxt = store.next_chunk(best.hit.chunk)
    if nxt is None:
        return []
    source = next((s for s in sources if s.chunk.id == nxt.id), None)
    if source is None:
        source = Source(len(sources) + 1, nxt, best.hit.document, 0.0)
        sources.append(source)
    hit = Hit(source.n, source.score, nxt, best.hit.document)
    done = best.hit.chunk.start + best.end  # document offset where the announcing sentence ends
    out = []
    for s, e in passage_sentences(nxt.text):
        sentence = nxt.text[s:e]
        if nxt.start + s < done or INSTRUCTION.search(sentence):
            continue
        if any(near_duplicate(sentence, c.text) for c in chosen):
            continue
        out.append(ScoredSentence(source.n, hit, s, e, nxt.text[s:e], score=best.score))
        if len(out) >= min(room, 3):
            break
    return out


def _as_list(
    question: str,
    hits: Sequence[Hit],
    context: AnswerContext,
    config: AnswerSettings,
    analysis: Analysis,
    exclude: Collection[str] = (),
) -> ListAnswer | None:
    """The answer as a list when the question asks for several things and an article lists them (never citing
    a passage in `exclude`, e.g. what the previous answer cited when the reader asks "what else?")."""
    if not asks_for_many(question):
        return None
    texts = (
        context.store.df_texts() if context.store is not None else [squash(h.chunk.indexed_text).lower() for h in hits]
    )
    picked = choose_group(question, term_weights(analysis.info.terms, texts), hits, config, context.groups)
    if picked is None:
        return None
    doc, group = picked
    best = analysis.ranked[0]
    at = best.hit.chunk.start + best.start  # where the best sentence is in its document
    inside = best.hit.document.id == doc.id and group.start <= at < group.end
    if _introduces(best.text, analysis.info.kinds) and not inside:
        return None  # the best sentence announces a list of its own (its neighbours follow it): not this group
    listed = list_answer(doc, group, hits, context.store)
    if listed is None or any(c.chunk_id in exclude for c in listed.citations):
        return None
    return listed


def extractive_answer(
    question: str,
    hits: Sequence[Hit],
    context: AnswerContext | None = None,
    config: AnswerSettings = DEFAULT_SETTINGS,
    analysis: Analysis | None = None,
    exclude: Collection[str] = (),
) -> Answer:
    """The extractive answer for already-retrieved `hits` (sources are all hits, numbered in rank order);
    it abstains below `config.threshold`. A list answer never cites a passage in `exclude`."""
    context = context or AnswerContext(None)
    threshold = config.threshold
    sources = [Source.from_hit(n, h) for n, h in enumerate(hits, 1)]
    analysis = analysis or analyse(question, hits, context, config)
    english = analysis.info.english
    if not analysis.ranked or analysis.confidence < threshold:
        return abstention(question, english, sources, analysis.confidence)
    listed = _as_list(question, hits, context, config, analysis, exclude)
    if listed is not None:
        body = "\n".join(listed.lines)
        text = f"{ENGLISH_NOTE}\n{body}" if english else body
        return Answer(
            question, text, False, listed.citations, sources + listed.sources, EXTRACTIVE, None, analysis.confidence
        )
    chosen = select_sentences(analysis, config)
    if context.store is not None:
        chosen += _continuation(analysis, chosen, sources, context.store, config)
    citations = [Citation(c.n, c.hit.chunk.id, c.text, (c.start, c.end)) for c in chosen]
    body = "".join(f"{display_sentence(strip_speaker(c.text, c.hit.document.authors))}[{c.n}]" for c in chosen)
    text = f"{ENGLISH_NOTE}\n{body}" if english else body
    return Answer(question, text, False, citations, sources, EXTRACTIVE, None, analysis.confidence)
