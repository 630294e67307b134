"""The FAISS dense backend (`FaissDenseIndex`): chosen by corpus size, exact while fast, IVF beyond.

This is the only module that imports `faiss`. The backend owns its search parameters (nprobe, efSearch, the
thread count of one search) and sets FAISS's thread count per call, never for the whole process.

The choice is by the number of *vectors*, not chunks: search time and memory follow the rows FAISS
holds, and the real index holds about ten rows per chunk (the chunk and each of its sentences).

Measured with `python -m rag.scale_bench` on the 2-core machine, shared with other jobs: one query
at a time (the 182 development questions), synthetic vectors near the real e5-small ones in two
structures ("blob", "local") and two seeds, recall@10 against exact search; latency and build time
are the median of 2–4 runs, recall the range:

=======  ==========================  ===========  ======  =====  =======
vectors  index                       recall@10    p50 ms  MB     build s
=======  ==========================  ===========  ======  =====  =======
10^5     Flat                        1            12.7    147    0.2
10^5     IVF1024,Flat nprobe 32      0.980–0.991  0.27    149    15
10^5     IVF1024,SQ8 nprobe 32       0.972        0.21    39     13
10^5     HNSW32,Flat efSearch 256    0.970–0.976  0.60    172    29
10^6     Flat                        1            97      1,465  4
10^6     IVF2048,Flat nprobe 32      0.990–0.997  1.6     1,476  92
10^6     IVF2048,SQ8 nprobe 32       0.964–0.970  0.73    377    71
10^6     HNSW32,Flat efSearch 256    0.896–0.926  1.0     1,724  426
=======  ==========================  ===========  ======  =====  =======

* Exact search scans every vector, ~0.1 ms per 1,000 on one thread, so it is kept up to
  `FLAT_MAX_VECTORS` (~25 ms); at 10^6 it alone would eat the 100 ms budget (hybrid p50 138 ms).
* Beyond, IVF with ~4·sqrt(n) lists (`ivf_factory`) and nprobe 32: recall@10 >= 0.98 on both
  structures at 10^5 and 10^6, 1.5–6 ms, build under two minutes at 10^6. HNSW (M 32,
  efConstruction 40) built four times slower and stayed below 0.95 at 10^6 even at efSearch 256;
  a stronger graph would take even longer to build on two cores, so it was not pursued.
* Memory: float32 codes are 1,536 bytes a vector (`estimate_bytes`); 10^6 vectors take ~1.5 GB.
  10^6 chunks *with* sentence vectors would be 10^7 vectors: ~14 GiB in the index plus the 14 GiB
  array being added, more than the 24 GiB machine, and ~3 days of embedding at ~36 texts/s. So
  above `MAX_SENTENCE_VECTOR_CHUNKS` chunks the index should hold one vector per chunk
  (`keep_sentence_vectors`), and above `MEMORY_BUDGET_BYTES` the chooser falls back to 8-bit
  codes (`IVF…,SQ8`: a quarter of the memory, recall@10 0.964–0.970 at 10^6, above the 0.95 target
  but with little margin).

efSearch and nprobe are stored by `faiss.write_index`; `tune_for_search` sets them again after
loading so that an index written with other values searches with the tuned ones. Filtered searches
must use `search_parameters`: IVF rejects the generic `faiss.SearchParameters`, the IVF/HNSW
subclasses default to nprobe 1 / efSearch 16, and an IVF search probing 32 lists finds almost
nothing for a narrow filter (100 allowed rows of 10^6: 16 % of the top-10 filled), so the probe
count grows as the allowed share shrinks (all 2,048 lists: exact, 9 ms for 100 allowed rows,
23 ms for 10,000).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

#: The file a FAISS dense index is saved to inside a build folder.
FILE_NAME = "dense.faiss"

FLAT = "Flat"
# Exact search up to here: a one-thread scan took 12.7 ms (median; 6.3–14.5) at 10^5 vectors and 97 ms
# (90–141) at 10^6, so ~25 ms here, well inside the 100 ms that BM25, fusion and the query embedding share.
FLAT_MAX_VECTORS = 200_000
IVF_NPROBE = 32  # recall@10 0.980–0.991 at 10^5 (1,024 lists), 0.990–0.997 at 10^6 (2,048); 16 gave 0.963–0.992
IVF_TRAIN_PER_LIST = 64  # k-means sample per list; IVF2048 trains on 131,072 vectors, build 73–107 s at 10^6
# HNSW is measured as the alternative (rag.scale_bench) and lost: recall@10 0.90–0.93 at efSearch 256 at 10^6.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 64
MEMORY_BUDGET_BYTES = 8 * 1024**3  # what the dense index may take of the 24 GiB machine (BM25, builds need room)
# OpenMP threads for one query: FAISS splits a single exact query over threads, and with another job on
# the 2 cores the barrier made a 20,000-vector scan 24 ms instead of 1.3 ms (10^5: 64 ms vs 10 ms).
SEARCH_THREADS = 1
SQ8_BYTES_PER_DIM = 1


def choose_factory(n_vectors: int, dim: int = 384) -> str:
    """FAISS factory string for `n_vectors` rows: exact up to `FLAT_MAX_VECTORS`, then IVF (8-bit codes if too big)."""
    if n_vectors <= FLAT_MAX_VECTORS:
        return FLAT
    if estimate_bytes(ivf_factory(n_vectors), n_vectors, dim) > MEMORY_BUDGET_BYTES:
        return ivf_factory(n_vectors, "SQ8")
    return ivf_factory(n_vectors)


def ivf_factory(n_vectors: int, storage: str = "Flat") -> str:
    """An IVF factory with about 4·sqrt(n) lists (a power of two, at least 39 training vectors per list)."""
    target = min(4 * math.sqrt(max(n_vectors, 1)), max(n_vectors, 1) / 39)
    nlist = 2 ** max(4, math.floor(math.log2(max(target, 1))))
    return f"IVF{nlist},{storage}"


def estimate_bytes(factory: str, n_vectors: int, dim: int = 384) -> int:
    """Approximate memory of a factory's index (vectors, graph links, inverted lists), in bytes."""
    code = dim * (SQ8_BYTES_PER_DIM if factory.endswith("SQ8") else 4)
    per_vector = code
    if match := re.match(r"HNSW(\d+)", factory):
        m = int(match.group(1))
        per_vector += 4 * 2 * m * 1.07 + 12  # level-0 links, ~1/M of rows on upper levels, levels/offsets
    elif match := re.match(r"IVF(\d+)", factory):
        per_vector += 8  # the id stored in the inverted list
        return int(n_vectors * per_vector + int(match.group(1)) * dim * 4)
    return int(n_vectors * per_vector)


