"""The structure of an article that answers "which/how/why" questions: enumerations, lists of headings, counted
sections and sections of titled paragraphs.

An enumeration is a run of sentences that open with consecutive ordinals of one family — 一是/二是, 其一/其二,
第一类/第二类, 首先/其次/最后, （一）/（二）, 一、/二、, ①/②, 1./2. — or with parallel viewpoints (从政策维度来看，/
从人才维度来看，), each item a sentence of the document (a speaker label such as "苗圩：" may precede the ordinal).
A heading list is a run of at least three heading lines (short, no closing punctuation) that share a
two-character ending or opening, such as "……，筑牢技术创新之梁" / "……，筑牢产业协同之梁".
A counted section is a heading or a sentence announcing a number of things ("大模型带来三个变革", "……包括如下五个
方面。") followed by that many headings, each with its text, or by that many paragraphs and then a heading (or the
end): the headings, or the paragraphs' first sentences, are its items.
A section of titled paragraphs is one whose paragraphs mostly open with a short title sentence
("无处不在的连接设备。随着……"): the titles are its items.
Each group keeps the sentence or heading that leads into it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.text import (
    CAPTION,
    CLOSERS,
    SENTENCE_PUNCT,
    is_byline,
    is_question,
    named_count,
    speaker_of,
    split_sentences,
    word_across,
)

_NUMERALS = "一二三四五六七八九十"
_SPEAKER = re.compile(r"^\s*[\u4e00-\u9fff]{2,4}[:：]\s*")
_FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("是", re.compile(rf"^([{_NUMERALS}])是")),
    ("其", re.compile(rf"^其([{_NUMERALS}])(?=[，,、是：:])")),
    ("第", re.compile(rf"^第([{_NUMERALS}])(?:类|条|点|个|种|步|是|，|,|：|:|阶段|方面|层次)")),
    ("括", re.compile(rf"^[（(]([{_NUMERALS}])[)）]")),
    ("顿", re.compile(rf"^([{_NUMERALS}])、")),
    ("圈", re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩])")),
    ("数", re.compile(r"^([1-9])[.、．](?!\d)")),
]
_SEQUENCE = {"首先": 1, "其次": 2, "再次": 3, "最后": 99}
# Parallel openings without ordinals: 从政策维度来看，…… / 从人才维度来看，…… / 从宏观上看，……
_VIEWPOINT = re.compile(r"^从[^，,。；：:]{1,12}?(?:来看|上看|看|而言|来说)[，,]")
ANY_NEXT = 0  # the position of an item whose family has no ordinals: it follows any item of its run
_MAX_GAP = 1500  # characters between two items of one enumeration
_NAMED_ORDINAL = re.compile(rf"^([\u4e00-\u9fff]{{2,3}}?)([{_NUMERALS}])[：:]")
_MAX_GAP_VIEWPOINTS = 600  # ... of parallel viewpoints, which also occur one at a time
MAX_HEADING_CHARS = 30
_NOT_HEADING_END = SENTENCE_PUNCT + CLOSERS + "，,、：:"
MAX_SIBLINGS = 6


ENUMERATION, HEADINGS, COUNTED, TITLES = "enumeration", "headings", "counted", "titles"  # the kinds of `Group`


@dataclass(frozen=True)
class Group:
    """Items of one enumeration, heading list or counted section: character spans in the document text, in order."""

    items: tuple[tuple[int, int], ...]
    lead: tuple[int, int] | None
    kind: str  # ENUMERATION | HEADINGS | COUNTED | TITLES

    @property
    def start(self) -> int:
        return (self.lead or self.items[0])[0]

    @property
    def end(self) -> int:
        return self.items[-1][1]


def _opening(sentence: str) -> tuple[str, int, int] | None:
    """(family, position, end) when `sentence` opens with an ordinal; `end` is where the ordinal ends in it."""
    text = sentence.lstrip()
    skipped = len(sentence) - len(text)
    if m := _NAMED_ORDINAL.match(text):  # 选择一：/ 选择二：, 方案一：(not a speaker's label)
        return f"名{m.group(1)}", _NUMERALS.index(m.group(2)) + 1, skipped + m.end()
    if speaker := _SPEAKER.match(text):
        skipped += speaker.end()
        text = text[speaker.end() :]
    for word, position in _SEQUENCE.items():
        if text.startswith(word):
            return "序", position, skipped + len(word) + text.startswith("是", len(word))
    if m := _VIEWPOINT.match(text):
        return "从", ANY_NEXT, skipped + m.end()
    for family, pattern in _FAMILIES:
        if m := pattern.match(text):
            mark = m.group(1)
            position = (_NUMERALS.index(mark) + 1) if mark in _NUMERALS else "①②③④⑤⑥⑦⑧⑨⑩".find(mark) + 1 or int(mark)
            return family, position, skipped + m.end()
    return None


def _ordinal(sentence: str) -> tuple[str, int] | None:
    """(family, position) when `sentence` opens with an ordinal."""
    found = _opening(sentence)
    return None if found is None else found[:2]


def ordinal_end(sentence: str) -> int:
    """Where an item's opening (speaker label, ordinal and the punctuation after it) ends in `sentence`; 0 when
    it opens with no ordinal ("苗圩：一是，加强……" → the position of 加)."""
    found = _opening(sentence)
    if found is None:
        return 0
    end = found[2]
    return end + 1 if sentence[end : end + 1] in ("，", ",", "：", ":") else end


def _follows(previous: int, current: int, family: str) -> bool:
    if current == ANY_NEXT:
        return True
    if family == "序":
        return current == previous + 1 or (current == 99 and previous >= 1)
    return current == previous + 1


def enumerations(text: str) -> list[Group]:
    """The enumerations of a document text (two items at least)."""
    spans = [(s, e) for s, e in split_sentences(text) if text[s:e].strip()]
    groups: list[Group] = []
    open_runs: dict[str, tuple[list[tuple[int, int]], int, tuple[int, int] | None]] = {}
    for i, (s, e) in enumerate(spans):
        found = _ordinal(text[s:e])
        if found is None:
            continue
        family, position = found
        run = open_runs.get(family)
        gap = _MAX_GAP_VIEWPOINTS if family == "从" else _MAX_GAP
        if run and _follows(run[1], position, family) and s - run[0][-1][1] <= gap:
            run[0].append((s, e))
            open_runs[family] = (run[0], position, run[2])
            continue
        if run and len(run[0]) >= 2:
            groups.append(Group(tuple(run[0]), run[2], ENUMERATION))
        if position in (1, ANY_NEXT):
            lead = spans[i - 1] if i > 0 else None
            open_runs[family] = ([(s, e)], 1, lead)
        else:
            open_runs.pop(family, None)
    groups += [Group(tuple(items), lead, ENUMERATION) for items, _, lead in open_runs.values() if len(items) >= 2]
    return sorted(groups, key=lambda g: g.items[0][0])


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped)
            spans.append((start, start + len(stripped)))
        pos += len(line) + 1
    return spans


def is_heading(line: str) -> bool:
    """A heading: one short line that ends no sentence or clause (no closing punctuation, comma or colon)."""
    line = line.rstrip()
    return 0 < len(line) <= MAX_HEADING_CHARS and "\n" not in line and line[-1] not in _NOT_HEADING_END


def heading_lists(text: str) -> list[Group]:
    """Runs of three or more sibling headings (a shared two-character ending or opening) in a document text."""
    lines = _lines(text)
    headings = [(i, s, e) for i, (s, e) in enumerate(lines) if is_heading(text[s:e])]
    groups: list[Group] = []
    used: set[int] = set()
    for k in range(len(headings)):
        if k in used:
            continue
        run = _sibling_run(text, headings, k)
        if run:
            used.update(run)
            lead = (headings[k - 1][1], headings[k - 1][2]) if k > 0 else None
            groups.append(Group(tuple((headings[j][1], headings[j][2]) for j in run), lead, HEADINGS))
    return groups


def _sibling_run(text: str, headings: list[tuple[int, int, int]], k: int) -> list[int]:
    """Headings from `k` on that end like heading `k` (anywhere after it), or that open like it (consecutive,
    at most `MAX_SIBLINGS`: a shared opening such as 数字技术… also joins headings of different levels)."""

    def heading(j: int) -> str:
        return text[headings[j][1] : headings[j][2]]

    ending = [k] + [j for j in range(k + 1, len(headings)) if heading(j)[-2:] == heading(k)[-2:]]
    if len(ending) >= 3:
        return ending
    opening = [k]
    for j in range(k + 1, len(headings)):
        if heading(j)[:2] != heading(k)[:2]:
            break
        opening.append(j)
    return opening if 3 <= len(opening) <= MAX_SIBLINGS else []


MAX_COUNTED = 8  # a counted section announces at most this many items
_ANNOUNCES = re.compile(r"(?:如下|以下|下列|几个方面|几点|诸多)[^。！？]{0,8}[。：:]?$|[：:]$")


def announces(sentence: str) -> bool:
    """A sentence that says what follows it: "……如下：", "……可以采取以下策略。", "……面临诸多挑战。"."""
    return bool(_ANNOUNCES.search(sentence.rstrip()))


def _counted_lead(text: str, span: tuple[int, int]) -> tuple[tuple[int, int], int] | None:
    """(lead span, count) when the line `span` is a heading that names a count, or a paragraph whose last sentence
    announces a count of things that follow ("……包括如下五个方面。")."""
    line = text[slice(*span)]
    if is_heading(line):
        lead = span
    else:
        sentences = split_sentences(line)
        if not sentences or not announces(line[slice(*sentences[-1])]):
            return None
        lead = (span[0] + sentences[-1][0], span[0] + sentences[-1][1])
    count = named_count(text[slice(*lead)])
    return (lead, count) if count is not None and 2 <= count <= MAX_COUNTED else None


def _counted_headings(text: str, lines: list[tuple[int, int]], heads: list[bool], first: int, count: int) -> list[int]:
    """The `count` headings from line `first` on, each followed by text and near the one before, and not followed by
    a heading of the same family (a shared two-character opening or ending: the list would go on); [] if none."""
    items = [j for j in range(first, len(lines)) if heads[j]][: count + 1]
    items, after = items[:count], items[count:]
    if len(items) < count or items[-1] + 1 >= len(lines) or any(heads[j + 1] for j in items[:-1]):
        return []  # the last heading's text may start with a broken line, which looks like a heading
    if any(lines[b][0] - lines[a][1] > _MAX_GAP for a, b in zip(items, items[1:])):
        return []
    words = [text[slice(*lines[j])] for j in items]
    if after:
        nxt = text[slice(*lines[after[0]])]
        if any(nxt[:2] == w[:2] or nxt[-2:] == w[-2:] for w in words):
            return []
    return items


def _counted_paragraphs(lines: list[tuple[int, int]], heads: list[bool], first: int, count: int) -> bool:
    """Lines `first` … `first + count - 1` are paragraphs and a heading (or the end) follows them."""
    after = first + count
    return after <= len(lines) and not any(heads[first:after]) and (after == len(lines) or heads[after])


def counted_sections(text: str) -> list[Group]:
    """The counted sections of a document text (see the module docstring)."""
    lines = _lines(text)
    heads = [is_heading(text[s:e]) for s, e in lines]
    groups: list[Group] = []
    for i, span in enumerate(lines[:-1]):
        found = _counted_lead(text, span)
        if found is None:
            continue
        lead, count = found
        if heads[i + 1]:  # that many headings, each followed by text
            if items := _counted_headings(text, lines, heads, i + 1, count):
                groups.append(Group(tuple(lines[j] for j in items), lead, COUNTED))
        elif _counted_paragraphs(lines, heads, i + 1, count):
            paragraphs = lines[i + 1 : i + 1 + count]
            firsts = [(s + a, s + b) for s, e in paragraphs for a, b in split_sentences(text[s:e])[:1]]
            groups.append(Group(tuple(firsts), lead, COUNTED))
    return groups


def heading_before(text: str, position: int) -> str:
    """The last heading line (short, no closing punctuation) that starts before `position` in `text`, or ""."""
    found = ""
    for s, e in _lines(text[:position]):
        if is_heading(text[s:e]):
            found = text[s:e]
    return found


def section_heading(text: str, position: int, authors: Sequence[str] = ()) -> tuple[int, int] | None:
    """The heading (start, end) of the section (`sections`) that holds `position`; None before the first."""
    return next(((s, e) for s, e, end in sections(text, authors) if s <= position < end), None)


def sections(text: str, authors: Sequence[str] = ()) -> list[tuple[int, int, int]]:
    """The sections of an article text: (heading start, heading end, section end) for each heading line that is
    not a byline (nor names an author), a caption or a line that breaks a sentence (a comma inside, or the next line
    carries on its sentence), to the next."""
    heads = [
        (s, e)
        for s, e in _lines(text)
        if is_heading(text[s:e])
        and not is_byline(text[s:e], authors)
        and not any(name and name in text[s:e] for name in authors)  # "总编辑 曾纯"
        and not CAPTION.match(text[s:e])
        and not re.search(r"[，,]", text[s:e])
        and not _breaks_a_sentence(text[s:e], text[e + 1 : e + 12])
    ]
    ends = [s for s, _ in heads[1:]] + [len(text)]
    return [(s, e, end) for (s, e), end in zip(heads, ends)]


def _breaks_a_sentence(line: str, following: str) -> bool:
    """`following` (the next line) carries on the sentence of `line`: it opens with a particle or punctuation
    ("……提升了决策" + "的精准性"), or a word runs across the break ("……是中" + "望软件")."""
    return following[:1] in "的之了地得和与及或、，。；：" or word_across(line, following)


def interviewer(text: str, authors: Sequence[str]) -> str | None:
    """In an interview, the voice that asks: the author whose labelled turns ("曾纯：……") end in a question at
    least half the time (two turns or more); None in an article that is not an interview."""
    asked: dict[str, list[bool]] = {}
    for s, e in _lines(text):
        if (name := speaker_of(text[s:e], authors)) is not None:
            asked.setdefault(name, []).append(is_question(text[s:e]))
    voices = [(sum(turns) / len(turns), name) for name, turns in asked.items() if len(turns) >= 2]
    best = max(voices, default=None)
    return best[1] if best is not None and best[0] >= 0.5 else None


def spoken_by(voice: str | None, text: str, position: int, authors: Sequence[str]) -> bool:
    """`voice` (e.g. an interview's `interviewer`; None: nobody) speaks at `position` of the document `text`."""
    return voice is not None and speaker_at(text, position, authors) == voice


def speaker_at(text: str, position: int, authors: Sequence[str]) -> str | None:
    """Who speaks at `position` of an interview text: the voice whose label (`speaker_of`) opens the last labelled
    line at or before it; None before any label, or in an article without labels."""
    start = text.rfind("\n", 0, position) + 1
    while True:
        end = text.find("\n", start)
        if (name := speaker_of(text[start : end if end >= 0 else len(text)], authors)) is not None:
            return name
        if start == 0:
            return None
        start = text.rfind("\n", 0, start - 1) + 1


TITLE_CHARS = 46  # a paragraph's title: its first sentence, at most this long ...
TITLE_CLAUSE_CHARS = 8  # a title with a comma opens with a clause at least this long (the point itself)
TITLED_SHARE = 0.6  # ... and a section is a list of titled paragraphs when this share of its paragraphs have one
MIN_TITLED = 3


def _title(paragraph: str, authors: Sequence[str]) -> tuple[int, int] | None:
    """The span of `paragraph`'s title: a short first sentence that more sentences follow, not opened by an
    ordinal (an enumeration), not a question and not a speaker's turn."""
    spans = split_sentences(paragraph)
    if len(spans) < 2 or speaker_of(paragraph, authors) is not None:
        return None
    first = paragraph[slice(*spans[0])].strip()
    if len(first) > TITLE_CHARS or not first.endswith("。") or _opening(first) or is_question(first):
        return None
    clause = re.split(r"[，,]", first)[0]
    if clause != first and (len(clause) < TITLE_CLAUSE_CHARS or re.search(r"\d", clause)):
        return None  # "2023年，……", "更重要的是，……": a short opening clause leads into a sentence, it titles nothing
    return spans[0]


def titled_paragraphs(text: str, authors: Sequence[str] = ()) -> list[Group]:
    """Sections whose paragraphs mostly open with a title sentence ("无处不在的连接设备。随着……"; "促进地区间平衡
    发展，更好地发挥……优势。近年来，……"): the titles are the items, the section's heading the lead. A line that
    carries on the line before (a page break inside a paragraph), a byline or a caption is no paragraph."""
    groups = []
    for head_start, head_end, end in sections(text, authors):
        paragraphs, titles, previous = 0, [], "。"
        for s, e in _lines(text[head_end:end]):
            line = text[head_end + s : head_end + e]
            if is_byline(line, authors) or CAPTION.match(line):
                continue
            carries_on, previous = previous[-1] not in SENTENCE_PUNCT + CLOSERS, line
            if carries_on:
                continue
            paragraphs += 1
            if title := _title(line, authors):
                titles.append((head_end + s + title[0], head_end + s + title[1]))
        if len(titles) >= MIN_TITLED and len(titles) >= TITLED_SHARE * paragraphs:
            groups.append(Group(tuple(titles), (head_start, head_end), TITLES))
    return groups


def document_groups(text: str, authors: Sequence[str] = ()) -> list[Group]:
    """Every enumeration, heading list, counted section and list of titled paragraphs of a document text (by
    `authors`), in document order."""
    found = enumerations(text) + heading_lists(text) + counted_sections(text) + titled_paragraphs(text, authors)
    return sorted(found, key=lambda g: g.items[0][0])
