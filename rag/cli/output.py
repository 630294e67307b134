"""What the command line prints: messages on stderr, document text made safe for a terminal."""

from __future__ import annotations

import sys
import time
import unicodedata
from collections.abc import Callable

from rag.index import BuildProgress


def say(message: str) -> None:
    """One line for the person at the terminal, on stderr."""
    print(message, file=sys.stderr)


def shown(text: str) -> str:
    """Document or model text for the terminal: control characters (ESC sequences included) become visible
    `\\xNN` escapes, so a hostile passage cannot drive the terminal. JSON output needs no help: json escapes them."""
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else f"\\x{ord(ch):02x}" for ch in text)


def progress_lines(
    write: Callable[[str], None] = say, every: float = 1.0, prefix: str = "rag: "
) -> Callable[[BuildProgress], None]:
    """A build-progress callback writing one line per stage and at most one a second within a stage."""
    last = {"stage": "", "at": 0.0}

    def show(p: BuildProgress) -> None:
        now = time.monotonic()
        if p.stage != last["stage"] or now - last["at"] >= every or (p.total and p.done == p.total):
            last["stage"], last["at"] = p.stage, now
            write(prefix + p.describe())

    return show
