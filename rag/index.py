"""The index folder: build, save atomically, verify and load (FAISS + BM25 + chunk store + manifest).

Layout: `<index>/CURRENT` names the live build folder `<index>/builds/<id>/`, which holds
`manifest.json`, `documents.jsonl`, `chunks.jsonl`, `dense.faiss`, `dense_owner.npy` and `bm25/`.
The dense index is multi-vector: one vector per chunk (with its header) and, up to 200k chunks
(`rag.ann.keep_sentence_vectors`), one per sentence of the chunk; `dense_owner.npy` maps every FAISS
row to its chunk row. The FAISS index type is chosen by size (`rag.ann.choose_factory`). A build is
written in full to a fresh folder, then CURRENT is replaced atomically; a crash leaves the
previous build live.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .ann import build_dense, choose_factory, keep_sentence_vectors, tune_for_search
from .ann import describe as describe_search
from .chunking import chunk_documents
from .config import Settings
from .corpus import load_corpus
from .embedding import Embedder, EmbeddingCache, embed_passages_cached
from .lexical import BM25Index
from .lock import IndexLock
from .text import split_sentences
from .types import Chunk, Document

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
Progress = Callable[[str, float], None]


class IndexProblem(RuntimeError):
    """Base for index problems; the message is one sentence a person can act on."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexStale(IndexProblem):
    pass


class BuildReport(NamedTuple):
    """What a build did: counts, how many chunks were embedded, seconds per stage, warnings."""

    documents: int
    chunks: int
    embedded: int
    stages: dict[str, float]
    warnings: list[str]


@dataclass
class SearchIndex:
    """A loaded index: documents, chunks (row i = FAISS id i), the FAISS and BM25 indexes, the manifest."""

    documents: dict[str, Document]
    chunks: list[Chunk]
    faiss_index: Any
    dense_owner: np.ndarray  # FAISS row → chunk row
    bm25: BM25Index
    manifest: dict[str, Any]
    path: Path

    def document_of(self, chunk: Chunk) -> Document:
        return self.documents[chunk.doc_id]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [c for c in self.chunks if c.doc_id == doc_id]


# ---------------------------------------------------------------- hashing and manifest


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def corpus_fingerprint(paths: Iterable[Path]) -> dict[str, Any]:
    """Hash of the input files (name and content, not location) and the list of sources."""
    from .corpus import iter_text_files

    files, _ = iter_text_files([Path(p) for p in paths])
    entries = sorted((f.name, _sha256_file(f)) for f in files)
    digest = hashlib.sha256(json.dumps(entries).encode()).hexdigest()
    return {"hash": digest, "files": [{"name": n, "sha256": s} for n, s in entries]}


