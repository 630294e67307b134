"""A loaded index (`SearchIndex`: documents, chunks, dense + lexical indexes, manifest) and its files on disk.

Layout: `<index>/CURRENT` names the live build folder `<index>/builds/<id>/`, which holds `manifest.json`,
`documents.jsonl`, `chunks.jsonl`, the dense index (`dense.faiss` or `dense.npy`), `dense_owner.npy` (vector row →
chunk row, `rag.index.layout`) and `bm25/`. Every file's SHA-256 is in the manifest and is checked on load.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexCorrupt, IndexMissing, IndexStale
from rag.text import squash
from rag.types import Chunk, Document

from .faiss_dense import FaissDenseIndex
from .layout import chunk_texts
from .lexical import BM25Index
from .numpy_dense import NumpyDenseIndex
from .protocols import DenseIndex, LexicalIndex

FORMAT_VERSION = 1
DENSE_CLASSES: dict[str, type[FaissDenseIndex] | type[NumpyDenseIndex]] = {
    "faiss": FaissDenseIndex,
    "numpy": NumpyDenseIndex,
}
MAX_DF_TEXTS = 20000  # document frequencies for answer scoring are taken over at most this many chunks


@dataclass
class SearchIndex:
    """A loaded index: documents, chunks (row i), the dense index and its owner map, BM25 and the manifest.

    It is the `ChunkStore` the retriever and the answerer read; the look-ups they repeat are cached on it, so a
    rebuilt index never serves another index's entries."""

    documents: dict[str, Document]
    chunks: list[Chunk]
    dense: DenseIndex
    dense_owner: np.ndarray  # dense row → chunk row
    bm25: LexicalIndex
    manifest: dict[str, Any]
    path: Path
    _rows: dict[str, int] | None = field(default=None, init=False, repr=False)
    _df_texts: list[str] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def model_name(self) -> str:
        return str((self.manifest.get("model") or {}).get("name", ""))

    def document_of(self, chunk: Chunk) -> Document:
        return self.documents[chunk.doc_id]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [c for c in self.chunks if c.doc_id == doc_id]

    def row_of(self, chunk_id: str) -> int | None:
        """The row of a chunk in `chunks`."""
        with self._lock:
            if self._rows is None:
                self._rows = {c.id: i for i, c in enumerate(self.chunks)}
            return self._rows.get(chunk_id)

    def next_chunk(self, chunk: Chunk) -> Chunk | None:
        """The passage after `chunk` in the same document, if any."""
        row = self.row_of(chunk.id)
        if row is None or row + 1 >= len(self.chunks) or self.chunks[row + 1].doc_id != chunk.doc_id:
            return None
        return self.chunks[row + 1]

    def df_texts(self) -> list[str]:
        """Lower-cased, whitespace-free chunk texts with headers, for document frequencies (sampled when huge)."""
        with self._lock:
            if self._df_texts is None:
                chunks = list(self.chunks)
                if len(chunks) > MAX_DF_TEXTS:
                    step = len(chunks) / MAX_DF_TEXTS
                    chunks = [chunks[int(i * step)] for i in range(MAX_DF_TEXTS)]
                self._df_texts = [squash(f"{c.header}\n{c.text}").lower() for c in chunks]
            return self._df_texts

    def sentence_vectors(self, chunk: Chunk) -> dict[str, np.ndarray]:
        """The sentence vectors the dense index holds for `chunk`, by sentence text (empty when it holds none)."""
        row = self.row_of(chunk.id)
        owner = self.dense_owner
        if row is None:
            return {}
        lo, hi = int(np.searchsorted(owner, row, "left")), int(np.searchsorted(owner, row, "right"))
        texts = chunk_texts(chunk)
        if hi - lo != len(texts) or len(texts) < 2:
            return {}
        vectors = self.dense.reconstruct(lo, hi - lo)
        return {t: np.asarray(v, dtype=np.float32) for t, v in zip(texts[1:], vectors[1:])}


