"""Building the index: parse, chunk, embed (cache first), index, save to a fresh folder, switch atomically.

`open_index` loads the live build and rebuilds it when it is missing, damaged or stale; `stale_reason` says why
an index no longer matches the settings or the corpus. A build is written in full to `builds/<id>.partial/`,
renamed, and only then made live by replacing `CURRENT`, so a crash leaves the previous build live.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from rag.chunking import chunk_documents
from rag.embedding import (
    Embedder,
    EmbeddingCache,
    SpanEmbedder,
    bundled_seed_path,
    embed_passages_cached,
    embed_with_spans_cached,
    read_seed,
)
from rag.errors import IndexCorrupt, IndexMissing, IndexProblem, IndexStale
from rag.ingest import bundled_corpus, iter_text_files, load_corpus
from rag.types import Chunk, Document

from .layout import MIN_SENTENCE_CHARS, dense_texts, keep_sentence_vectors, sentence_spans
from .lexical import BM25Index
from .lock import IndexLock
from .progress import ProgressCallback, ProgressTracker
from .settings import IndexSettings
from .store import DENSE_CLASSES, FORMAT_VERSION, SearchIndex, load_index, read_manifest, sha256_file, write_atomic
from .store import write_files as write_index_files

Progress = ProgressCallback  # called with a `BuildProgress` record after each stage and each embedding batch

#: The code that turns files into passages and index files: a change makes old indexes stale.
PIPELINE_SOURCES = ("ingest", "chunking", "text", "index/lexical.py", "index/layout.py", "index/build.py")


class BuildReport(NamedTuple):
    """What a build did: counts, how many texts were embedded, seconds per stage, warnings."""

    documents: int
    chunks: int
    embedded: int
    stages: dict[str, float]
    warnings: list[str]


# ---------------------------------------------------------------- fingerprints


def corpus_fingerprint(paths: Iterable[Path]) -> dict[str, Any]:
    """Hash of the input files (name and content, not location) and the list of sources."""
    files, _ = iter_text_files([Path(p) for p in paths])
    entries = sorted((f.name, sha256_file(f)) for f in files)
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
    """Hash of the code that turns files into passages (`PIPELINE_SOURCES`)."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in PIPELINE_SOURCES:
        target = package / name
        for path in sorted(target.rglob("*.py")) if target.is_dir() else [target]:
            h.update(path.relative_to(package).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def expected_settings(settings: IndexSettings, embedder_name: str | None = None) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "pipeline": pipeline_fingerprint(),
        "model": embedder_name or settings.model,
        "chunking": settings.chunking.to_json(),
        "faiss_factory": settings.faiss_factory,
        "dense_backend": settings.dense_backend,
        "sentence_vectors": settings.sentence_vectors,
    }


def stale_reason(manifest: dict[str, Any], settings: IndexSettings, sources: list[Path] | None = None) -> str | None:
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
    if manifest.get("dense_backend", "faiss") != want["dense_backend"]:
        return f"the dense backend changed ({manifest.get('dense_backend', 'faiss')} → {want['dense_backend']})"
    if (old := manifest.get("sentence_vectors", "separate")) != want["sentence_vectors"]:
        return f"the sentence vectors changed ({old} → {want['sentence_vectors']})"
    if sources is not None:
        current = corpus_fingerprint(sources)
        if current["hash"] != manifest["corpus"]["hash"]:
            return "the corpus files changed since the last build"
    return None


# ---------------------------------------------------------------- build


def _timed(stages: dict[str, float], name: str, started: float) -> None:
    stages[name] = time.perf_counter() - started


def pools_sentences(settings: IndexSettings, embedder: Embedder, n_chunks: int) -> bool:
    """Whether this build takes sentence vectors from each chunk's own pass (the embedder can, the settings ask)."""
    return (
        settings.sentence_vectors == "pooled" and keep_sentence_vectors(n_chunks) and isinstance(embedder, SpanEmbedder)
    )


def prime_cache(cache: EmbeddingCache, settings: IndexSettings) -> None:
    """Give `cache` the bundled issue's seed vectors, unless the settings turn seeding off."""
    if settings.seed_vectors:
        cache.prime(read_seed(bundled_seed_path()))


