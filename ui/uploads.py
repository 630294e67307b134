"""Uploaded files: sanitised names inside one data folder, never anywhere else."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import UploadRejected

TEXT_TYPES = (".txt", ".md", ".markdown")
UPLOAD_FOLDER = "uploads"
_UNSAFE = re.compile(r"[^\w\-]+")  # \w keeps letters of any script (Chinese names stay readable)


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


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n} bytes"


def check_upload(name: str, data: bytes, max_bytes: int, allowed: tuple[str, ...] = TEXT_TYPES) -> str:
    """The safe file name for an upload, or `UploadRejected` when it is of the wrong type, empty or too big."""
    safe = safe_filename(name, allowed)
    if not data.strip():
        raise UploadRejected(f"the file {safe} is empty")
    if len(data) > max_bytes:
        raise UploadRejected(f"the file {safe} is {_mb(len(data))}, over the {_mb(max_bytes)} limit per file")
    return safe


def _write(folder: Path, safe: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe
    if target.resolve().parent != folder.resolve():  # cannot happen after sanitising; checked anyway
        raise UploadRejected("the file name points outside the data folder")
    tmp = folder / f".{uuid.uuid4().hex}.part"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def save_upload(folder: Path, name: str, data: bytes, max_bytes: int, allowed: tuple[str, ...] = TEXT_TYPES) -> Path:
    """Write `data` as `folder/safe_filename(name)` (atomically); refuse empty or oversized files."""
    return _write(Path(folder), check_upload(name, data, max_bytes, allowed), data)


@dataclass
class SavedUploads:
    """The files one upload wrote: `paths` in upload order; `undo()` removes new files and restores replaced ones."""

    paths: list[Path] = field(default_factory=list)
    added: list[Path] = field(default_factory=list)
    replaced: dict[Path, bytes] = field(default_factory=dict)

    def undo(self) -> None:
        for path in self.added:
            path.unlink(missing_ok=True)
        for path, data in self.replaced.items():
            _write(path.parent, path.name, data)


def save_uploads(
    folder: Path,
    files: Sequence[tuple[str, bytes]],
    max_bytes: int,
    max_files: int,
    allowed: tuple[str, ...] = TEXT_TYPES,
) -> SavedUploads:
    """Check every file of one upload (count, type, size, emptiness) and write them only when all pass."""
    if len(files) > max_files:
        raise UploadRejected(f"{len(files)} files were uploaded at once; the limit is {max_files} files per upload")
    checked = [(check_upload(name, data, max_bytes, allowed), data) for name, data in files]
    folder = Path(folder)
    saved = SavedUploads()
    try:
        for safe, data in checked:
            target = folder / safe
            if target.is_file() and target not in saved.replaced and target not in saved.added:
                saved.replaced[target] = target.read_bytes()
            elif not target.exists():
                saved.added.append(target)
            saved.paths.append(_write(folder, safe, data))
    except BaseException:
        saved.undo()
        raise
    return saved


def stored_files(folder: Path, allowed: tuple[str, ...] = TEXT_TYPES) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in allowed)
