"""The extractive answer: the best-scored sentences (`select_sentences`), with their neighbours when the best
one introduces a quotation, a list or an answer (an interviewer's question), and its whole paragraph when the
question asks for several things (continued into the article's next passage when needed); for such a Chinese
question also the rest of the best sentence's passage (`_with_passage`); quoted with their `[n]` markers and the
article's paragraph breaks, or the abstention when the confidence is below the threshold (`extractive_answer`).
An English question asking for several things quotes the best sentence's passage and its article's other top
passages instead (`top_passages`): the embedding's English–Chinese sentence similarities are too flat to choose
sentences by. A follow-up never quotes again what an earlier answer said (`Earlier`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from rag.index import ChunkStore
from rag.text import (
    CAPTION,
    SENTENCE_END,
    SENTENCE_PUNCT,
    display_sentence,
    ends_sentence,
    is_byline,
    is_question,
    near_duplicate,
    passage_sentences,
    speaker_of,
    squash,
    strip_speaker,
)
from rag.types import Hit

from .citations import in_citing_order
from .context import AnswerContext
from .lists import ListAnswer, choose_group, list_answer, rest_of_article
from .masthead import asked_field, field_answer, masthead_fields, other_fields
from .records import ENGLISH_NOTE, EXTRACTIVE, Answer, Citation, Source, abstention
from .scoring import DEFAULT_SETTINGS, INSTRUCTION, Analysis, AnswerSettings, ScoredSentence, analyse, term_weights
from .structure import announces, interviewer, is_heading, section_heading, spoken_by

_COUNT_LEAD = re.compile(
    r"[两二三四五六七八九十\d]+\s*(?:条|类|个|种|大|项|点|方面|步|阶段|路径|道路)[^，。；]{0,8}[。：:]?$"
)
PARAGRAPH_CHARS = 320  # a question asking for several things reads on through the best sentence's paragraph
SECTION_LEAD_CHARS = 300  # a list starting this close after its section's heading is what the heading announces
PARAGRAPH_SENTENCES = 6  # ... adding at most this many sentences (clauses cut at ；count one each)


def _introduces(sentence: str, kinds: frozenset[str]) -> bool:
    """A sentence that announces what follows: "……如下：", "……归纳为4类。" (for list questions), a question (an
    interviewer's: the answer follows), or a heading (a short line without closing punctuation: its section is the
    answer, not its title)."""
    t = sentence.rstrip()
    return (
        is_heading(t)
        or is_question(t)  # a question in the text (an interviewer's) is answered after it
        or announces(t)
        or ("list" in kinds and bool(_COUNT_LEAD.search(t)))
    )


SECOND_MARGIN = 0.10  # a how/why answer reads a second passage of its article when its best sentence is this close
SECOND_RANK = 3  # ... and both passages are among the top three


def _add_second_passage(chosen: _Chosen, analysis: Analysis, best: ScoredSentence) -> None:
    """The best sentence of another top passage of the best sentence's article, with its paragraph: the points of
    an answer to a question asking for several things that is not a list question (how, why, what effects) are
    often spread over a section that retrieval returns as two or three passages."""
    if best.n > SECOND_RANK:
        return
    for cand in analysis.ranked[1:]:
        if cand.score < best.score - SECOND_MARGIN:
            return
        if cand.n == best.n or cand.n > SECOND_RANK or cand.hit.document.id != best.hit.document.id:
            continue
        if any(_repeats(cand, x) for x in chosen.items):
            continue
        chosen.most += PARAGRAPH_SENTENCES + 1
        if chosen.add(cand):
            _add_neighbours(chosen, cand, analysis.info.kinds, True)
        return


def select_sentences(analysis: Analysis, config: AnswerSettings = DEFAULT_SETTINGS) -> list[ScoredSentence]:
    """The best sentence and the few others close to it in score, without near-duplicates, in reading order.

    The best sentence also brings its neighbours when it needs them: the sentence before it when that one ends
    with a colon (the speaker of a quotation), the sentences after it when it announces a list, and for a question
    asking for several things (`QuestionInfo.reads_on`) its whole paragraph (see `_add_neighbours`); such a
    question that is not a list question (how, why) also reads the best paragraph of another of the top three
    passages of its article, even one ranked above the best sentence's (`_add_second_passage`).

    A sentence of another passage joins only when the best one comes from the top-ranked passage (or the question
    asks for several facts): the top passage can be on topic without answering, so a close runner-up elsewhere
    may hold the answer. A best sentence from a lower-ranked passage has already won against the top passage's
    rank and context credit, and close runners-up stay in its passage (on the development questions such
    runners-up held the evidence once in nine).
    """
    ranked = analysis.ranked
    if not ranked:
        return []
    best = ranked[0]
    several = analysis.info.compound or "list" in analysis.info.kinds
    limit = config.max_sentences if several else 2
    hedge = several or best.n == min(c.n for c in ranked)  # other passages may be cited too
    many = analysis.info.reads_on
    chosen = _Chosen(best, config.max_sentences + (PARAGRAPH_SENTENCES if many else 0))
    _add_neighbours(chosen, best, analysis.info.kinds, many)
    if many and "list" not in analysis.info.kinds:  # a list question has its list (measured: no gain, precision lost)
        _add_second_passage(chosen, analysis, best)
    read = len(chosen.items) - 1 if many else 0  # what reading on added leaves room for close runners-up
    for cand in ranked[1:]:
        if len(chosen.items) >= max(limit, 1) + read or cand.score < best.score - config.margin:
            break
        if cand.n != best.n and (not hedge or cand.score < best.score - config.other_passage_margin):
            continue  # another passage must be nearly as good as the best one to be cited too
        chosen.add(cand)
    group_best: dict[int, float] = {}
    for c in chosen.items:
        group_best[c.n] = max(group_best.get(c.n, -1e9), c.score)
    return sorted(chosen.items, key=lambda c: (-group_best[c.n], c.n, c.start))


def _repeats(a: ScoredSentence, b: ScoredSentence) -> bool:
    """`a` says what `b` says: the same sentence, or a near-duplicate from another passage (passages overlap);
    parallel clauses of one passage ("有的是……；有的是……") are different sentences."""
    if a.hit.chunk.id == b.hit.chunk.id:
        return a.start == b.start
    return near_duplicate(a.text, b.text)


class _Chosen:
    """The sentences picked so far: at most `most`, no near-duplicates, never an instruction to an assistant."""

    def __init__(self, best: ScoredSentence, most: int):
        self.items = [best]
        self.most = most

    def add(self, c: ScoredSentence) -> bool:
        """Add `c`; False when the answer is full or `c` repeats a sentence already in it."""
        if len(self.items) >= self.most or any(_repeats(c, x) for x in self.items):
            return False
        if not INSTRUCTION.search(c.text):
            self.items.append(c)
        return True  # an instruction is skipped, but the caller keeps going


def _paragraph_end(text: str, spans: Sequence[tuple[int, int]], i: int) -> int:
    """Index in `spans` of the last sentence of the paragraph holding sentence `i` (a line break ends one)."""
    while i + 1 < len(spans) and "\n" not in text[spans[i][1] : spans[i + 1][0]]:
        i += 1
    return i


def _paragraph_start(text: str, spans: Sequence[tuple[int, int]], i: int) -> int:
    """Index in `spans` of the first sentence of the paragraph holding sentence `i`."""
    while i > 0 and "\n" not in text[spans[i - 1][1] : spans[i][0]]:
        i -= 1
    return i


def _clause_run_start(text: str, spans: Sequence[tuple[int, int]], i: int) -> int:
    """Index of the first clause of the run cut at ；that sentence `i` ends (itself when it continues none)."""
    while i > 0 and "\n" not in text[spans[i - 1][1] : spans[i][0]] and text[slice(*spans[i - 1])].endswith("；"):
        i -= 1
    return i


def _take(chosen: _Chosen, spans: Sequence[tuple[int, int]], indices: Sequence[int], near, budget: int) -> int:
    """Add the sentences `indices` in order while they fit `budget` characters; the last index added (or -1)."""
    last = -1
    for i in indices:
        s, e = spans[i]
        if e - s > budget or not chosen.add(near(s, e)):
            break
        budget -= e - s
        last = i
    return last


def _add_speaker(chosen: _Chosen, text: str, spans: Sequence[tuple[int, int]], here: int, near) -> None:
    """The speaker of a quotation: the sentence before ending with a colon (a byline or heading line may sit
    between them in the extracted text)."""
    for back in (1, 2):
        if here - back < 0:
            return
        s, e = spans[here - back]
        previous = text[s:e].rstrip()
        if previous.endswith((":", "：")):
            chosen.add(near(s, e))
            return
        if len(previous) > 30 or previous[-1:] in SENTENCE_PUNCT:
            return


def _add_neighbours(chosen: _Chosen, best: ScoredSentence, kinds: frozenset[str], many: bool = False) -> None:
    """The sentences around the best one that it needs: a quotation's speaker, a list it announces, the answer
    after a sentence that restates the question; for a question asking for several things, the clauses its
    sentence continues, the rest of its paragraph, then the sentences before it in that paragraph (one budget), and the
    paragraph after one that announces a list or asks a question."""
    text = best.hit.chunk.text
    spans = passage_sentences(text)
    here = next((i for i, sp in enumerate(spans) if sp == (best.start, best.end)), None)
    if here is None:
        return

    def near(s: int, e: int) -> ScoredSentence:
        return ScoredSentence(best.n, best.hit, s, e, text[s:e], score=best.score)

    _add_speaker(chosen, text, spans, here, near)
    last = here
    if many:
        budget = PARAGRAPH_CHARS
        order = [
            *range(_clause_run_start(text, spans, here), here),
            *range(here + 1, _paragraph_end(text, spans, here) + 1),
        ]
        last = max(here, _take(chosen, spans, order, near, budget))
        used = sum(len(c.text) for c in chosen.items if c.hit.chunk.id == best.hit.chunk.id and c is not best)
        before = range(_paragraph_start(text, spans, here), _clause_run_start(text, spans, here))
        _take(chosen, spans, list(before)[::-1], near, budget - used)
    alone = many and len(chosen.items) == 1  # a paragraph of one sentence: a section's topic sentence, say
    if not (alone or _introduces(text[slice(*spans[last])], kinds)):
        if last == here and best.echo >= 0.75 and here + 1 < len(spans):  # it restates the question
            chosen.add(near(*spans[here + 1]))
        return
    if many and last + 1 < len(spans):
        _take(chosen, spans, range(last + 1, _paragraph_end(text, spans, last + 1) + 1), near, PARAGRAPH_CHARS)
    else:
        for s, e in spans[last + 1 : last + 4]:
            if not chosen.add(near(s, e)):
                break


def _continuation(
    analysis: Analysis, chosen: list[ScoredSentence], sources: list[Source], store: ChunkStore, config: AnswerSettings
) -> list[ScoredSentence]:
    """When the answer read to the end of the best sentence's passage — a list it announces, or the paragraph of a
    question asking for several things — it goes on in the next passage of the same article (its first sentences,
    or the rest of the paragraph), adding that passage to `sources` when it was not retrieved."""
    best = analysis.ranked[0]
    many = analysis.info.reads_on
    room = config.max_sentences + (PARAGRAPH_SENTENCES if many else 0) - len(chosen)
    spans = passage_sentences(best.hit.chunk.text)
    mine = [c for c in chosen if c.hit.chunk.id == best.hit.chunk.id]
    last = max(mine, key=lambda c: c.end)
    if room <= 0 or not spans or last.end < spans[-1][1]:
        return []
    announces = _introduces(last.text, analysis.info.kinds)
    open_paragraph = (
        many and last.text.rstrip().endswith(("；", ";", "，")) and "\n" not in best.hit.chunk.text[last.end :]
    )
    if not (announces or open_paragraph):
        return []
    nxt = store.next_chunk(best.hit.chunk)
    if nxt is None:
        return []
    source = next((s for s in sources if s.chunk.id == nxt.id), None)
    if source is None:
        source = Source(len(sources) + 1, nxt, best.hit.document, 0.0)
        sources.append(source)
    hit = Hit(source.n, source.score, nxt, best.hit.document)
    done = best.hit.chunk.start + last.end  # document offset where the answer's passage text ends
    nxt_spans = [(s, e) for s, e in passage_sentences(nxt.text) if nxt.start + s >= done]
    if many and nxt_spans:
        nxt_spans = nxt_spans[: _paragraph_end(nxt.text, nxt_spans, 0) + 1]
    out: list[ScoredSentence] = []
    budget = PARAGRAPH_CHARS - sum(len(c.text) for c in mine if c.start >= best.start) if many else 10**9
    for s, e in nxt_spans:
        sentence = nxt.text[s:e]
        if INSTRUCTION.search(sentence) or any(near_duplicate(sentence, c.text) for c in chosen):
            continue
        if e - s > budget or len(out) >= (room if many else min(room, 3)):
            break
        budget -= e - s
        out.append(ScoredSentence(source.n, hit, s, e, sentence, score=best.score))
    return out


@dataclass(frozen=True)
class Earlier:
    """For "what else?": passages a list answer must not cite (what earlier answers cited, and any the caller
    excludes), the sentences earlier answers quoted, never quoted again (unless nothing else is left), and the
    articles whose other sections answer a bare "what else?" (`rest_of_article`)."""

    cited: Collection[str] = ()
    said: Collection[str] = ()
    articles: Sequence[str] = ()  # the reader asks what else these documents (ids) say: their other sections


def top_passages(hits: Sequence[Hit], best: ScoredSentence, most: int) -> list[ScoredSentence]:
    """The answer to an English question asking for several things: the passage of the best-scored sentence, then
    the other passages of its article among the `most` top hits, in rank order (source `n` is the hit's rank).

    Measured on the development, diagnosis and held-out questions: the multilingual embedding ranks an English
    question's passages well but its Chinese sentences almost alike (cosines within a few hundredths), so sentences
    chosen one by one missed points the top passages held; quoting the passages raised English key-point recall on
    every set (citation precision falls: a passage also holds sentences that are not the answer). Captions,
    fragments cut at a passage's edge and sentences the overlap of passages repeats are left out."""
    ranked = [best.hit, *(h for h in hits[:most] if h.document.id == best.hit.document.id)]
    out: list[ScoredSentence] = []
    for hit in dict.fromkeys(ranked):
        n = best.n if hit is best.hit else hits.index(hit) + 1
        out += _passage_sentences(n, hit, [c.text for c in out])
    return out


def _passage_sentences(
    n: int, hit: Hit, skip: Sequence[str], span: tuple[int, int] | None = None
) -> list[ScoredSentence]:
    """The sentences of one passage (source `n`) in reading order, or of its `span` of characters, without captions,
    bylines, instructions to an assistant, an interviewer's questions, sentences that repeat one in `skip`, and the
    fragments a passage boundary cut out of a sentence (its first words, when the passage starts mid-sentence; its
    last, when it ends mid-sentence)."""
    text = hit.chunk.text
    doc = hit.document.text
    start_at, end_at = span or (0, len(text))
    opens_mid = hit.chunk.start > 0 and doc[hit.chunk.start - 1 : hit.chunk.start] not in ("\n", *SENTENCE_END)
    ends_mid = doc[hit.chunk.end : hit.chunk.end + 1] not in ("", "\n")
    spans = passage_sentences(text)
    authors = hit.document.authors
    asker = interviewer(doc, authors)
    out: list[ScoredSentence] = []
    for i, (start, end) in enumerate(spans):
        sentence = text[start:end]
        label = (
            CAPTION.match(sentence.strip())
            or is_byline(sentence, authors)
            or INSTRUCTION.search(sentence)
            or (is_question(sentence) and spoken_by(asker, doc, hit.chunk.start + start, authors))
        )
        if not start_at <= start < end_at or label:
            continue
        if (i == 0 and opens_mid) or (i == len(spans) - 1 and ends_mid and not ends_sentence(sentence)):
            continue
        if any(near_duplicate(sentence, x) for x in skip):
            continue
        out.append(ScoredSentence(n, hit, start, end, sentence))
    return out


def _interviewers_question(c: ScoredSentence) -> bool:
    """`c` is a question the interviewer of an interview asks (never an answer's sentence: the answer follows it)."""
    doc = c.hit.document
    asker = interviewer(doc.text, doc.authors)
    return is_question(c.text) and spoken_by(asker, doc.text, c.hit.chunk.start + c.start, doc.authors)


def _turn_span(hit: Hit, spans: Sequence[tuple[int, int]], at: int) -> tuple[int, int]:
    """Where the answer around sentence `at` (of `spans`, the sentences of the passage of `hit`) may read: the whole
    passage, or in an interview the speaker's turn (from a line opening with a speaker label naming one of the
    article's voices, "苗圩：……", to the next); a turn that asks a question (the interviewer's) reads on through the
    answer."""
    text = hit.chunk.text

    def turns(i: int) -> bool:  # sentence i opens a line with a speaker label
        s, e = spans[i]
        at_line_start = i == 0 or "\n" in text[spans[i - 1][1] : s]
        return at_line_start and speaker_of(text[s:e], hit.document.authors) is not None

    first = 0
    for i in range(at, 0, -1):  # the turn's start (the whole passage outside an interview)
        if turns(i):
            first = i
            break
    ends = [j for j in range(at + 1, len(spans)) if turns(j)]
    last = ends[0] - 1 if ends else len(spans) - 1
    if ends and is_question(text[slice(*spans[last])]):
        last = ends[1] - 1 if len(ends) > 1 else len(spans) - 1
    return spans[first][0], spans[last][1]


def _with_passage(chosen: list[ScoredSentence], best: ScoredSentence) -> list[ScoredSentence]:
    """`chosen` with the rest of the best sentence's passage (`_turn_span`): that passage first, in reading order,
    then the sentences of other passages that do not repeat it. For a Chinese question asking for several things:
    measured on the development, diagnosis and both held-out sets, the points of such answers sit in the best
    sentence's passage more often than in the runners-up the scores pick. Neither the best sentence's paragraph nor
    the passage's headings bound it: starting at that paragraph lost the gain on the development set (key points
    0.863 → 0.835), and sub-headings are often the very points asked for (bounding at headings lost key points on
    three of the four sets). The cost: an answer may open with text before the part that answers."""
    spans = passage_sentences(best.hit.chunk.text)
    at = next((i for i, sp in enumerate(spans) if sp == (best.start, best.end)), None)
    if at is None:
        return chosen
    mine = [c for c in chosen if c.hit.chunk.id == best.hit.chunk.id]
    taken = {c.start for c in mine}
    section = [
        c
        for c in _passage_sentences(best.n, best.hit, [], _turn_span(best.hit, spans, at))
        if c.start not in taken and not any(_repeats(c, x) for x in chosen if x.hit.chunk.id != best.hit.chunk.id)
    ]
    section = sorted(mine + section, key=lambda c: c.start)
    return section + [
        c for c in chosen if c.hit.chunk.id != best.hit.chunk.id and not any(_repeats(c, x) for x in section)
    ]


def _unsaid(sentences: list[ScoredSentence], said: Collection[str]) -> list[ScoredSentence]:
    """`sentences` without those that repeat one in `said`."""
    return [c for c in sentences if not any(near_duplicate(c.text, x) for x in said)]


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
    if not analysis.info.many:
        return None
    texts = (
        context.store.df_texts() if context.store is not None else [squash(h.chunk.indexed_text).lower() for h in hits]
    )
    terms = analysis.info.terms
    if analysis.info.english:  # an English word the dictionary could not turn into Chinese cannot be covered
        terms = tuple(t for t in terms if any(t in x for x in texts))
    weights = term_weights(terms, texts)
    picked = choose_group(question, weights, hits, config, context.groups, analysis.info.alternatives)
    if picked is None:
        return None
    doc, group = picked
    best = analysis.ranked[0]
    at = best.hit.chunk.start + best.start  # where the best sentence is in its document
    # the best sentence may be the heading that the group follows closely ("……亟待解决的突出问题" before 其一/其二)
    heading = section_heading(doc.text, group.start, doc.authors)
    opens = heading is not None and group.start - heading[1] <= SECTION_LEAD_CHARS
    inside = best.hit.document.id == doc.id and (
        group.start <= at < group.end or (opens and heading[0] <= at < heading[1])
    )
    if _introduces(best.text, analysis.info.kinds) and not inside:
        return None  # the best sentence announces a list of its own (its neighbours follow it): not this group
    listed = list_answer(doc, group, hits, context.store)
    if listed is None or any(c.chunk_id in exclude for c in listed.citations):
        return None
    return listed


def _followed(sentence: ScoredSentence, after: ScoredSentence | None) -> bool:
    """The answer quotes next what follows `sentence` in its passage."""
    if after is None or after.hit.chunk.id != sentence.hit.chunk.id or after.start < sentence.end:
        return False
    return not sentence.hit.chunk.text[sentence.end : after.start].strip()


def _break(previous: ScoredSentence | None, sentence: ScoredSentence) -> str:
    """A line break before `sentence` when it starts another paragraph than `previous` (or another passage)."""
    if previous is None:
        return ""
    if previous.hit.chunk.id != sentence.hit.chunk.id:
        return "\n"
    text = sentence.hit.chunk.text
    between = text[previous.end : sentence.start] if previous.end <= sentence.start else "\n"
    return "\n" if "\n" in between else ""


def _listed(question: str, listed: ListAnswer, sources: list[Source], english: bool, confidence: float) -> Answer:
    body = "\n".join(listed.lines)
    text = f"{ENGLISH_NOTE}\n{body}" if english else body
    return Answer(question, text, False, listed.citations, sources + listed.sources, EXTRACTIVE, None, confidence)


def extractive_answer(
    question: str,
    hits: Sequence[Hit],
    context: AnswerContext | None = None,
    config: AnswerSettings = DEFAULT_SETTINGS,
    analysis: Analysis | None = None,
    earlier: Earlier = Earlier(),
) -> Answer:
    """The extractive answer for already-retrieved `hits` (sources are all hits and the passages the answer added,
    numbered in the order the answer cites them, then in rank order: `in_citing_order`); it abstains below
    `config.threshold`. A list answer never cites a passage in `earlier.cited`; no sentence in `earlier.said` is
    ranked or quoted again (`Earlier`)."""
    return in_citing_order(_quoted(question, hits, context, config, analysis, earlier))


def _quoted(
    question: str,
    hits: Sequence[Hit],
    context: AnswerContext | None,
    config: AnswerSettings,
    analysis: Analysis | None,
    earlier: Earlier,
) -> Answer:
    context = context or AnswerContext(None)
    threshold = config.threshold
    sources = [Source.from_hit(n, h) for n, h in enumerate(hits, 1)]
    analysis = analysis or analyse(question, hits, context, config)
    if earlier.said:  # "what else?": what was said before is not said again
        analysis = replace(analysis, ranked=_unsaid(analysis.ranked, earlier.said))
    english = analysis.info.english
    documents = context.store.documents.values() if context.store is not None else [h.document for h in hits]
    field = asked_field(question, masthead_fields(documents))
    masthead = field_answer(field, hits, context.store) if field is not None else None
    if masthead is not None:
        return _listed(question, masthead, sources, english, analysis.confidence)
    for doc_id in earlier.articles if context.store is not None else ():
        doc = context.store.documents[doc_id]
        rest = other_fields(doc, earlier.said, hits, context.store) or rest_of_article(
            doc, earlier.said, hits, context.store
        )
        if rest is not None:
            return _listed(question, rest, sources, english, analysis.confidence)
    if not analysis.ranked or analysis.confidence < threshold:
        return abstention(question, english, sources, analysis.confidence)
    listed = _as_list(question, hits, context, config, analysis, earlier.cited)
    if listed is not None:
        return _listed(question, listed, sources, english, analysis.confidence)
    best = analysis.ranked[0]
    chosen = top_passages(hits, best, config.english_passages) if english and analysis.info.reads_on else []
    if not chosen:
        chosen = select_sentences(analysis, config)
        if context.store is not None:
            chosen += _continuation(analysis, chosen, sources, context.store, config)
        if analysis.info.reads_on and not english:
            chosen = _with_passage(chosen, best)
    chosen = _unsaid(chosen, earlier.said) or chosen
    chosen = [c for c in chosen if not _interviewers_question(c)] or chosen
    citations = [Citation(c.n, c.hit.chunk.id, c.text, (c.start, c.end)) for c in chosen]
    body = "".join(
        _break(previous, c)
        + f"{display_sentence(strip_speaker(c.text, c.hit.document.authors), _followed(c, after))}[{c.n}]"
        for previous, c, after in zip([None, *chosen], chosen, [*chosen[1:], None])
    )
    text = f"{ENGLISH_NOTE}\n{body}" if english else body
    return Answer(question, text, False, citations, sources, EXTRACTIVE, None, analysis.confidence)
