"""Write the bundled issue's seed vectors (`rag/data/vectors.npz`) with the bundled model, embedding every text afresh.

    python scripts/seed_vectors.py [--out rag/data/vectors.npz]

Run it after changing the chunking, the dense layout or the model: `tests/embedding/test_seed.py` fails while the
shipped seed does not cover the bundled issue's texts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.embedding import EmbeddingCache, SeedVectors, bundled_seed_path, write_seed
from rag.engine import load_embedder
from rag.index import build_index, dense_texts, keep_sentence_vectors
from rag.ingest import bundled_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=bundled_seed_path())
    args = parser.parse_args(argv)
    base = Settings.from_env()  # only for where the converted model lives
    with tempfile.TemporaryDirectory(prefix="seed-") as scratch:
        home = Path(scratch)
        (home / "models").symlink_to(base.home / "models")  # the converted model, not the vectors
        # the defaults, whatever RAG_MODEL / RAG_SENTENCE_VECTORS say: the seed serves a default install
        settings = Settings(home=home, index_dir=home / "index", seed_vectors=False)
        embedder = load_embedder(settings)
        index, report = build_index([bundled_corpus()], settings.index, embedder)
        texts, _ = dense_texts(index.chunks, sentences=keep_sentence_vectors(len(index.chunks)))
        with EmbeddingCache(settings.index.embedding_cache, embedder.name, embedder.dimension) as cache:
            keys = list(dict.fromkeys(cache.key(t) for t in texts))
            found = cache.get_keys(keys)
        vectors = [found[k] for k in keys]
    write_seed(args.out, SeedVectors(embedder.name, keys, np.stack(vectors)))
    print(f"{len(keys)} vectors of {embedder.name} ({report.embedded} embedded) → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
