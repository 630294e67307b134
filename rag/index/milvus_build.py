"""Building, checking and loading an index kept in Milvus (`RAG_BACKEND=milvus`).

A build is incremental: chunk ids are content hashes, so only chunks Milvus does not hold yet are embedded (cache
first) and written, and chunks no longer in the corpus are deleted; the manifest is written last. A change of
model, dimension, index type, vector layout, BM25 tokens (`RAG_MILVUS_LEXICAL`) or format drops the collections
and writes them afresh (the embedding cache makes that cheap). A reader loads documents and chunks once and
searches Milvus for every question.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import chunk_documents
from rag.embedding import Embedder, EmbeddingCache, embed_passages_cached
from rag.errors import IndexMissing, IndexProblem, IndexStale
from rag.ingest import bundled_corpus, load_corpus
from rag.text import search_tokens
from rag.types import Chunk, Document

from .build import BuildReport, Progress, corpus_fingerprint, package_versions, pipeline_fingerprint, prime_cache
from .layout import chunk_texts, keep_sentence_vectors
from .lock import IndexLock
from .milvus import ANALYSED, PLACEHOLDER, MilvusStore, text_parts
from .milvus_search import MilvusDense, MilvusLexical, RowMap
from .progress import ProgressTracker
from .settings import IndexSettings
from .store import FORMAT_VERSION, SearchIndex

#: What, when it changes, makes the collections be written afresh rather than updated.
LAYOUT_KEYS = ("format_version", "model", "index_type", "sentence_vectors", "lexical")


def connect(settings: IndexSettings) -> MilvusStore:
    if "://" not in settings.milvus_uri:
        Path(settings.milvus_uri).parent.mkdir(parents=True, exist_ok=True)
    return MilvusStore(settings.milvus, settings.milvus_uri)


def stale_reason(manifest: dict[str, Any], settings: IndexSettings, sources: list[Path] | None = None) -> str | None:
    """Why the Milvus index no longer matches the settings or corpus, or None when it is up to date."""
    if manifest.get("format_version") != FORMAT_VERSION:
        return f"it was written in index format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}"
    if manifest["model"]["name"] != settings.model:
        return f"the embedding model changed ({manifest['model']['name']} → {settings.model})"
    if manifest["chunking"] != settings.chunking.to_json():
        return "the chunking changed"
    if manifest.get("pipeline") != pipeline_fingerprint():
        return "the parsing or chunking code changed since the last build"
    if manifest.get("index_type") != settings.milvus.index_type:
        return f"the Milvus index type changed ({manifest.get('index_type')} → {settings.milvus.index_type})"
    if manifest.get("lexical") != settings.milvus.lexical:
        return f"the Milvus BM25 tokens changed ({manifest.get('lexical')} → {settings.milvus.lexical})"
    if sources is not None and corpus_fingerprint(sources)["hash"] != manifest["corpus"]["hash"]:
        return "the corpus files changed since the last build"
    return None


def load_milvus_index(settings: IndexSettings, model: str | None = None, dimension: int | None = None) -> SearchIndex:
    """Connect and load documents and chunks; one-sentence errors for a missing index, another model or dimension."""
    store = connect(settings)
    manifest = store.manifest()
    built = manifest["model"]
    if model is not None and built["name"] != model:
        raise IndexStale(f"the Milvus index was built with {built['name']}, not {model}; run `rag index` to rebuild it")
    if dimension is not None and built["dimension"] != dimension:
        raise IndexStale(
            f"the Milvus index holds {built['dimension']}-d vectors but the model makes {dimension}-d ones; "
            "run `rag index` to rebuild it"
        )
    documents = _read_documents(store)
    rows = sorted(
        store.rows("chunks", ["doc_id", "start", "end", "header", "text", "vectors"]),
        key=lambda r: (documents[r["doc_id"]][0] if r["doc_id"] in documents else 1 << 62, r["start"]),
    )
    chunks = [Chunk(r["doc_id"], r["text"], r["start"], r["end"], r["header"], r["id"]) for r in rows]
    if any(c.doc_id not in documents for c in chunks):
        raise IndexProblem(f"the Milvus index {store.prefix} is being rewritten; try again in a moment")
    row_map = RowMap(chunks, np.asarray([r["vectors"] for r in rows], dtype=np.int64))
    dense = MilvusDense(store, row_map, built["dimension"])
    docs = {doc.id: doc for _, doc in sorted(documents.values(), key=lambda pd: pd[0])}
    return SearchIndex(docs, chunks, dense, row_map.owner, MilvusLexical(store, row_map), manifest, settings.root)


def _read_documents(store: MilvusStore) -> dict[str, tuple[int, Document]]:
    parts: dict[str, list[tuple[int, str, str, str]]] = {}
    for r in store.rows("documents", ["doc_id", "pos", "meta", "text"]):
        parts.setdefault(r["doc_id"], []).append((r["pos"], r["id"], r["meta"], r["text"]))
    documents = {}
    for doc_id, got in parts.items():
        got.sort(key=lambda p: int(p[1].rpartition(":")[2]))
        documents[doc_id] = (got[0][0], Document.from_meta(json.loads(got[0][2]), "".join(p[3] for p in got)))
    return documents


# ---------------------------------------------------------------- build


def build_milvus_index(
    sources: list[Path],
    settings: IndexSettings,
    embedder: Embedder,
    progress: Progress | None = None,
    documents: list[Document] | None = None,
) -> tuple[SearchIndex, BuildReport]:
    """Bring the Milvus collections up to date with `sources` (or `documents`): write new chunks, delete gone ones."""
    track = ProgressTracker(progress)
    stages: dict[str, float] = {}
    Path(settings.root).mkdir(parents=True, exist_ok=True)
    with IndexLock(Path(settings.root)):
        t0 = time.perf_counter()
        warnings: list[str] = []
        if documents is None:
            loaded = load_corpus(sources, settings.max_file_bytes)
            if not loaded.documents:
                raise IndexProblem("no readable text was found in " + ", ".join(str(s) for s in sources))
            documents, warnings = loaded.documents, loaded.warnings
        chunks = chunk_documents(documents, settings.chunking)
        stages["parse"] = time.perf_counter() - t0
        track("parse")
        store = connect(settings)
        layout = {
            "format_version": FORMAT_VERSION,
            "model": {"name": embedder.name, "dimension": embedder.dimension},
            "index_type": settings.milvus.index_type,
            "sentence_vectors": keep_sentence_vectors(len(chunks)),
            "lexical": settings.milvus.lexical,
        }
        _prepare(store, layout)
        changes = _sync(store, documents, chunks, settings, embedder, stages, track)
        track("index")
        manifest = layout | {
            "pipeline": pipeline_fingerprint(),
            "chunking": settings.chunking.to_json(),
            "backend": "milvus",
            "milvus": {"uri": store.uri, "collection": store.prefix, "lexical": settings.milvus.lexical},
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sources": [str(Path(s).resolve()) for s in sources],
            "corpus": corpus_fingerprint(sources),
            "counts": {"documents": len(documents), "chunks": len(chunks), "vectors": changes.pop("vectors")},
            "changes": changes,
            "embedded": changes["embedded"],
            "faiss_index": {"factory": settings.milvus.index_type, "search": f"Milvus at {store.uri}"},
            "stages": {k: round(v, 4) for k, v in stages.items()},
            "build_seconds": round(sum(stages.values()), 3),
            "versions": package_versions(),
        }
        store.write_manifest(manifest)
        store.flush()
        track("save")
    index = load_milvus_index(settings)
    track("done", len(chunks), len(chunks), "passages")
    return index, BuildReport(len(documents), len(chunks), changes["embedded"], stages, warnings)


def _prepare(store: MilvusStore, layout: dict[str, Any]) -> None:
    """Create the collections, or drop and re-create them when their layout promises differ."""
    if store.exists():
        try:
            old = store.manifest()
        except (IndexMissing, ValueError):
            old = {}
        if all(old.get(k) == v for k, v in layout.items()):
            return
        store.drop()
    store.create(layout["model"]["dimension"])


def _sync(  # noqa: PLR0913  (the build's state is passed explicitly, not kept in an object)
    store: MilvusStore,
    documents: list[Document],
    chunks: list[Chunk],
    settings: IndexSettings,
    embedder: Embedder,
    stages: dict[str, float],
    track: ProgressTracker,
) -> dict[str, int]:
    t0 = time.perf_counter()
    sentences = keep_sentence_vectors(len(chunks))
    held = {r["id"] for r in store.rows("chunks", ["id"])}
    wanted = {c.id for c in chunks}
    new = [c for c in chunks if c.id not in held]
    texts = {c.id: chunk_texts(c, sentences) for c in chunks}
    flat = [t for c in new for t in texts[c.id]]
    with EmbeddingCache(settings.embedding_cache, embedder.name, embedder.dimension) as cache:
        prime_cache(cache, settings)
        vectors, embedded = embed_passages_cached(
            embedder, flat, cache, lambda done, total, work: track("embed", done, total, "texts", work)
        )
    stages["embed"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    clean = store.begin_write()
    # documents before their chunks, chunks before deletes: a reader loading meanwhile never sees a chunk without its
    # document
    gone_documents = _write_documents(store, documents)
    _write_chunks(store, new, texts, vectors, clean)
    gone = sorted(held - wanted)
    store.delete("chunks", "id", gone)
    store.delete("vectors", "chunk_id", gone)
    store.delete("documents", "doc_id", gone_documents)
    store.end_write()
    stages["write"] = time.perf_counter() - t0
    total = sum(len(texts[c.id]) for c in chunks)
    return {"written": len(new), "deleted": len(gone), "embedded": embedded, "vectors": total}


def chunk_row(chunk: Chunk, vectors: int, lexical: str, tokens: list[str] | None = None) -> dict[str, Any]:
    """The `chunks` row of `chunk`, which has `vectors` dense vectors, with the text field BM25 reads in the
    `lexical` mode's schema: its jieba `tokens` (`search_tokens` when not given) or its indexed text."""
    row = {
        "id": chunk.id,
        "doc_id": chunk.doc_id,
        "start": chunk.start,
        "end": chunk.end,
        "vectors": vectors,
        "header": chunk.header,
        "text": chunk.text,
    }
    if ANALYSED[lexical] == "tokens":
        row["tokens"] = " ".join(search_tokens(chunk.indexed_text) if tokens is None else tokens) or "\u2205"
    else:
        row["indexed"] = chunk.indexed_text
    return row