# ---------------------------------------------------------------- files


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(tmp, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _jsonl(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def write_files(folder: Path, index: SearchIndex) -> dict[str, str]:
    """Write a build's data files into `folder`; returns their SHA-256 checksums by relative path."""
    (folder / "documents.jsonl").write_text(
        _jsonl({"meta": d.meta(), "text": d.text} for d in index.documents.values()), encoding="utf-8"
    )
    (folder / "chunks.jsonl").write_text(
        _jsonl(
            {"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end, "header": c.header, "text": c.text}
            for c in index.chunks
        ),
        encoding="utf-8",
    )
    index.dense.save(folder)
    np.save(folder / "dense_owner.npy", index.dense_owner, allow_pickle=False)
    index.bm25.save(folder / BM25Index.FOLDER)
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- load


def current_build(root: Path) -> Path:
    """The live build folder named by `<root>/CURRENT`."""
    pointer = Path(root) / "CURRENT"
    if not pointer.exists():
        raise IndexMissing(f"there is no index in {root} yet; run `rag index` to build it")
    name = pointer.read_text(encoding="utf-8").strip()
    folder = Path(root) / "builds" / name
    if not name or not folder.is_dir():
        raise IndexCorrupt(f"the index in {root} points to a missing build ({name!r}); run `rag index` to rebuild it")
    return folder


def read_manifest(root: Path) -> dict[str, Any]:
    folder = current_build(root)
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexCorrupt(f"the index manifest in {folder} is unreadable; run `rag index` to rebuild it") from None


def _verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != digest:
            raise IndexCorrupt(f"index file {name} is missing or damaged; run `rag index` to rebuild it")


def _read(folder: Path, manifest: dict[str, Any]) -> SearchIndex:
    documents = {}
    for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        doc = Document.from_meta(row["meta"], row["text"])
        documents[doc.id] = doc
    chunks = [
        Chunk(r["doc_id"], r["text"], r["start"], r["end"], r.get("header", ""), r["id"])
        for r in map(json.loads, (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines())
    ]
    dense = DENSE_CLASSES[manifest.get("dense_backend", "faiss")].load(folder)
    dense.factory = (manifest.get("faiss_index") or {}).get("factory", dense.factory)
    owner = np.load(folder / "dense_owner.npy", allow_pickle=False)
    bm25 = BM25Index.load(folder / BM25Index.FOLDER)
    return SearchIndex(documents, chunks, dense, owner, bm25, manifest, folder)


def _check_consistent(index: SearchIndex) -> None:
    counts, owner, folder = index.manifest.get("counts", {}), index.dense_owner, index.path
    consistent = (
        len(index.chunks) == index.bm25.size == counts.get("chunks")
        and index.dense.size == len(owner) == counts.get("vectors")
        and len(index.documents) == counts.get("documents")
        and (len(owner) == 0 or (0 <= owner.min() and owner.max() < len(index.chunks)))
    )
    if not consistent:
        raise IndexCorrupt(
            f"the index in {folder} is inconsistent ({len(index.chunks)} chunks, {index.dense.size} vectors, "
            f"{index.bm25.size} BM25 rows); run `rag index` to rebuild it"
        )
    if any(c.doc_id not in index.documents for c in index.chunks):
        raise IndexCorrupt(f"the index in {folder} has chunks without documents; run `rag index` to rebuild it")


def load_index(root: Path, verify: bool = True) -> SearchIndex:
    """Load the live build; with `verify`, check every file against the manifest's checksums and counts."""
    folder = current_build(root)
    manifest = read_manifest(root)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStale(
            f"the index was written in format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}; run `rag index` to rebuild it"
        )
    if verify:
        _verify_files(folder, manifest)
    try:
        index = _read(folder, manifest)
    except Exception as exc:  # any parse failure means a damaged index
        raise IndexCorrupt(f"the index in {folder} could not be read ({type(exc).__name__}); run `rag index`") from None
    _check_consistent(index)
    return index
