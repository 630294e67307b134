"""Safe rendering of document text: everything from a document or a model is escaped, never interpreted.

Two routes are used and nothing else:

* `md(text)` escapes every Markdown/LaTeX/HTML-significant ASCII character with a backslash (CommonMark allows a
  backslash before any ASCII punctuation), so `st.markdown(md(text))` shows the text literally — `$x^2$`,
  `*bold*`, `[link](…)`, `<script>` and `:emoji:` shortcodes included.
* `highlight_html(text, spans)` (and `answer_html`, `source_card_html`) runs `html.escape` over every piece of
  text and only adds our own `<mark>`, `<div>` and `<span>` tags (for citations also `<a href="#rag-src-…">` to a
  source on the same page, and `<details>`/`<summary>` around a full passage); it is shown with `st.html` (which
  does not process Markdown or LaTeX, and never runs scripts).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from rag.answer import SHOWN_MARKER

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:=&^%\"'@/])")  # `@` and `/`: no e-mail or URL autolink
_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)

PASSAGE_STYLE = (
    "white-space:pre-wrap;line-height:1.7;padding:0.6rem 0.8rem;border-left:3px solid #d0d4dc;"
    "background:rgba(128,128,128,0.06);border-radius:4px;font-size:0.95rem"
)
PASSAGE_MARK = "background:rgba(255,214,10,0.28);padding:0 1px"  # the retrieved passage inside a whole article
QUOTE_MARK = "background:#ffe066;color:#111;padding:0 2px;border-radius:2px;font-weight:600"  # the cited sentence


def md(text: str) -> str:
    """`text` as Markdown source that renders literally (line breaks kept)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text))
    # an indented line would otherwise become a code block: leading blanks become no-break spaces
    escaped = _LEADING_SPACE.sub(lambda m: "\u00a0" * len(m.group(0).expandtabs(4)), escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def unescape_md(source: str) -> str:
    """Inverse of `md` for display checks in tests: drop the escaping backslashes and hard breaks."""
    return re.sub(r"\\(.)", r"\1", source.replace("  \n", "\n"))


def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans clipped to [0, length]; empty spans dropped."""
    clean = sorted((max(0, int(s)), min(length, int(e))) for s, e in spans)
    out: list[list[int]] = []
    for s, e in clean:
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _marked(text: str, spans: Sequence[tuple[int, int]], style: str, attrs: str = "") -> str:
    pieces, last = [], 0
    for s, e in merge_spans(spans, len(text)):
        pieces.append(html.escape(text[last:s]))
        pieces.append(f'<mark class="rag-quote"{attrs} style="{style}">{html.escape(text[s:e])}</mark>')
        last = e
    pieces.append(html.escape(text[last:]))
    return "".join(pieces)


def highlight_html(text: str, spans: Iterable[tuple[int, int]] = (), *, css_class: str = "rag-passage") -> str:
    """`text` escaped for HTML inside a passage box, with `spans` (character offsets) highlighted."""
    body = _marked(text, list(spans), QUOTE_MARK)
    return f'<div class="{css_class}" style="{PASSAGE_STYLE}">{body}</div>'


def article_html(text: str, passage: tuple[int, int] | None = None, quotes: Iterable[tuple[int, int]] = ()) -> str:
    """A whole document escaped for HTML: `passage` lightly highlighted, `quotes` (inside it) strongly."""
    quotes = list(quotes)
    where = merge_spans([passage], len(text)) if passage is not None else []
    if not where:
        return _paragraphs(highlight_html(text, quotes, css_class="rag-article"))
    ps, pe = where[0]
    inner = [(max(s, ps) - ps, min(e, pe) - ps) for s, e in quotes if s < pe and e > ps]
    body = (
        html.escape(text[:ps])
        + f'<span id="rag-passage" class="rag-passage-here" style="{PASSAGE_MARK}">'
        + _marked(text[ps:pe], inner, QUOTE_MARK)
        + "</span>"
        + html.escape(text[pe:])
    )
    return _paragraphs(f'<div class="rag-article" style="{PASSAGE_STYLE}">{body}</div>')


def _paragraphs(escaped: str) -> str:
    """Escaped article HTML with a gap after each line break, so paragraphs read as paragraphs."""
    return escaped.replace("\n", '\n<span class="rag-gap"></span>')


def source_meta(authors: Sequence[str], section: str | None, page: int | None) -> str:
    """One line of plain text: authors · section · P page (no retrieval score: it means nothing to a reader)."""
    bits = [" ".join(authors), section or "", f"P{page}" if page else ""]
    return " · ".join(b for b in bits if b)


def local_time(stamp: object) -> str | None:
    """A manifest's time stamp ("2026-12-03T23:31:06+0000") as this machine's local time, "2026-12-04 07:31"; None
    when it is missing or unreadable."""
    try:
        when = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


CONTEXT_CHARS = 60  # characters of the passage shown on each side of a cited sentence
_ANCHOR_SAFE = re.compile(r"[^A-Za-z0-9_-]")

# our own stylesheet (static text, no document data): citation links and hover cards, source cards, the Stop
# button of Streamlit's running indicator hidden (an offline tool has nothing to stop a reader needs)
CHROME_CSS = """<style>
[data-testid="stStatusWidget"] button, [data-testid="stAppDeployButton"], [data-testid="stMainMenu"] {display:none}
.rag-answer {white-space:pre-wrap;line-height:1.8;font-size:1rem}
.rag-cite {position:relative;display:inline-block}
.rag-cite > a {text-decoration:none;font-weight:600;color:#1a5fb4;padding:0 1px}
.rag-cite .rag-card {display:none;position:absolute;z-index:20;left:0;top:1.5em;width:22rem;padding:0.5rem 0.7rem;
  pointer-events:none;
  background:#fff;color:#222;border:1px solid #c8ccd4;border-radius:6px;box-shadow:0 3px 10px rgba(0,0,0,0.15);
  font-size:0.85rem;font-weight:400;line-height:1.5;white-space:normal}
.rag-cite:hover .rag-card, .rag-cite:focus-within .rag-card {display:block}
.rag-card-title {display:block;font-weight:600;margin-bottom:0.2rem}
.rag-source {margin:0.4rem 0 0.2rem 0;line-height:1.7}
.rag-source-head {font-weight:600}
.rag-source-meta {color:#666;font-size:0.85rem;margin-left:0.4rem;font-weight:400}
.rag-snippet {margin:0.2rem 0;padding:0.3rem 0.6rem;border-left:3px solid #ffc400;background:rgba(255,214,10,0.08)}
.rag-source details summary {cursor:pointer;color:#555;font-size:0.85rem}
.rag-article .rag-gap {display:block;height:0.6em}
[class*="st-key-conv-"] button {justify-content:flex-start;text-align:left;width:100%}
[class*="st-key-conv-"] button > div, [class*="st-key-conv-"] button > div > span {justify-content:flex-start;
  min-width:0;max-width:100%}
[class*="st-key-conv-"] button [data-testid="stMarkdownContainer"] {min-width:0;flex:1 1 auto;overflow:hidden}
[class*="st-key-conv-"] button[data-testid="stBaseButton-tertiary"] {padding-left:calc(0.75rem + 1px);
  padding-right:calc(0.75rem + 1px)}
[class*="st-key-conv-"] button p {overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
</style>"""


def anchor(turn_id: str, n: int) -> str:
    """The element id of source `n` of one answer (used by its `[n]` links)."""
    return f"rag-src-{_ANCHOR_SAFE.sub('', turn_id)[:32]}-{int(n)}"


def markers(text: str) -> list[tuple[int, int, int]]:
    """Each `[n]` marker of an answer text, in order: `(n, start, end)` (the markers `answer_html` links)."""
    return [(int(m.group(1)), m.start(), m.end()) for m in SHOWN_MARKER.finditer(text)]


def answer_html(text: str, turn_id: str, cards: Sequence[tuple[str, str] | None]) -> str:
    """The answer escaped for HTML. `cards[i]` is the hover card `(label, quote)` of the i-th marker of `markers(text)`:
    a marker with a card becomes a link to its source that shows the sentence it cites when hovered; one without (or
    beyond the list) stays plain text."""
    pieces, last = [], 0
    for i, (n, start, end) in enumerate(markers(text)):
        card = cards[i] if i < len(cards) else None
        if card is None:
            continue
        label, quote = card
        pieces.append(html.escape(text[last:start]))
        title = f'<span class="rag-card-title">{html.escape(label)}</span>'
        body = f'<span class="rag-card">{title}{html.escape(quote)}</span>'
        pieces.append(f'<span class="rag-cite"><a href="#{anchor(turn_id, n)}">[{n}]</a>{body}</span>')
        last = end
    pieces.append(html.escape(text[last:]))
    return f'<div class="rag-answer">{"".join(pieces)}</div>'


def snippets(text: str, spans: Iterable[tuple[int, int]], context: int = CONTEXT_CHARS) -> list[tuple[int, int]]:
    """Windows of `text` around each cited span: up to `context` characters either side within the span's line,
    overlapping ones merged."""
    windows = []
    for s, e in merge_spans(spans, len(text)):
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        windows.append((max(s - context, line_start), min(e + context, line_end if line_end >= 0 else len(text))))
    return merge_spans(windows, len(text))


def source_card_html(head: str, meta: str, passage: str, spans: Sequence[tuple[int, int]], **labels: str) -> str:
    """One source: `head` (《title》) and `meta`, the cited sentences with a little context (when `spans`), and the
    whole passage behind `<details>` (labels: `element_id`, `full`)."""
    parts = [
        f'<div class="rag-source" id="{html.escape(labels.get("element_id", ""))}">',
        f'<span class="rag-source-head">{html.escape(head)}</span>',
        f'<span class="rag-source-meta">{html.escape(meta)}</span>' if meta else "",
    ]
    for s, e in snippets(passage, spans):
        inner = [(max(a, s) - s, min(b, e) - s) for a, b in spans if a < e and b > s]
        before, after = ("…" if s > 0 else ""), ("…" if e < len(passage) else "")
        parts.append(f'<div class="rag-snippet">{before}{_marked(passage[s:e], inner, QUOTE_MARK)}{after}</div>')
    if spans:
        full = html.escape(labels.get("full", ""))
        parts.append(f"<details><summary>{full}</summary>{highlight_html(passage, spans)}</details>")
    else:
        parts.append(highlight_html(passage))
    parts.append("</div>")
    return "".join(parts)