def vector_rows(chunk: Chunk, vectors: np.ndarray) -> list[dict[str, Any]]:
    """The `vectors` rows of `chunk`: its vectors in layout order, ids `<chunk id>:<j>`."""
    return [
        {"id": f"{chunk.id}:{j}", "chunk_id": chunk.id, "doc_id": chunk.doc_id, "vector": v}
        for j, v in enumerate(vectors)
    ]


def _write_chunks(
    store: MilvusStore, new: list[Chunk], texts: dict[str, list[str]], vectors: np.ndarray, clean: bool
) -> None:
    """Write the rows of the chunks Milvus does not hold: inserts, or upserts after a build that stopped part-way
    (`clean` False), which may have left vector rows of these chunks behind."""
    chunk_rows, dense_rows, at = [], [], 0
    for c in new:
        n = len(texts[c.id])
        chunk_rows.append(chunk_row(c, n, store.settings.lexical))
        dense_rows.extend(vector_rows(c, vectors[at : at + n]))
        at += n
    store.write("vectors", dense_rows, new=clean)  # vectors first: a chunk a reader can find always has its vectors
    store.write("chunks", chunk_rows, new=clean)


def _write_documents(store: MilvusStore, documents: list[Document]) -> list[str]:
    """Write documents that are new or moved; returns the ids of those no longer in the corpus."""
    held = {(r["doc_id"], r["pos"]) for r in store.rows("documents", ["doc_id", "pos"])}
    rows = []
    for pos, doc in enumerate(documents):
        if (doc.id, pos) in held:
            continue
        meta = json.dumps(doc.meta(), ensure_ascii=False)
        for i, part in enumerate(text_parts(doc.text)):
            rows.append({"id": f"{doc.id}:{i}", "doc_id": doc.id, "pos": pos, "meta": meta, "text": part})
    for row in rows:
        row["placeholder"] = PLACEHOLDER
    store.write("documents", rows)
    return sorted({d for d, _ in held} - {d.id for d in documents})


