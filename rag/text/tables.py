"""Plain-text tables for the terminal, padded by display width (a Chinese character takes two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` display columns."""
    return text + " " * (width - display_width(text))


def format_table(rows: Sequence[Sequence[object]], header: Sequence[str], rule: bool = True) -> str:
    """Columns aligned by display width, two spaces apart; a rule of dashes under the header when `rule`."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(display_width(x) for x in col) for col in zip(*cells)]
    lines = ["  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
    if rule:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
