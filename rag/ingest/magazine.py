"""Parse the plain text of a magazine issue into articles and issue matter.

The text is what PDF extraction gives: one paragraph per line, pages separated by blank
lines, sentences broken across page ends, the table of contents repeating each article's
lead, pull quotes repeating body sentences, and adverts between articles. See `parse_magazine`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rag.text import CAPTION, clean_line, ends_sentence, is_byline, squash, strip_ornament
from rag.types import Document, IssueInfo

BYLINE = re.compile(r"^文\s*/\s*(.+)$")
EDITOR = re.compile(r"^责任编辑[:：]\s*(\S+)")
TOC_HEADER = re.compile(r"^([\u4e00-\u9fff]{2,6})\s+([A-Z][A-Z &]+)$")  # section names: basic ideographs
TOC_ENTRY = re.compile(r"^(.+?)\s+(\d{1,3})$")
PAGE_REF = re.compile(r"(?:^|\s)P\d{1,3}(?:\s|$)")
ROLE_SIGNATURE = re.compile(r"^(总编辑|主编|社长|本刊评论员|特邀评论员)\s+(\S{2,4})$")
SPEAKER = re.compile(r"^\S{1,5}[:：]")
MIN_DUP_CHARS = 12  # shorter paragraphs (headings, names) may repeat legitimately
MIN_JOIN_CHARS = 26  # a line shorter than this without final punctuation is a heading, not a fragment
PAGE_GAP = 3
MIN_PIECE_CHARS = (
    400  # an unsigned piece (news, commentary) has at least this much prose  # this many blank lines separate pages
)


@dataclass(frozen=True)
class TocEntry:
    section: str
    title: str
    authors: tuple[str, ...]
    page: int
    lead: str | None


@dataclass
class _Para:
    line: int
    text: str
    aside: bool = False  # a caption or an author line: kept whole, never joined to the text around it


def parse_magazine(text: str, source: str = "") -> list[Document]:
    """Split one issue's text into `Document`s: articles, unsigned pieces and issue matter.

    Returns an empty list when the text has no byline (`文 / …`), i.e. is not a magazine issue.
    """
    lines = [ln.strip() for ln in text.splitlines()]
    bylines = [i for i, ln in enumerate(lines) if BYLINE.match(ln)]
    if not bylines:
        return []
    issue = parse_issue_info(lines)
    toc, toc_spans = parse_toc(lines)
    used = [False] * len(lines)
    for first, last in toc_spans:
        for i in range(first, last + 1):
            used[i] = True

    spans = [_article_start(lines, b, toc) for b in bylines]
    articles: list[Document] = []
    for n, (byline, (start, entry)) in enumerate(zip(bylines, spans)):
        limit = spans[n + 1][0] if n + 1 < len(spans) else len(lines)
        doc, end = _parse_article(lines, start, byline, limit, entry, issue, source)
        articles.append(doc)
        for i in range(start, end):
            used[i] = True

    article_paras = [p for d in articles for p in d.text.split("\n")]
    known = "\n".join(squash(p) for p in article_paras)
    known_leads = [squash(e.lead) for e in toc if e.lead]
    documents = list(articles)
    for seg_start, seg_end in _runs(used):
        documents.extend(_parse_matter(lines, seg_start, seg_end, known, known_leads, issue, source))
    if toc:
        documents.append(_toc_document(toc, issue, source))
    return documents


def parse_issue_info(lines: list[str]) -> IssueInfo:
    """Issue-level metadata from the cover and masthead lines."""
    head = "\n".join(lines)
    publication = None
    if m := re.search(r"《([^》\n]{2,30})》", head):
        publication = m.group(1)
    year = month = number = total = None
    date = None
    if m := re.search(r"(\d{4})年(\d{1,2})月刊", head):
        year, month = int(m.group(1)), int(m.group(2))
    if m := re.search(r"(?<!总)第(\d{1,3})期", head):
        number = int(m.group(1))
    if m := re.search(r"总第(\d{1,4})期", head):
        total = int(m.group(1))
    if m := re.search(r"出版日期[:：]\s*(\d{4})年(\d{1,2})月(\d{1,2})日", head):
        date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    elif year and (m := re.search(r"(\d{1,2})月(\d{1,2})日出版", head)):
        date = f"{year:04d}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    if year is None and date:
        year, month = int(date[:4]), int(date[5:7])
    return IssueInfo(publication, year, month, number, total, date)


def parse_toc(lines: list[str]) -> tuple[list[TocEntry], list[tuple[int, int]]]:
    """The table of contents and the line spans it occupies.

    Contents pages are runs of a section header (`锐见 INSIGHT`) followed by entries of
    title / `authors page` / lead; adverts may interrupt them, so every header starts a run.
    """
    nonempty = [i for i, ln in enumerate(lines) if ln]
    entries: list[TocEntry] = []
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(nonempty):
        header = TOC_HEADER.match(lines[nonempty[k]])
        if not header:
            k += 1
            continue
        section, first, last = header.group(1), nonempty[k], nonempty[k]
        k += 1
        while k + 1 < len(nonempty):
            line, nxt = lines[nonempty[k]], lines[nonempty[k + 1]]
            entry = TOC_ENTRY.match(nxt)
            if not entry or BYLINE.match(line) or len(line) >= 60 or TOC_HEADER.match(line):
                break
            lead, step = None, 2
            if k + 2 < len(nonempty) and _is_prose(lines[nonempty[k + 2]]):
                lead, step = clean_line(lines[nonempty[k + 2]]), 3
            authors = tuple(entry.group(1).split())
            entries.append(TocEntry(section, clean_line(line), authors, int(entry.group(2)), lead))
            last = nonempty[k + step - 1]
            k += step
        if last > first:
            spans.append((first, last))
    return entries, spans


def _is_prose(line: str) -> bool:
    return len(squash(line)) >= 40 and ("。" in line or "，" in line)


def _similar(a: str, b: str) -> float:
    a, b = squash(a), squash(b)
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def _prev_nonempty(lines: list[str], i: int) -> int | None:
    i -= 1
    while i >= 0 and not lines[i]:
        i -= 1
    return i if i >= 0 else None


def _article_start(lines: list[str], byline: int, toc: list[TocEntry]) -> tuple[int, TocEntry | None]:
    """First line of the article whose byline is at `byline` (its title, or a lead printed above it)."""
    title_at = _prev_nonempty(lines, byline)
    if title_at is None:
        return byline, None
    title = lines[title_at]
    authors = tuple(BYLINE.match(lines[byline]).group(1).split())
    entry = _match_toc(title, authors, toc)
    start = title_at
    above = _prev_nonempty(lines, title_at)
    if entry and entry.lead and above is not None and _similar(lines[above], entry.lead) > 0.9:
        start = above
    return start, entry


def _match_toc(title: str, authors: tuple[str, ...], toc: list[TocEntry]) -> TocEntry | None:
    best, best_score = None, 0.0
    for entry in toc:
        score = _similar(title, entry.title)
        if set(authors) & set(entry.authors):
            score += 0.3
        if score > best_score:
            best, best_score = entry, score
    return best if best_score >= 0.6 else None


def _parse_article(  # noqa: PLR0913  over 60 lines: the parser walks one article's lines in one pass
    lines: list[str],
    start: int,
    byline: int,
    limit: int,
    entry: TocEntry | None,
    issue: IssueInfo,
    source: str,
) -> tuple[Document, int]:
    """Build one article from its lines; return it and the index just past its last line."""
    authors = tuple(BYLINE.match(lines[byline]).group(1).split())
    title_at = _prev_nonempty(lines, byline)
    title = (
        clean_line(lines[title_at]) if title_at is not None and title_at >= start else (entry.title if entry else "")
    )
    paras: list[_Para] = []
    if start < (title_at if title_at is not None else start):
        paras.append(_Para(start, lines[start]))  # the lead printed above the title
    affiliations: list[str] = []
    editor = editor_email = None
    end = limit
    i = byline + 1
    while i < limit:
        line = lines[i]
        if not line:
            i += 1
            continue
        if m := EDITOR.match(line):
            editor = m.group(1)
            nxt = _next_nonempty(lines, i, limit)
            if nxt is not None and "@" in lines[nxt]:
                editor_email = lines[nxt]
                i = nxt
            end = i + 1
            break
        if authors and is_byline(line, authors):  # `钮钦 中国科学技术发展战略研究院`
            affiliations.append(re.sub(r"\s+", " ", line))
            paras.append(_Para(i, affiliations[-1], aside=True))
        else:
            text, ended = strip_ornament(line)
            if text:
                paras.append(_Para(i, text))
            if ended:  # the end mark; the editor lines may follow
                end = i + 1
                nxt = _next_nonempty(lines, i, limit)
                if nxt is not None and EDITOR.match(lines[nxt]):
                    i = nxt
                    continue
                break
        i += 1
    body = _join_broken(_drop_repeats(paras))
    doc = Document(
        title=title,
        text="\n".join(p.text for p in body),
        kind="article",
        source=source,
        authors=authors,
        affiliations=tuple(affiliations),
        section=entry.section if entry else None,
        page=entry.page if entry else None,
        editor=editor,
        editor_email=editor_email,
        issue=issue,
    )
    return doc, end


def _next_nonempty(lines: list[str], i: int, limit: int) -> int | None:
    i += 1
    while i < limit and not lines[i]:
        i += 1
    return i if i < limit else None


def _drop_repeats(paras: list[_Para]) -> list[_Para]:
    """Keep one copy of a paragraph printed twice (pull quotes, a lead repeated in the body)."""
    kept = list(paras)
    for p in paras:
        key = squash(CAPTION.sub("", p.text))
        if p.aside or len(key) < MIN_DUP_CHARS:
            continue
        others = "\n".join(squash(q.text) for q in kept if q is not p)
        if key in others.replace("\n", "") or key in others:
            kept = [q for q in kept if q is not p]
    return kept


def _join_broken(paras: list[_Para]) -> list[_Para]:
    """Join lines broken mid-sentence (at page ends) and repair spacing inside each paragraph."""
    out: list[_Para] = []
    captions: list[_Para] = []  # figure captions printed inside a broken sentence wait for its end
    for p in paras:
        text = p.text if p.aside else clean_line(p.text)
        aside = p.aside or bool(CAPTION.match(text))
        if aside and out and _is_fragment(out[-1].text):
            captions.append(_Para(p.line, text, True))
            continue
        if aside:
            out.append(_Para(p.line, text, True))
            continue
        if out and not out[-1].aside and _is_fragment(out[-1].text):
            prev = out[-1].text
            sep = (
                " " if prev[-1:].isascii() and prev[-1:].isalnum() and text[:1].isascii() and text[:1].isalnum() else ""
            )
            out[-1] = _Para(out[-1].line, clean_line(prev + sep + text))
        else:
            out.append(_Para(p.line, text))
        if captions and (out[-1].aside or not _is_fragment(out[-1].text)):
            out.extend(captions)
            captions = []
    return out + captions


def _is_fragment(text: str) -> bool:
    if ends_sentence(text):
        return False
    return len(squash(text)) >= MIN_JOIN_CHARS or bool(SPEAKER.match(text))


def _runs(used: list[bool]) -> list[tuple[int, int]]:
    """Maximal [start, end) runs of lines not used by any article or the table of contents."""
    runs, start = [], None
    for i, u in enumerate(used + [True]):
        if not u and start is None:
            start = i
        elif u and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _parse_matter(  # noqa: PLR0913  (the parser's state is passed explicitly, not kept in an object)
    lines: list[str],
    start: int,
    end: int,
    known: str,
    known_leads: list[str],
    issue: IssueInfo,
    source: str,
) -> list[Document]:
    """Unsigned pieces (preface, commentary, news) and issue matter between two articles."""
    paras = [_Para(i, lines[i]) for i in range(start, end) if lines[i]]
    paras = [p for p in paras if not _is_duplicate(p.text, known, known_leads)]
    if not paras:
        return []
    docs: list[Document] = []
    taken: set[int] = set()
    k = 0
    while k < len(paras):
        if not _is_prose(paras[k].text) or not ends_sentence(paras[k].text):
            k += 1
            continue
        j = k
        while j + 1 < len(paras) and _is_prose(paras[j + 1].text):
            j += 1
        body = paras[k : j + 1]
        long_enough = sum(len(p.text) for p in body) >= MIN_PIECE_CHARS
        if (
            len(body) >= 2
            and long_enough
            and k > 0
            and not _is_prose(paras[k - 1].text)
            and len(paras[k - 1].text) <= 40
        ):
            piece, used_idx = _unsigned_piece(paras, k, j, issue, source)
            docs.append(piece)
            taken.update(used_idx)
        k = j + 1
    pieces = "\n".join(squash(d.text) for d in docs)
    rest = [p for n, p in enumerate(paras) if n not in taken and not _is_duplicate(p.text, pieces, [])]
    docs.extend(_matter_documents(lines, rest, issue, source))
    return docs


def _is_duplicate(text: str, known: str, known_leads: list[str]) -> bool:
    key = squash(text)
    if len(key) < MIN_DUP_CHARS:
        return False
    if key in known:
        return True
    return len(key) >= 40 and any(
        SequenceMatcher(None, key, lead).quick_ratio() > 0.9 and SequenceMatcher(None, key, lead).ratio() > 0.9
        for lead in known_leads
    )


def _unsigned_piece(
    paras: list[_Para], first: int, last: int, issue: IssueInfo, source: str
) -> tuple[Document, set[int]]:
    """A headline followed by prose paragraphs; the lines after it tell preface/commentary/news."""
    title = clean_line(paras[first - 1].text)
    used = set(range(first - 1, last + 1))
    kind, authors, affiliations = "news", (), ()
    editor = editor_email = None
    for n in range(last + 1, min(last + 6, len(paras))):
        text = paras[n].text
        if m := EDITOR.match(text):
            editor = m.group(1)
            used.add(n)
            if n + 1 < len(paras) and "@" in paras[n + 1].text:
                editor_email = paras[n + 1].text
                used.add(n + 1)
            break
        if n > last + 3:
            continue
        if m := ROLE_SIGNATURE.match(text):
            authors, affiliations = (m.group(2),), (text,)
            kind = "commentary" if "评论员" in m.group(1) else "preface"
            used.update(range(last + 1, n + 1))
        elif "评论员" in text and n > last + 1:
            name = paras[n - 1].text
            authors, affiliations, kind = (name,), (f"{name} {text}",), "commentary"
            used.update(range(last + 1, n + 1))
        elif text.upper() in {"PREFACE", "卷首语"}:
            kind = "preface"
            used.add(n)
    body = _join_broken(_drop_repeats(paras[first : last + 1]))
    body += [_Para(-1, line, True) for line in affiliations]  # the signature, e.g. `刘俊卿 特邀评论员`
    doc = Document(
        title=title,
        text="\n".join(p.text for p in body),
        kind=kind,
        source=source,
        authors=tuple(authors),
        affiliations=tuple(affiliations),
        section={"preface": "卷首语", "commentary": "特邀评论", "news": "资讯"}[kind],
        editor=editor,
        editor_email=editor_email,
        issue=issue,
    )
    return doc, used


def _matter_documents(lines: list[str], paras: list[_Para], issue: IssueInfo, source: str) -> list[Document]:
    """Group leftover lines into pages and classify them as cover, masthead, contents or advert."""
    pages: list[list[_Para]] = []
    for p in paras:
        gap = pages and all(not lines[i] for i in range(pages[-1][-1].line + 1, p.line))
        if pages and not (gap and p.line - pages[-1][-1].line - 1 >= PAGE_GAP):
            pages[-1].append(p)
        else:
            pages.append([p])
    grouped: list[tuple[str, list[_Para]]] = []
    for page in pages:
        kind = _matter_kind("\n".join(p.text for p in page))
        if grouped and grouped[-1][0] == kind:
            grouped[-1][1].extend(page)
        else:
            grouped.append((kind, list(page)))
    titles = {"cover": "封面", "masthead": "版权页", "toc": "栏目导读", "advert": "广告"}
    docs = []
    for kind, group in grouped:
        text = "\n".join(re.sub(r"\s+", " ", p.text) for p in group)
        title = titles[kind]
        if kind == "advert":
            first_line = re.sub(r"\s+", " ", group[0].text)[:30]
            title = f"广告：{first_line}"
        docs.append(Document(title=title, text=text, kind=kind, source=source, issue=issue))
    return docs


def _matter_kind(text: str) -> str:
    if any(key in text for key in ("主管单位", "版权声明", "出版单位", "连续出版物号")):
        return "masthead"
    if "ISSN" in text or "总第" in text:
        return "cover"
    if len(PAGE_REF.findall(text)) >= 2:
        return "toc"
    return "advert"


def _toc_document(toc: list[TocEntry], issue: IssueInfo, source: str) -> Document:
    lines = [f"【{e.section}】{e.title} — {' '.join(e.authors)} — P{e.page}" for e in toc]
    title = f"目录 · {issue.label()}" if issue.label() else "目录"
    return Document(title=title, text="\n".join(lines), kind="toc", source=source, issue=issue)
