"""Promise 3 — index integrity: a truncated or corrupted FAISS/BM25/metadata file, a manifest from another
version or model, or chunks out of step with the vectors are detected on load (checksums and counts in the
manifest), reported in one sentence and repaired by `rag index` without re-embedding anything; a build killed
with SIGKILL at any stage never leaves a half-written index current, and its lock never blocks the next build."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import numpy as np
import pytest
from safety_support import (
    Builder,
    assert_intact,
    build_small_index,
    builds,
    rag,
    small_corpus,
    snapshot,
)

from rag.errors import IndexProblem
from rag.index import current_build, load_index


@pytest.fixture()
def built(tmp_path, monkeypatch, capsys):
    return build_small_index(tmp_path, monkeypatch, capsys)


def _manifest(build):
    return json.loads((build / "manifest.json").read_text(encoding="utf-8"))


def _save_manifest(build, manifest):
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _rehash(build, name):
    """Make the manifest's checksum agree with a changed file (so only the counts can catch the change)."""
    manifest = _manifest(build)
    manifest["files"][name] = hashlib.sha256((build / name).read_bytes()).hexdigest()
    _save_manifest(build, manifest)


def truncate(name):
    def fault(build):
        data = (build / name).read_bytes()
        (build / name).write_bytes(data[: len(data) // 3])

    return fault


def flip_a_byte(name):
    def fault(build):
        data = bytearray((build / name).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (build / name).write_bytes(bytes(data))

    return fault


def delete(name):
    return lambda build: (build / name).unlink()


def garbage(name):
    return lambda build: (build / name).write_text('{"not": "what was written"}\n', encoding="utf-8")


def manifest_from_format(version):
    def fault(build):
        _save_manifest(build, _manifest(build) | {"format_version": version})

    return fault


def manifest_from_model(name):
    def fault(build):
        _save_manifest(build, _manifest(build) | {"model": {"name": name, "dimension": 384}})

    return fault


def current_points_nowhere(build):
    (build.parent.parent / "CURRENT").write_text("20990101-000000-gone00", encoding="utf-8")


def chunks_out_of_step(build):
    lines = (build / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (build / "chunks.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
    _rehash(build, "chunks.jsonl")


def vectors_out_of_step(build):
    import faiss

    dense = faiss.read_index(str(build / "dense.faiss"))
    fewer = faiss.IndexFlatIP(dense.d)
    fewer.add(dense.reconstruct_n(0, dense.ntotal - 5))
    faiss.write_index(fewer, str(build / "dense.faiss"))
    _rehash(build, "dense.faiss")


def owner_points_past_the_chunks(build):
    owner = np.load(build / "dense_owner.npy")
    owner[-1] = 10_000
    np.save(build / "dense_owner.npy", owner, allow_pickle=False)
    _rehash(build, "dense_owner.npy")


# fault → what the one sentence says (on load, and as the reason `rag index` gives for rebuilding)
DAMAGE = {
    "FAISS file truncated": (truncate("dense.faiss"), "index file dense.faiss is missing or damaged"),
    "FAISS file with one byte flipped": (flip_a_byte("dense.faiss"), "index file dense.faiss is missing or damaged"),
    "BM25 matrix truncated": (truncate("bm25/data.csc.index.npy"), "index file bm25/data.csc.index.npy is missing"),
    "BM25 vocabulary deleted": (delete("bm25/vocab.index.json"), "index file bm25/vocab.index.json is missing"),
    "chunk metadata overwritten": (garbage("chunks.jsonl"), "index file chunks.jsonl is missing or damaged"),
    "document metadata truncated": (truncate("documents.jsonl"), "index file documents.jsonl is missing or damaged"),
    "vector owner map corrupted": (flip_a_byte("dense_owner.npy"), "index file dense_owner.npy is missing or damaged"),
    "manifest truncated": (truncate("manifest.json"), "manifest in"),
    "manifest from another format version": (manifest_from_format(99), "format 99"),
    "CURRENT points to a missing build": (current_points_nowhere, "points to a missing build"),
    "chunk file out of step with the vectors (checksum updated)": (chunks_out_of_step, "is inconsistent"),
    "fewer vectors than the manifest counts (checksum updated)": (vectors_out_of_step, "is inconsistent"),
    "vector owner map pointing past the chunks (checksum updated)": (owner_points_past_the_chunks, "inconsistent"),
}
STALE = {
    "manifest from another model": (
        manifest_from_model("someone/other-model"),
        "the embedding model changed (someone/other-model → fake-bigram)",
    ),
}


@pytest.mark.parametrize("fault, words", DAMAGE.values(), ids=DAMAGE.keys())
def test_damage_is_detected_on_load_and_reported_in_one_sentence(built, fault, words):
    root, _ = built
    fault(current_build(root))
    with pytest.raises(IndexProblem) as caught:
        load_index(root, verify=True)
    message = str(caught.value)
    assert words in message and "\n" not in message and message.endswith(("run `rag index`", "to rebuild it"))


@pytest.mark.parametrize("fault, words", [*DAMAGE.values(), *STALE.values()], ids=[*DAMAGE, *STALE])
def test_rag_index_repairs_a_damaged_or_stale_index_without_re_embedding(built, capsys, fault, words):
    root, corpus = built
    cache = root.parent / "embeddings.sqlite"
    vectors_before = _cached_vectors(cache)
    fault(current_build(root))
    code, out, err = rag(["index", corpus], capsys)
    assert code == 0, err
    first = err.splitlines()[0]
    assert first.startswith("rag: building the index because ") and words in first, err
    assert "(0 embedded" in out, "every vector came from the embedding cache"
    assert _cached_vectors(cache) == vectors_before
    load_index(root, verify=True)
    assert builds(root) == [(root / "CURRENT").read_text(encoding="utf-8")]


@pytest.mark.parametrize(
    "fault, words",
    [DAMAGE["FAISS file truncated"], DAMAGE["chunk metadata overwritten"], STALE["manifest from another model"]],
    ids=["faiss", "chunks", "model"],
)
def test_searching_a_damaged_or_stale_index_rebuilds_it_first_and_says_why(built, capsys, fault, words):
    root, _ = built
    fault(current_build(root))
    code, out, err = rag(["search", "工业软件出海", "--mode", "bm25", "-k", "1"], capsys)
    assert code == 0, err
    assert "\nrag: built the index (" in err and "rag: embedding" in err and words in err
    assert "[1] 《工业软件出海》" in out
    load_index(root, verify=True)


def _cached_vectors(path):
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]


# ---------------------------------------------------------------- kill -9 in the middle of a build

STAGES = {
    "embed": "vectors made, not yet cached or written",
    "save": "a half-written .partial build folder",
    "switch": "the new build complete, CURRENT not yet replaced",
}


@pytest.mark.parametrize("stage", STAGES, ids=STAGES.values())
def test_kill_9_mid_build_leaves_the_previous_index_current_and_the_next_build_succeeds(built, tmp_path, capsys, stage):
    root, corpus = built
    before = snapshot(root)
    small_corpus(corpus, files=5)
    builder = Builder(tmp_path, root.parent, corpus, stage)
    try:
        builder.wait_paused()
        builder.kill9()
    finally:
        builder.stop()
    assert builder.proc.returncode == -9

    assert_intact(root, before)  # the previous index is still the live one, byte for byte, and verifies
    leftovers = set(builds(root)) - {before["current"]}
    assert {"embed": set(), "save": {"partial"}, "switch": {"complete"}}[stage] == {
        "partial" if name.endswith(".partial") else "complete" for name in leftovers
    }
    assert (root / ".lock").read_text(encoding="utf-8") == str(builder.pid)  # the dead builder's lock file
    _cached_vectors(root.parent / "embeddings.sqlite")  # the embedding cache is a sound SQLite file

    code, out, err = rag(["index", corpus], capsys)  # the stale lock does not block the next build
    assert code == 0, err
    assert "indexed 5 documents" in out
    assert builds(root) == [(root / "CURRENT").read_text(encoding="utf-8")] != [before["current"]]
    load_index(root, verify=True)


def test_rag_index_repairs_a_manifest_that_parses_but_lacks_fields(built, capsys):
    root, corpus = built
    build = current_build(root)
    manifest = _manifest(build)
    del manifest["model"], manifest["chunking"]
    _save_manifest(build, manifest)
    code, out, err = rag(["index", corpus], capsys)
    assert code == 0 and "Traceback" not in err, err
    assert "indexed 3 documents" in out
    load_index(root, verify=True)
