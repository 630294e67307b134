"""Files and folders → `Document`s: magazine issues are parsed, other texts become one document each."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from rag.errors import UnreadableFile
from rag.text import clean_line, has_cjk
from rag.types import Document

from .magazine import parse_magazine

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024


class LoadedCorpus(NamedTuple):
    """Documents read from the given paths, and one warning line per skipped file."""

    documents: list[Document]
    warnings: list[str]


def iter_text_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into their `.txt`/`.md` files (sorted); report paths that do not exist."""
    files: list[Path] = []
    warnings: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            warnings.append(f"skipped {path}: no such file or folder")
    return files, warnings


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; return (text, encoding)."""
    if not data.strip():
        raise UnreadableFile(f"{name} is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:8192]:
        raise UnreadableFile(f"{name} looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{name} is neither UTF-8 nor GBK/GB18030 text; convert it to UTF-8") from None
    if not has_cjk(text):
        raise UnreadableFile(f"{name} is not UTF-8 and does not look like GBK Chinese text; convert it to UTF-8")
    return text, "gb18030"


def read_text_file(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[str, str]:
    """Read one text file, refusing huge, binary, empty or undecodable files with a clear message."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableFile(f"{path} is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit per file")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{path} cannot be read ({exc.strerror or exc})") from None
    text, encoding = decode_text(data, str(path))
    control = sum(1 for ch in text[:10000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 0.05 * min(len(text), 10000):
        raise UnreadableFile(f"{path} looks like a binary file, not text")
    return text, encoding


def documents_from_text(text: str, source: str) -> list[Document]:
    """A magazine issue (has `文 / ` bylines) becomes its articles and matter; any other text one document."""
    docs = parse_magazine(text, source)
    if docs:
        return docs
    title, body = _title_and_body(text, Path(source).stem or source)
    if not body.strip():
        return []
    return [Document(title=title, text=body, kind="text", source=source)]


def load_corpus(paths: Iterable[Path], max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadedCorpus:
    """Read every `.txt`/`.md` file under `paths` into documents; unusable files are skipped with a warning."""
    files, warnings = iter_text_files(paths)
    documents: list[Document] = []
    seen: set[str] = set()
    for path in files:
        try:
            text, encoding = read_text_file(path, max_file_bytes)
        except UnreadableFile as exc:
            warnings.append(f"skipped {exc}")
            continue
        if encoding not in ("utf-8",):
            warnings.append(f"decoded {path} as {encoding.upper()}")
        docs = documents_from_text(text, str(path))
        if not docs:
            warnings.append(f"skipped {path}: no text in it")
        for doc in docs:
            if doc.id not in seen:
                seen.add(doc.id)
                documents.append(doc)
    return LoadedCorpus(documents, warnings)


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def _title_and_body(text: str, fallback: str) -> tuple[str, str]:
    """First Markdown heading or short first line as title; paragraphs with broken CJK lines rejoined."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title = fallback
    for line in lines:
        if not line.strip():
            continue
        if m := _HEADING.match(line):
            title = m.group(1).strip()
        elif len(line.strip()) <= 60:
            title = clean_line(line)
        break
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines + [""]:
        stripped = line.strip()
        if not stripped:
            if current:
                paragraphs.append(_join_lines(current))
                current = []
            continue
        current.append(stripped)
    return title, "\n".join(paragraphs)


def _join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph: no space between CJK text, a space between Latin words."""
    out = lines[0]
    for line in lines[1:]:
        if line.startswith(("#", "-", "*", ">")) or re.match(r"^\d+[.)、]", line):
            out += "\n" + line
        elif out[-1:].isascii() and line[:1].isascii():
            out += " " + line
        else:
            out += line
    return clean_line(out) if "\n" not in out else out