def _embed(
    chunks: list[Chunk], settings: IndexSettings, embedder: Embedder, track: ProgressTracker
) -> tuple[np.ndarray, np.ndarray, int]:
    """Vectors for the dense layout of `chunks` (cache first): (vectors, owner rows, number of texts embedded now)."""
    with EmbeddingCache(settings.embedding_cache, embedder.name, embedder.dimension) as cache:
        prime_cache(cache, settings)
        if pools_sentences(settings, embedder, len(chunks)):
            rows, embedded = embed_with_spans_cached(
                embedder,  # type: ignore[arg-type]  (pools_sentences checked it is a SpanEmbedder)
                [c.indexed_text for c in chunks],
                [sentence_spans(c) for c in chunks],
                cache,
                lambda done, total, work: track("embed", done, total, "passages", work),
            )
            owner = np.repeat(np.arange(len(chunks), dtype=np.int64), [len(r) for r in rows])
            vectors = np.concatenate(rows) if rows else np.zeros((0, embedder.dimension), np.float32)
            return np.ascontiguousarray(vectors, dtype=np.float32), owner, embedded
        texts, owner = dense_texts(chunks, sentences=keep_sentence_vectors(len(chunks)))
        vectors, embedded = embed_passages_cached(
            embedder, texts, cache, lambda done, total, work: track("embed", done, total, "texts", work)
        )
    return vectors, owner, embedded


def _manifest(  # noqa: PLR0913  (the facts a manifest records)
    index: SearchIndex,
    settings: IndexSettings,
    sources: list[Path],
    embedded: int,
    stages: dict[str, float],
    pooled: bool,
) -> dict[str, Any]:
    dense = index.dense
    sentence_vectors = keep_sentence_vectors(len(index.chunks))
    how = "mean-pooled from the chunk's own pass" if pooled else "each embedded on its own"
    return expected_settings(settings, index.manifest["model"]["name"]) | {
        "model": index.manifest["model"],
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sources": [str(Path(s).resolve()) for s in sources],
        "corpus": corpus_fingerprint(sources),
        "counts": {"documents": len(index.documents), "chunks": len(index.chunks), "vectors": dense.size},
        "dense_vectors": (
            f"chunk (with header) + each sentence of at least {MIN_SENTENCE_CHARS} characters, {how}"
            if sentence_vectors
            else "one per chunk (with header): sentence vectors are dropped at this corpus size"
        ),
        "faiss_index": {"factory": dense.factory, "search": dense.describe()},
        "embedded": embedded,
        "stages": {k: round(v, 4) for k, v in stages.items()},
        "build_seconds": round(sum(stages.values()), 3),
    }


