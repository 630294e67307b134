"""Cold-index levers on the bundled issue: seconds, texts embedded and dense/hybrid MRR@10 of each, one process.

    RAG_HOME=/tmp/rhome python scripts/bench_first_start.py [--rounds 1] [--variants separate,pooled,...] [--json]

Each variant builds the bundled issue into a fresh scratch home (empty embedding cache, the converted model
linked from $RAG_HOME) with one model loaded once per precision; rounds run the variants in a fresh shuffled order,
and each variant's time is also taken as a ratio to `separate` (today's layout) of the same round, so a loaded
machine slows both alike. Quality: the development set's dense and hybrid MRR@10 on each variant's index.
Variants: `separate` (chunk + each sentence embedded on its own), `pooled` (sentence vectors mean-pooled from the
chunk's own pass), `pooled-fp32` (the same without bf16 autocast), `separate-min20` (sentences of at least 20
characters only: fewer, longer texts).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import rag.index.layout as layout
from rag.config import Settings
from rag.embedding import SentenceTransformerEmbedder, split_model_spec
from rag.engine import Engine
from rag.evaluation import development_set, load_dataset, run_retrieval_eval
from rag.index import build_index
from rag.ingest import bundled_corpus

VARIANTS = {  # name: (sentence vectors, bf16, minimum sentence characters)
    "separate": ("separate", True, layout.MIN_SENTENCE_CHARS),
    "pooled": ("pooled", True, layout.MIN_SENTENCE_CHARS),
    "pooled-fp32": ("pooled", False, layout.MIN_SENTENCE_CHARS),
    "separate-min20": ("separate", True, 20),
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_variant(name: str, base: Settings, embedders: dict[bool, Any], scratch: Path, quality: bool) -> dict:
    how, bf16, min_chars = VARIANTS[name]
    home = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=scratch))
    (home / "models").symlink_to(base.home / "models")
    settings = dataclasses.replace(base, home=home, index_dir=home / "index", sentence_vectors=how)
    layout.MIN_SENTENCE_CHARS = min_chars  # a measurement knob only: the library's constant is not configurable
    try:
        started = time.perf_counter()
        index, report = build_index([bundled_corpus()], settings.index, embedders[bf16])
        seconds = time.perf_counter() - started
        row = {"variant": name, "seconds": round(seconds, 2), "embed_seconds": round(report.stages["embed"], 2)}
        row |= {"texts_embedded": report.embedded, "vectors": index.dense.size}
        if quality:
            questions = load_dataset(development_set(), [d.text for d in index.documents.values()])
            retriever = Engine.assemble(settings, embedders[bf16], index).retriever
            metrics = run_retrieval_eval(questions, retriever, None, ("hybrid", "dense"))
            row |= {f"{mode}_mrr@10": round(m.metrics["mrr@10"], 4) for mode, m in metrics.items()}
        return row
    finally:
        layout.MIN_SENTENCE_CHARS = VARIANTS["separate"][2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base = Settings.from_env()
    names = args.variants.split(",")
    model, _ = split_model_spec(base.model)
    embedders = {
        bf16: SentenceTransformerEmbedder(model + ("+bf16" if bf16 else ""), base.home, base.batch_size)
        for bf16 in {VARIANTS[n][1] for n in names}
    }
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="firststart-") as scratch:
        for round_ in range(args.rounds):
            order = random.Random(round_).sample(names, len(names))
            results = {n: run_variant(n, base, embedders, Path(scratch), quality=round_ == 0) for n in order}
            reference = results.get("separate", {}).get("seconds")
            for row in results.values():
                row |= {"round": round_, "vs_separate": round(row["seconds"] / reference, 3) if reference else None}
                log(json.dumps(row))
                rows.append(row)
    summary = []
    for n in names:
        mine = [r for r in rows if r["variant"] == n]
        first = mine[0]
        summary.append(
            {k: first[k] for k in first if k.endswith("mrr@10") or k in ("variant", "texts_embedded", "vectors")}
            | {
                "seconds_median": round(statistics.median(r["seconds"] for r in mine), 2),
                "vs_separate_median": statistics.median([r["vs_separate"] for r in mine if r["vs_separate"]] or [0]),
            }
        )
    print(json.dumps(summary, indent=2) if args.json else "\n".join(json.dumps(s) for s in summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
