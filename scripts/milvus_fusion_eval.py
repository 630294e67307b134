"""Milvus's own hybrid fusion against the app's, on the development set (README, Running on Milvus).

    RAG_HOME=... python scripts/milvus_fusion_eval.py [--dataset rag/data/questions.jsonl]

Milvus's `hybrid_search` fuses fields of one collection, so it sees one vector per chunk, not the app's chunk and
sentence vectors. This writes the loaded index's chunks into a scratch Milvus Lite file with each chunk's own vector
on its row (the app's `chunks` schema with `chunk_vector`) and scores, on the answerable development questions:
the app's hybrid (weighted RRF, chunk + sentence vectors), the app's fusion over chunk vectors only (weighted and at
equal weights), and Milvus's `RRFRanker(60)` and `WeightedRanker(0.6, 1.0)` over the same chunk vectors and jieba
BM25. It also prints the top-10 overlap of Milvus's RRF with the app's equal-weight fusion (the same algorithm).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.engine import open_engine
from rag.evaluation import DEPTH, PassageSearch, development_set, evaluate_mode, load_dataset, retriever_search
from rag.index import MilvusSettings, MilvusStore, chunk_row
from rag.retrieval import RetrievalSettings, Retriever
from rag.text import tokenize


class ChunkVectorsOnly:
    """A dense index that searches only each chunk's own vector (the first row of its layout)."""

    def __init__(self, dense, owner: np.ndarray):
        self.inner = dense
        self.rows = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]).astype(np.int64)

    def search(self, queries, k, allowed=None):
        rows = self.rows if allowed is None else np.intersect1d(self.rows, allowed)
        return self.inner.search(queries, min(k, len(rows)), rows)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default=str(development_set()))
    args = parser.parse_args()
    engine = open_engine(Settings.from_env())
    index, embedder, base = engine.index, engine.embedder, engine.retriever
    questions = load_dataset(Path(args.dataset))
    chunk_only = dataclasses.replace(index, dense=ChunkVectorsOnly(index.dense, index.dense_owner))
    vocabulary = index.bm25.vocabulary
    documents = {c.id: index.document_of(c) for c in index.chunks}
    texts = {c.id: c.text for c in index.chunks}

    def meta(chunk_id: str) -> dict:
        return {"title": documents[chunk_id].title, "kind": documents[chunk_id].kind}

    with tempfile.TemporaryDirectory(prefix="wt13-fusion-") as folder:
        uri = str(Path(folder) / "fusion.db")
        store = MilvusStore(MilvusSettings(collection="fusion", lexical="jieba"), uri)
        store.create(embedder.dimension, chunk_vector=True)
        first = ChunkVectorsOnly(index.dense, index.dense_owner).rows
        vectors = np.stack([index.dense.reconstruct(int(r), 1)[0] for r in first])
        rows = [
            chunk_row(c, 1, "jieba", tokenize(c.indexed_text)) | {"vector": v} for c, v in zip(index.chunks, vectors)
        ]
        store.write("chunks", rows)
        for field in ("vector", "sparse_jieba"):
            store.wait_indexed("chunks", field)

        def milvus(weights: tuple[float, ...]) -> PassageSearch:
            def search(question: str, k: int):
                vector = embedder.encode_queries([question])[0].tolist()
                terms = " ".join(t for t in tokenize(base.lexical_query(question)) if t in vocabulary) or "\u2205"
                hits = store.hybrid(vector, terms, k, base.settings.candidates, weights)
                return [(i, texts[i], s, meta(i)) for i, s in hits]

            return PassageSearch(search, lambda: ((c.id, c.text) for c in index.chunks))

        equal = RetrievalSettings(dense_weight=1.0)
        runs = {
            "app hybrid: weighted RRF, chunk + sentence vectors": retriever_search(base, "hybrid"),
            "app weighted RRF, chunk vectors only": retriever_search(Retriever(chunk_only, embedder), "hybrid"),
            "app RRF at equal weights, chunk vectors only": retriever_search(
                Retriever(chunk_only, embedder, equal), "hybrid"
            ),
            "Milvus RRFRanker(60)": milvus(()),
            "Milvus WeightedRanker(0.6, 1.0)": milvus((0.6, 1.0)),
        }
        results = {name: evaluate_mode(name, search, questions) for name, search in runs.items()}
        store.close()
    print("| fusion | MRR@10 | hit@1 | hit@5 | hit@10 |\n|---|---|---|---|---|")
    for name, result in results.items():
        m = result.metrics
        print(f"| {name} | {m['mrr@10']:.3f} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['hit@10']:.3f} |")
    app_equal = results["app RRF at equal weights, chunk vectors only"].top
    milvus_rrf = results["Milvus RRFRanker(60)"].top
    overlap = [
        len({h["id"] for h in milvus_rrf[q][:DEPTH]} & {h["id"] for h in app_equal[q][:DEPTH]}) / DEPTH
        for q in milvus_rrf
    ]
    same = sum([h["id"] for h in milvus_rrf[q][:DEPTH]] == [h["id"] for h in app_equal[q][:DEPTH]] for q in milvus_rrf)
    print(
        f"Milvus RRF vs the app's equal-weight RRF (chunk vectors): top-10 overlap {statistics.fmean(overlap):.3f}, "
        f"identical order for {same}/{len(milvus_rrf)} questions"
    )


if __name__ == "__main__":
    main()