def _save(index: SearchIndex, root: Path, manifest: dict[str, Any]) -> Path:
    """Write the build to a fresh folder and make it live; a failed or interrupted save leaves nothing behind."""
    build_dir = root / "builds" / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp_dir = build_dir.with_name(build_dir.name + ".partial")
    tmp_dir.mkdir(parents=True)
    try:
        manifest["files"] = write_index_files(tmp_dir, index)
        manifest["versions"] = package_versions()
        write_atomic(tmp_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(tmp_dir, build_dir)
        write_atomic(root / "CURRENT", build_dir.name)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if not (root / "CURRENT").is_file() or (root / "CURRENT").read_text().strip() != build_dir.name:
            shutil.rmtree(build_dir, ignore_errors=True)
        raise
    for folder in (root / "builds").iterdir():
        if folder.name != build_dir.name:
            shutil.rmtree(folder, ignore_errors=True)
    return build_dir


def _parse(sources: list[Path], settings: IndexSettings) -> tuple[list[Document], list[str]]:
    loaded = load_corpus(sources, settings.max_file_bytes)
    if not loaded.documents:
        why = f" ({'; '.join(loaded.warnings)})" if loaded.warnings else ""
        raise IndexProblem("no readable text was found in " + ", ".join(str(s) for s in sources) + why)
    return loaded.documents, loaded.warnings


def build_index(
    sources: list[Path],
    settings: IndexSettings,
    embedder: Embedder,
    progress: Progress | None = None,
    documents: list[Document] | None = None,
) -> tuple[SearchIndex, BuildReport]:
    """Parse, chunk, embed (cache first) and index `sources`; switch the live index only when all is written.

    `progress` gets a `BuildProgress` at each stage and after each embedding batch (count, rate, time left)."""
    track = ProgressTracker(progress)
    stages: dict[str, float] = {}
    root = Path(settings.root)
    root.mkdir(parents=True, exist_ok=True)
    with IndexLock(root):
        t0 = time.perf_counter()
        track("parse")
        warnings: list[str] = []
        if documents is None:
            documents, warnings = _parse(sources, settings)
        _timed(stages, "parse", t0)
        t0 = time.perf_counter()
        track("chunk")
        chunks = chunk_documents(documents, settings.chunking)
        _timed(stages, "chunk", t0)
        t0 = time.perf_counter()
        vectors, owner, embedded = _embed(chunks, settings, embedder, track)
        _timed(stages, "embed", t0)
        track("index")
        index = _indexes(documents, chunks, (vectors, owner), settings, embedder, stages)
        t0 = time.perf_counter()
        track("save")
        pooled = pools_sentences(settings, embedder, len(chunks))
        manifest = _manifest(index, settings, sources, embedded, stages, pooled)
        index.path = _save(index, root, manifest)
        stages["save"] = time.perf_counter() - t0
        index.manifest = manifest
        track("done", len(chunks), len(chunks), "passages")
    return index, BuildReport(len(documents), len(chunks), embedded, stages, warnings)


def _indexes(
    documents: list[Document],
    chunks: list[Chunk],
    dense_rows: tuple[np.ndarray, np.ndarray],
    settings: IndexSettings,
    embedder: Embedder,
    stages: dict[str, float],
) -> SearchIndex:
    """The dense and BM25 indexes over the embedded chunks, as an unsaved `SearchIndex`."""
    vectors, owner = dense_rows
    t0 = time.perf_counter()
    dense = DENSE_CLASSES[settings.dense_backend].build(vectors, settings.faiss_factory)
    _timed(stages, "faiss", t0)
    t0 = time.perf_counter()
    bm25 = BM25Index.build([c.indexed_text for c in chunks])
    _timed(stages, "bm25", t0)
    model = {"name": embedder.name, "dimension": embedder.dimension}
    return SearchIndex({d.id: d for d in documents}, chunks, dense, owner, bm25, {"model": model}, settings.root)


def open_index(
    settings: IndexSettings,
    embedder_factory: Callable[[], Embedder],
    sources: list[Path] | None = None,
    progress: Progress | None = None,
) -> tuple[SearchIndex, str | None]:
    """Load the index, building or rebuilding it when missing, damaged or stale.

    Returns the index and the reason it was (re)built, or None when it was loaded as is.
    `sources` defaults to the sources recorded in the manifest, else the bundled corpus.
    """
    index, reason, recorded = _inspect(settings, sources)
    if index is not None:
        return index, None
    use = sources or recorded or [bundled_corpus()]
    index, _ = build_index(use, settings, embedder_factory(), progress)
    return index, reason


def check_index(settings: IndexSettings, sources: list[Path] | None = None) -> str | None:
    """Why the index must be (re)built for `sources`, or None when it is up to date and intact.

    An index that looks up to date is verified in full (checksums and counts): a damaged one is rebuilt, never kept.
    """
    return _inspect(settings, sources)[1]


def _inspect(settings: IndexSettings, sources: list[Path] | None) -> tuple[SearchIndex | None, str | None, list[Path]]:
    """(the verified index or None, why it must be rebuilt, the existing sources its manifest records)."""
    recorded: list[Path] = []
    try:
        manifest = read_manifest(settings.root)
        recorded = [Path(s) for s in manifest.get("sources", []) if Path(s).exists()]
        reason = stale_reason(manifest, settings, sources or recorded or None)
        if reason is None:
            return load_index(settings.root), None, recorded
    except (IndexMissing, IndexCorrupt, IndexStale) as exc:
        reason = str(exc).split(";")[0]
    except (KeyError, TypeError, AttributeError):  # a manifest that parses but lacks fields
        reason = "the index manifest is incomplete"
    return None, reason, recorded
