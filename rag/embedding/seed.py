"""Seed vectors: the bundled issue's passage vectors, computed once by the bundled model and shipped as package data,
so the first start does not spend half a minute re-computing what every install would compute identically.

A seed is a plain `.npz` (no pickles): `format`, `model` (the embedder name its keys were made with), `keys` (the
embedding cache's content-hash keys) and `vectors` (float32). It only primes an `EmbeddingCache` of the same model
and dimension; any text it does not hold (another chunking, an edited article, another corpus) is embedded as usual.
Rebuild it with `python scripts/seed_vectors.py` after changing the chunking or the model.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SEED_FORMAT = 1
#: The shipped seed of the bundled issue (package data next to the issue itself).
BUNDLED_SEED = "vectors.npz"


@dataclass(frozen=True)
class SeedVectors:
    """Vectors keyed like the embedding cache, for one model."""

    model: str
    keys: list[str]
    vectors: np.ndarray

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0


def read_seed(path: Path) -> SeedVectors | None:
    """The seed at `path`, or None when it is missing, of another format or unreadable (logged, never raised)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != SEED_FORMAT:
                log.info("seed vectors %s have format %s, not %s: ignored", path, data["format"], SEED_FORMAT)
                return None
            keys = [str(k) for k in data["keys"]]
            vectors = np.asarray(data["vectors"], dtype=np.float32)
            model = str(data["model"])
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        log.info("seed vectors %s not read (%s): every text is embedded", path, exc)
        return None
    if vectors.ndim != 2 or len(keys) != len(vectors):
        log.info("seed vectors %s are malformed: ignored", path)
        return None
    return SeedVectors(model, keys, vectors)


def write_seed(path: Path, seed: SeedVectors) -> None:
    """Write `seed` to `path` atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".seed-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez_compressed(
                out,
                format=np.int64(SEED_FORMAT),
                model=np.str_(seed.model),
                keys=np.array(seed.keys, dtype=np.str_),
                vectors=np.ascontiguousarray(seed.vectors, dtype=np.float32),
            )
        os.chmod(tmp, 0o644)  # package data, readable by everyone (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def bundled_seed_path() -> Path:
    """Where the bundled issue's seed vectors live (package data of `rag.data`)."""
    return Path(str(files("rag.data").joinpath(BUNDLED_SEED)))
