"""What the command line prints: messages on stderr, document text made safe for a terminal."""

from __future__ import annotations

import sys
import unicodedata


def say(message: str) -> None:
    """One line for the person at the terminal, on stderr."""
    print(message, file=sys.stderr)


def shown(text: str) -> str:
    """Document or model text for the terminal: control characters (ESC sequences included) become visible
    `\\xNN` escapes, so a hostile passage cannot drive the terminal. JSON output needs no help: json escapes them."""
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else f"\\x{ord(ch):02x}" for ch in text)