def package_versions() -> dict[str, str]:
    versions = {}
    for name in ("faiss-cpu", "bm25s", "jieba", "sentence-transformers", "torch", "langchain-text-splitters", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def pipeline_fingerprint() -> str:
    """Hash of the code that turns files into passages: a parser or chunker change makes old indexes stale."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("magazine.py", "corpus.py", "chunking.py", "text.py", "lexical.py", "index.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def expected_settings(settings: Settings, embedder_name: str | None = None) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "pipeline": pipeline_fingerprint(),
        "model": embedder_name or settings.model,
        "chunking": settings.chunking.to_json(),
        "faiss_factory": settings.faiss_factory,
    }


def stale_reason(manifest: dict[str, Any], settings: Settings, sources: list[Path] | None = None) -> str | None:
    """Why an index no longer matches the settings or corpus, or None when it is up to date."""
    want = expected_settings(settings)
    if manifest.get("format_version") != FORMAT_VERSION:
        return f"it was written in index format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}"
    if manifest["model"]["name"] != want["model"]:
        return f"the embedding model changed ({manifest['model']['name']} → {want['model']})"
    if manifest["chunking"] != want["chunking"]:
        old, new = manifest["chunking"], want["chunking"]
        return (
            f"the chunking changed (size/overlap {old.get('chunk_size')}/{old.get('chunk_overlap')} → "
            f"{new['chunk_size']}/{new['chunk_overlap']})"
        )
    if manifest.get("pipeline") != want["pipeline"]:
        return "the parsing or chunking code changed since the last build"
    if manifest.get("faiss_factory") != want["faiss_factory"]:
        return f"the FAISS index type changed ({manifest.get('faiss_factory')} → {want['faiss_factory']})"
    if sources is not None:
        current = corpus_fingerprint(sources)
        if current["hash"] != manifest["corpus"]["hash"]:
            return "the corpus files changed since the last build"
    return None


# ---------------------------------------------------------------- atomic files


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


# ---------------------------------------------------------------- build

MIN_SENTENCE_CHARS = 4


def dense_texts(chunks: list[Chunk], sentences: bool = True) -> tuple[list[str], np.ndarray]:
    """The texts embedded for the dense index and the chunk row each belongs to.

    Each chunk contributes its header-carrying text and (with `sentences`) each of its sentences
    on their own: a question usually matches one sentence, and a whole-chunk vector blurs it
    (measured in the README's chunking notes). A chunk's score is the best of its vectors.
    """
    texts: list[str] = []
    owner: list[int] = []
    for row, chunk in enumerate(chunks):
        texts.append(chunk.indexed_text)
        owner.append(row)
        spans = split_sentences(chunk.text)
        if not sentences or len(spans) < 2:
            continue
        for start, end in spans:
            sentence = chunk.text[start:end].strip()
            if len(sentence) >= MIN_SENTENCE_CHARS:
                texts.append(sentence)
                owner.append(row)
    return texts, np.asarray(owner, dtype=np.int64)


def build_index(
    sources: list[Path],
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
    documents: list[Document] | None = None,
) -> tuple[SearchIndex, BuildReport]:
    """Parse, chunk, embed (cache first) and index `sources`; switch the live index only when all is written."""
    progress = progress or (lambda stage, frac: None)
    stages: dict[str, float] = {}
    root = settings.index_path
    root.mkdir(parents=True, exist_ok=True)
    with IndexLock(root):
        t0 = time.perf_counter()
        warnings: list[str] = []
        if documents is None:
            loaded = load_corpus(sources, settings.max_file_bytes)
            documents, warnings = loaded.documents, loaded.warnings
        if not documents:
            why = f" ({'; '.join(warnings)})" if warnings else ""
            raise IndexProblem("no readable text was found in " + ", ".join(str(s) for s in sources) + why)
        stages["parse"] = time.perf_counter() - t0
        progress("parse", 1.0)

        t0 = time.perf_counter()
        chunks = chunk_documents(documents, settings.chunking)
        stages["chunk"] = time.perf_counter() - t0
        progress("chunk", 1.0)

        t0 = time.perf_counter()
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite", embedder.name, embedder.dimension)
        try:
            sentence_vectors = keep_sentence_vectors(len(chunks))
            texts, owner = dense_texts(chunks, sentences=sentence_vectors)
            vectors, embedded = embed_passages_cached(embedder, texts, cache, show_progress=_interactive())
        finally:
            cache.close()
        stages["embed"] = time.perf_counter() - t0
        progress("embed", 1.0)

        t0 = time.perf_counter()
        factory = settings.faiss_factory
        if factory == "auto":
            factory = choose_factory(len(vectors), embedder.dimension)
        dense = build_dense(vectors, factory)
        stages["faiss"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        bm25 = BM25Index.build([c.indexed_text for c in chunks])
        stages["bm25"] = time.perf_counter() - t0
        progress("index", 1.0)

        t0 = time.perf_counter()
        build_dir = root / "builds" / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp_dir = build_dir.with_name(build_dir.name + ".partial")
        tmp_dir.mkdir(parents=True)
        try:
            files = _write_files(tmp_dir, documents, chunks, dense, owner, bm25)
            stages["save"] = time.perf_counter() - t0
            manifest = expected_settings(settings, embedder.name) | {
                "model": {"name": embedder.name, "dimension": embedder.dimension},
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "sources": [str(Path(s).resolve()) for s in sources],
                "corpus": corpus_fingerprint(sources),
                "counts": {"documents": len(documents), "chunks": len(chunks), "vectors": int(dense.ntotal)},
                "dense_vectors": (
                    f"chunk (with header) + each sentence of at least {MIN_SENTENCE_CHARS} characters"
                    if sentence_vectors
                    else "one per chunk (with header): sentence vectors are dropped at this corpus size"
                ),
                "faiss_index": {"factory": factory, "search": describe_search(dense)},
                "embedded": embedded,
                "stages": {k: round(v, 4) for k, v in stages.items()},
                "build_seconds": round(sum(stages.values()), 3),
                "files": files,
                "versions": package_versions(),
            }
            write_atomic(tmp_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            os.replace(tmp_dir, build_dir)
            write_atomic(root / "CURRENT", build_dir.name)
        except BaseException:  # a failed or interrupted save leaves no half-written build behind
            shutil.rmtree(tmp_dir, ignore_errors=True)
            if not (root / "CURRENT").is_file() or (root / "CURRENT").read_text().strip() != build_dir.name:
                shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _remove_old_builds(root, keep=build_dir.name)
        progress("save", 1.0)
    index = SearchIndex({d.id: d for d in documents}, chunks, dense, owner, bm25, manifest, build_dir)
    return index, BuildReport(len(documents), len(chunks), embedded, stages, warnings)


def _write_files(
    folder: Path, documents: list[Document], chunks: list[Chunk], dense: Any, owner: np.ndarray, bm25: BM25Index
) -> dict[str, str]:
    """Write a build's data files into `folder`; returns their SHA-256 checksums by relative path."""
    import faiss

    (folder / "documents.jsonl").write_text(
        _jsonl({"meta": d.meta(), "text": d.text} for d in documents), encoding="utf-8"
    )
    (folder / "chunks.jsonl").write_text(
        _jsonl(
            {"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end, "header": c.header, "text": c.text}
            for c in chunks
        ),
        encoding="utf-8",
    )
    faiss.write_index(dense, str(folder / "dense.faiss"))
    np.save(folder / "dense_owner.npy", owner, allow_pickle=False)
    bm25.save(folder / "bm25")
    return {str(p.relative_to(folder)): _sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _interactive() -> bool:
    import sys

    return sys.stderr.isatty()


def _remove_old_builds(root: Path, keep: str) -> None:
    for folder in (root / "builds").iterdir():
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- load


def current_build(root: Path) -> Path:
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


def load_index(root: Path, verify: bool = True) -> SearchIndex:
    """Load the live build; with `verify`, check every file against the manifest's checksums and counts."""
    import faiss

    folder = current_build(root)
    manifest = read_manifest(root)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStale(
            f"the index was written in format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}; run `rag index` to rebuild it"
        )
    if verify:
        for name, digest in manifest.get("files", {}).items():
            path = folder / name
            if not path.is_file() or _sha256_file(path) != digest:
                raise IndexCorrupt(f"index file {name} is missing or damaged; run `rag index` to rebuild it")
    try:
        documents = {}
        for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            doc = Document.from_meta(row["meta"], row["text"])
            documents[doc.id] = doc
        chunks = [
            Chunk(r["doc_id"], r["text"], r["start"], r["end"], r.get("header", ""), r["id"])
            for r in map(json.loads, (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines())
        ]
        dense = tune_for_search(faiss.read_index(str(folder / "dense.faiss")))
        owner = np.load(folder / "dense_owner.npy", allow_pickle=False)
        bm25 = BM25Index.load(folder / "bm25")
    except Exception as exc:  # any parse failure means a damaged index
        raise IndexCorrupt(f"the index in {folder} could not be read ({type(exc).__name__}); run `rag index`") from None
    counts = manifest.get("counts", {})
    consistent = (
        len(chunks) == bm25.size == counts.get("chunks")
        and dense.ntotal == len(owner) == counts.get("vectors")
        and len(documents) == counts.get("documents")
        and (len(owner) == 0 or (0 <= owner.min() and owner.max() < len(chunks)))
    )
    if not consistent:
        raise IndexCorrupt(
            f"the index in {folder} is inconsistent ({len(chunks)} chunks, {dense.ntotal} vectors, "
            f"{bm25.size} BM25 rows); run `rag index` to rebuild it"
        )
    if any(c.doc_id not in documents for c in chunks):
        raise IndexCorrupt(f"the index in {folder} has chunks without documents; run `rag index` to rebuild it")
    return SearchIndex(documents, chunks, dense, owner, bm25, manifest, folder)


def open_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    sources: list[Path] | None = None,
    progress: Progress | None = None,
) -> tuple[SearchIndex, str | None]:
    """Load the index, building or rebuilding it when missing, damaged or stale.

    Returns the index and the reason it was (re)built, or None when it was loaded as is.
    `sources` defaults to the sources recorded in the manifest, else the bundled corpus.
    """
    from .config import DEFAULT_CORPUS

    recorded: list[Path] = []
    try:
        manifest = read_manifest(settings.index_path)
        recorded = [Path(s) for s in manifest.get("sources", []) if Path(s).exists()]
        reason = stale_reason(manifest, settings, sources or recorded or None)
        if reason is None:
            return load_index(settings.index_path), None
    except IndexMissing:
        reason = "no index existed yet"
    except (IndexCorrupt, IndexStale) as exc:
        reason = str(exc).split(";")[0]
    except (KeyError, TypeError, AttributeError):  # a manifest that parses but lacks fields
        reason = "the index manifest is incomplete"
    use = sources or recorded or [DEFAULT_CORPUS]
    index, _ = build_index(use, settings, embedder_factory(), progress)
    return index, reason

