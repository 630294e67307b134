"""Safe rendering of document text: everything from a document or a model is escaped, never interpreted.

Two routes are used and nothing else:

* `md(text)` escapes every Markdown/LaTeX/HTML-significant ASCII character with a backslash (CommonMark allows a
  backslash before any ASCII punctuation), so `st.markdown(md(text))` shows the text literally — `$x^2$`,
  `*bold*`, `[link](…)`, `<script>` and `:emoji:` shortcodes included.
* `highlight_html(text, spans)` runs `html.escape` over every piece of text and only adds our own `<mark>` and
  `<div>` tags; it is shown with `st.html` (which does not process Markdown or LaTeX, and never runs scripts).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:=&^%\"'])")
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
        return highlight_html(text, quotes, css_class="rag-article")
    ps, pe = where[0]
    inner = [(max(s, ps) - ps, min(e, pe) - ps) for s, e in quotes if s < pe and e > ps]
    body = (
        html.escape(text[:ps])
        + f'<span id="rag-passage" class="rag-passage-here" style="{PASSAGE_MARK}">'
        + _marked(text[ps:pe], inner, QUOTE_MARK)
        + "</span>"
        + html.escape(text[pe:])
    )
    return f'<div class="rag-article" style="{PASSAGE_STYLE}">{body}</div>'


def source_meta(authors: Sequence[str], section: str | None, page: int | None, score: float) -> str:
    """One escaped Markdown line: 《title》 · authors · section · P page · score."""
    bits = [" ".join(authors), section or "", f"P{page}" if page else "", f"score {score:.4f}"]
    return md(" · ".join(b for b in bits if b))