def build_dense(vectors: np.ndarray, factory: str, seed: int = 0) -> Any:
    """Create the inner-product index for `factory`, train it (on a sample for IVF), add `vectors`, tune it."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    hnsw = _hnsw(index)
    if hnsw is not None:
        hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    with faiss_threads(os.cpu_count() or 1):  # building uses every core even when searches use one
        if not index.is_trained:
            index.train(_training_sample(vectors, index, seed))
        index.add(vectors)
    return tune_for_search(index)


@contextmanager
def faiss_threads(n: int) -> Iterator[None]:
    """Run the block with `n` FAISS/OpenMP threads, then restore the previous number."""
    import faiss

    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _training_sample(vectors: np.ndarray, index: Any, seed: int) -> np.ndarray:
    ivf = _ivf(index)
    limit = ivf.nlist * IVF_TRAIN_PER_LIST if ivf is not None else 100_000
    if len(vectors) <= limit:
        return vectors
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), limit, replace=False))
    return vectors[rows]


def tune_for_search(index: Any, ef_search: int = HNSW_EF_SEARCH, nprobe: int = IVF_NPROBE) -> Any:
    """Set the search-time parameters (efSearch for HNSW, nprobe for IVF) in place; returns the index."""
    if (hnsw := _hnsw(index)) is not None:
        hnsw.efSearch = ef_search
    if (ivf := _ivf(index)) is not None:
        ivf.nprobe = min(nprobe, ivf.nlist)
    return index


def search_parameters(index: Any, selector: Any = None, allowed: int | None = None) -> Any:
    """Search parameters of the right FAISS type for `index`, with its efSearch/nprobe and `selector`.

    With a selector on an IVF index, the lists probed grow by ntotal/`allowed` so that about as many
    allowed rows are scanned as an unfiltered search scans rows (all lists, i.e. exact, when
    `allowed` is unknown or small).
    """
    import faiss

    if (hnsw := _hnsw(index)) is not None:
        params = faiss.SearchParametersHNSW()
        params.efSearch = hnsw.efSearch
    elif (ivf := _ivf(index)) is not None:
        params = faiss.SearchParametersIVF()
        params.nprobe = ivf.nprobe
        if selector is not None:
            widen = ivf.nlist if not allowed else math.ceil(ivf.nprobe * ivf.ntotal / allowed)
            params.nprobe = max(ivf.nprobe, min(ivf.nlist, widen))
    else:
        params = faiss.SearchParameters()
    if selector is not None:
        params.sel = selector
    return params


def index_bytes(index: Any) -> int:
    """Size of the serialised index, a close measure of the memory it holds."""
    import faiss

    return int(faiss.serialize_index(index).nbytes)


def describe(index: Any) -> str:
    """Short text of the search-time setting, e.g. 'efSearch=64', 'nprobe=32' or 'exact'."""
    if (hnsw := _hnsw(index)) is not None:
        return f"efSearch={hnsw.efSearch}"
    if (ivf := _ivf(index)) is not None:
        return f"nprobe={ivf.nprobe}"
    return "exact"


def _hnsw(index: Any) -> Any:
    import faiss

    return getattr(faiss.downcast_index(index), "hnsw", None)


def _ivf(index: Any) -> Any:
    import faiss

    return faiss.try_extract_index_ivf(index)


class FaissDenseIndex:
    """Inner-product search over row vectors in a FAISS index (exact `Flat` or IVF/HNSW by `factory`)."""

    backend = "faiss"

    def __init__(self, index: Any):
        self._index = tune_for_search(index)

    @classmethod
    def build(cls, vectors: np.ndarray, factory: str = "auto") -> FaissDenseIndex:
        """An index over `vectors`; `factory` "auto" chooses by size (`choose_factory`)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if factory == "auto":
            factory = choose_factory(len(vectors), vectors.shape[1])
        index = cls(build_dense(vectors, factory))
        index.factory = factory
        return index

    @classmethod
    def load(cls, folder: Path) -> FaissDenseIndex:
        import faiss

        return cls(faiss.read_index(str(Path(folder) / FILE_NAME)))

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(Path(folder) / FILE_NAME))

    factory: str = ""

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def describe(self) -> str:
        return describe(self._index)

    def memory_bytes(self) -> int:
        return index_bytes(self._index)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each of shape (len(queries), k), best first; rows are -1 where fewer than k exist.

        `allowed`, when given, holds the only rows that may be returned."""
        import faiss

        queries = np.ascontiguousarray(queries, dtype=np.float32)
        params = None
        if allowed is not None:
            params = search_parameters(self._index, faiss.IDSelectorBatch(allowed), allowed=len(allowed))
        with faiss_threads(SEARCH_THREADS):
            return self._index.search(queries, k, params=params)

    def reconstruct(self, start: int, count: int) -> np.ndarray:
        """Rows `start … start+count-1` as stored (exact for Flat, approximate for 8-bit codes)."""
        try:
            return np.asarray(self._index.reconstruct_n(start, count), dtype=np.float32)
        except RuntimeError:  # IVF keeps no id map until asked
            import faiss

            faiss.extract_index_ivf(self._index).make_direct_map()
            return np.asarray(self._index.reconstruct_n(start, count), dtype=np.float32)
