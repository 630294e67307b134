"""Uploaded files: sanitised names inside one data folder, never anywhere else."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from pathlib import Path

TEXT_TYPES = (".txt", ".md", ".markdown")
UPLOAD_FOLDER = "uploads"
_UNSAFE = re.compile(r"[^\w\-]+")  # \w keeps letters of any script (Chinese names stay readable)


class UploadRejected(ValueError):
    """An uploaded file that cannot be stored; the message says why in one sentence."""


def uploads_dir(home: Path) -> Path:
    return Path(home) / UPLOAD_FOLDER


def safe_filename(name: str, allowed: tuple[str, ...] = TEXT_TYPES) -> str:
    """The base name of `name` reduced to letters, digits, `_` and `-`, with an allowed lower-case suffix."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = "." + suffix.lower() if suffix else ""
    if suffix not in allowed:
        raise UploadRejected(f"{base or 'the file'} is not one of {', '.join(allowed)}; upload text files only")
    stem = _UNSAFE.sub("_", stem).strip("_-")[:80] or "upload"
    return stem + suffix


def save_upload(folder: Path, name: str, data: bytes, max_bytes: int, allowed: tuple[str, ...] = TEXT_TYPES) -> Path:
    """Write `data` as `folder/safe_filename(name)` (atomically); refuse empty or oversized files."""
    if not data.strip():
        raise UploadRejected(f"{safe_filename(name, allowed)} is empty")
    if len(data) > max_bytes:
        raise UploadRejected(f"{safe_filename(name, allowed)} is over the {max_bytes / 1e6:.0f} MB limit per file")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_filename(name, allowed)
    if target.resolve().parent != folder.resolve():  # cannot happen after sanitising; checked anyway
        raise UploadRejected("the file name points outside the data folder")
    tmp = folder / f".{uuid.uuid4().hex}.part"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def stored_files(folder: Path, allowed: tuple[str, ...] = TEXT_TYPES) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in allowed)