def open_milvus_index(
    settings: IndexSettings,
    embedder_factory: Callable[[], Embedder],
    sources: list[Path] | None = None,
    progress: Progress | None = None,
) -> tuple[SearchIndex, str | None]:
    """Load the Milvus index, building or updating it when missing or stale; returns it and why it was built."""
    index, reason, recorded = inspect_milvus(settings, sources)
    if index is not None:
        return index, None
    use = sources or recorded or [bundled_corpus()]
    index, _ = build_milvus_index(use, settings, embedder_factory(), progress)
    return index, reason


def inspect_milvus(settings: IndexSettings, sources: list[Path] | None) -> tuple[SearchIndex | None, str | None, list]:
    """(the loaded index or None, why it must be built, the existing sources its manifest records)."""
    recorded: list[Path] = []
    try:
        manifest = connect(settings).manifest()
        recorded = [Path(s) for s in manifest.get("sources", []) if Path(s).exists()]
        reason = stale_reason(manifest, settings, sources or recorded or None)
        if reason is None:
            return load_milvus_index(settings), None, recorded
    except (IndexMissing, IndexStale) as exc:
        reason = str(exc).split(";")[0]
    except (KeyError, TypeError, AttributeError, ValueError):
        reason = "the index manifest is incomplete"
    return None, reason, recorded
