"""Chunk-size sweep: build an index per (size, overlap) in a scratch folder and score it on a dataset.

    python scripts/sweep_chunking.py [--dataset rag/data/questions.jsonl] [--sizes 150,200,300,400,500]

Embeddings are cached in the shared cache, so a second run is fast. Prints one table row per setting.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

from rag.chunking import ChunkingConfig
from rag.config import Settings
from rag.engine import load_embedder
from rag.evaluation import development_set, load_dataset, run_retrieval_eval
from rag.index import build_index
from rag.ingest import bundled_corpus
from rag.retrieval import Retriever


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default=str(development_set()))
    parser.add_argument("--sizes", default="150,200,250,300,400,500")
    parser.add_argument("--overlap", type=float, default=0.2, help="overlap as a fraction of the size")
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args()
    base = Settings.from_env()
    embedder = load_embedder(base)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            chunking = ChunkingConfig(chunk_size=size, chunk_overlap=int(size * args.overlap))
            settings = dataclasses.replace(base, chunking=chunking, index_dir=Path(scratch) / f"i{size}")
            t0 = time.perf_counter()
            index, report = build_index([bundled_corpus()], settings.index, embedder)
            build_s = time.perf_counter() - t0
            questions = load_dataset(Path(args.dataset), [d.text for d in index.documents.values()])
            results = run_retrieval_eval(questions, Retriever(index, embedder), None, ("hybrid", "dense", "bm25"))
            row = {
                "size": size,
                "overlap": chunking.chunk_overlap,
                "chunks": report.chunks,
                "build_s": round(build_s, 1),
            }
            for mode, res in results.items():
                row |= {f"{mode}:{k}": round(v, 3) for k, v in res.metrics.items() if k in ("hit@5", "mrr@10")}
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
