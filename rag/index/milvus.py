"""The Milvus backend's collections: the only module that imports `pymilvus` (README, Running on Milvus).

One index is four collections named `<collection>_…`: `chunks` (passages, their BM25 sparse vector — over the
app's jieba tokens or over Milvus's Chinese analyzer, whichever `MilvusSettings.lexical` names: one analyzer per
row, because analysing is most of a write — and how many dense vectors each has), `vectors` (the
dense layout of `rag.index.layout`: chunk + sentence vectors, id `<chunk id>:<j>`), `documents` (metadata and
text, split in parts below Milvus's VARCHAR limit) and `manifest` (the promises: model, dimension, chunking, corpus
hash, format version). Every collection is created with Strong consistency: a search sees every finished write.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexMissing, IndexProblem

from .settings import MilvusSettings

TEXT_PART = 16_000  # characters per VARCHAR part: 4 bytes a character at most stays below Milvus's 65,535 bytes
MAX_VARCHAR = 65_535
WRITE_BATCH = 500
MAX_LIMIT = 16_384  # Milvus's top-k ceiling
PLACEHOLDER = [0.0, 1.0]  # documents and manifest rows need a vector field; theirs is never searched
WRITING = {"id": "writing", "pos": -1, "value": "", "placeholder": PLACEHOLDER}  # a build's writes are under way
SPARSE = {"jieba": "sparse_jieba", "milvus": "sparse_zh"}  # the BM25 field of each lexical mode
ANALYSED = {"jieba": "tokens", "milvus": "indexed"}  # the text field it is computed from
ANALYZERS = {"jieba": {"tokenizer": "whitespace"}, "milvus": {"type": "chinese"}}  # tokens are pre-split by jieba


def text_parts(text: str) -> list[str]:
    """`text` cut in parts that each fit a Milvus VARCHAR (at least one part)."""
    return [text[i : i + TEXT_PART] for i in range(0, len(text), TEXT_PART)] or [""]


def quoted(values: Iterable[str]) -> str:
    """A Milvus filter list literal: ["a", "b"]."""
    return json.dumps(list(values), ensure_ascii=False)


class MilvusStore:
    """A connection to one index's collections (a Milvus Lite file, a Lite server or a cluster)."""

    def __init__(self, settings: MilvusSettings, uri: str):
        self.settings = settings
        self.uri = uri
        self.prefix = settings.collection
        self.client = connect(settings, uri)

    def name(self, part: str) -> str:
        return f"{self.prefix}_{part}"

    # ------------------------------------------------------------ collections

    def exists(self) -> bool:
        return all(self.client.has_collection(self.name(p)) for p in ("chunks", "vectors", "documents", "manifest"))

    def drop(self) -> None:
        for part in ("manifest", "chunks", "vectors", "documents"):
            if self.client.has_collection(self.name(part)):
                self.client.drop_collection(self.name(part))

    def create(self, dimension: int, chunk_vector: bool = False) -> None:
        """Create the four collections (an index is dropped and created again when its layout changes).

        `chunk_vector` also gives each chunk row one dense `vector` beside its BM25 fields, so that Milvus's own
        `hybrid_search` (which fuses fields of one collection) can run; the app does not use it (`rag bench` does)."""
        from pymilvus import DataType

        c = self.client
        s, params = self._chunk_schema(dimension if chunk_vector else 0)
        self._create("chunks", s, params)

        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=80)
        s.add_field("chunk_id", DataType.VARCHAR, max_length=64)
        s.add_field("doc_id", DataType.VARCHAR, max_length=64)
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        params = c.prepare_index_params()
        params.add_index("vector", index_type=self.settings.index_type, metric_type="COSINE", params=self._ivf())
        self._create("vectors", s, params)

        for part, fields in (("documents", ("doc_id", "meta", "text")), ("manifest", ("value",))):
            s = c.create_schema(auto_id=False, enable_dynamic_field=False)
            s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=80)
            s.add_field("pos", DataType.INT64)
            for field in fields:
                s.add_field(field, DataType.VARCHAR, max_length=MAX_VARCHAR)
            s.add_field("placeholder", DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER))
            params = c.prepare_index_params()
            params.add_index("placeholder", index_type="FLAT", metric_type="L2")
            self._create(part, s, params)

    def _chunk_schema(self, dimension: int = 0):
        """The `chunks` schema and index parameters: the BM25 field of the configured lexical mode only, and a dense
        `vector` field when `dimension` is given."""
        from pymilvus import DataType, Function, FunctionType

        s = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        s.add_field("doc_id", DataType.VARCHAR, max_length=64)
        s.add_field("start", DataType.INT64)
        s.add_field("end", DataType.INT64)
        s.add_field("vectors", DataType.INT64)
        s.add_field("header", DataType.VARCHAR, max_length=MAX_VARCHAR)
        s.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
        lexical = self.settings.lexical
        source, field = ANALYSED[lexical], SPARSE[lexical]
        analyzer = ANALYZERS[lexical]
        s.add_field(source, DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True, analyzer_params=analyzer)
        s.add_field(field, DataType.SPARSE_FLOAT_VECTOR)
        s.add_function(Function(f"bm25_{source}", FunctionType.BM25, [source], [field]))
        params = self.client.prepare_index_params()
        bm25 = {"bm25_k1": 1.5, "bm25_b": 0.75}  # k1 and b of bm25s's Lucene BM25, the file backend's
        params.add_index(field, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=bm25)
        if dimension:
            s.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
            params.add_index("vector", index_type=self.settings.index_type, metric_type="COSINE", params=self._ivf())
        return s, params

    def _ivf(self) -> dict[str, Any]:
        return {"nlist": 1024} if self.settings.index_type.upper().startswith("IVF") else {}

    def _create(self, part: str, schema, params) -> None:
        self.client.create_collection(self.name(part), schema=schema, index_params=params, consistency_level="Strong")

    # ------------------------------------------------------------ reads

    def rows(self, part: str, fields: Sequence[str], where: str = "") -> Iterator[dict[str, Any]]:
        """Every row of a collection (or those matching `where`), in batches."""
        it = self.client.query_iterator(self.name(part), batch_size=4000, filter=where, output_fields=list(fields))
        try:
            while batch := it.next():
                yield from batch
        finally:
            it.close()

    def manifest(self) -> dict[str, Any]:
        """The stored manifest; IndexMissing when the collections are not there."""
        if not self.exists():
            raise IndexMissing(
                f"there is no index in the Milvus collections {self.prefix}_* at {self.uri} yet; run `rag index`"
            )
        parts = sorted(self.rows("manifest", ["pos", "value"], "pos >= 0"), key=lambda r: r["pos"])
        if not parts:
            raise IndexMissing(f"the Milvus index {self.prefix} at {self.uri} was never completed; run `rag index`")
        return json.loads("".join(p["value"] for p in parts))

    def vectors_of(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Dense vectors by vector id."""
        if not ids:
            return {}
        got = self.client.query(self.name("vectors"), filter=f"id in {quoted(ids)}", output_fields=["vector"])
        return {r["id"]: np.asarray(r["vector"], dtype=np.float32) for r in got}

    # ------------------------------------------------------------ writes

    def write(self, part: str, rows: list[dict[str, Any]], new: bool = False) -> None:
        """Upsert `rows`, or insert them when the caller knows none of their ids is stored (`new`): Milvus Lite
        upserts by deleting the ids first, a scan of the whole collection per batch, so upserts slow down as the
        collection grows (README, Running on Milvus) and inserts do not."""
        send = self.client.insert if new else self.client.upsert
        for i in range(0, len(rows), WRITE_BATCH):
            send(self.name(part), rows[i : i + WRITE_BATCH])

    def delete(self, part: str, field: str, values: Sequence[str]) -> None:
        for i in range(0, len(values), WRITE_BATCH):
            self.client.delete(self.name(part), filter=f"{field} in {quoted(values[i : i + WRITE_BATCH])}")

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest (written last: an index is complete once it has one)."""
        text = json.dumps(manifest, ensure_ascii=False)
        rows = [
            {"id": f"m{i}", "pos": i, "value": p, "placeholder": PLACEHOLDER} for i, p in enumerate(text_parts(text))
        ]
        self.client.delete(self.name("manifest"), filter="pos >= 0")
        self.write("manifest", rows)

    def begin_write(self) -> bool:
        """Mark a build's writes as under way; False when an earlier build stopped while writing (some of its rows
        may be stored without the chunk row that makes them known, so this build must upsert, not insert)."""
        clean = not self.client.get(self.name("manifest"), ids=[WRITING["id"]], output_fields=["pos"])
        if clean:
            self.client.insert(self.name("manifest"), [WRITING])
        return clean

    def end_write(self) -> None:
        self.client.delete(self.name("manifest"), ids=[WRITING["id"]])

    def count(self, part: str) -> int:
        return int(self.client.query(self.name(part), filter="", output_fields=["count(*)"])[0]["count(*)"])

    def flush(self) -> None:
        for part in ("chunks", "vectors", "documents", "manifest"):
            self.client.flush(self.name(part))

    # ------------------------------------------------------------ search

    def search(self, part: str, field: str, data: list, limit: int, where: str = "") -> list[list[tuple[str, float]]]:
        """(id, similarity) best first for each query in `data` (vectors, or texts for a BM25 field)."""
        metric = "BM25" if field.startswith("sparse") else "COSINE"
        params = {"metric_type": metric, "params": {"nprobe": 64} if self._ivf() and metric == "COSINE" else {}}
        found = self.client.search(
            self.name(part),
            data=data,
            anns_field=field,
            limit=min(limit, MAX_LIMIT),
            filter=where,
            search_params=params,
            output_fields=[],
        )
        return [[(hit["id"], float(hit["distance"])) for hit in hits] for hits in found]

    def hybrid(self, vector: list[float], text: str, limit: int, candidates: int, weights: Sequence[float] = ()):
        """Milvus's own fusion over the chunk rows' dense `vector` and BM25 field: (chunk id, fused score) best first.

        RRF with k = 60 (`RRFRanker`) when `weights` is empty, else `WeightedRanker(*weights)` (dense, BM25) over
        normalised scores; each side fetches `candidates`. Needs collections created with `chunk_vector`."""
        from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

        dense = {"metric_type": "COSINE", "params": {"nprobe": 64} if self._ivf() else {}}
        sparse = SPARSE[self.settings.lexical]
        requests = [
            AnnSearchRequest([vector], "vector", dense, candidates),
            AnnSearchRequest([text], sparse, {"metric_type": "BM25"}, candidates),
        ]
        ranker = WeightedRanker(*weights) if weights else RRFRanker(60)
        found = self.client.hybrid_search(self.name("chunks"), requests, ranker, limit=limit, output_fields=[])
        return [(hit["id"], float(hit["distance"])) for hit in found[0]]

    def wait_indexed(self, part: str, field: str, timeout: float = 3600.0) -> None:
        """Flush `part` and wait until Milvus has indexed every row of `field`."""
        self.client.flush(self.name(part))
        deadline = time.monotonic() + timeout
        while True:
            info = self.client.describe_index(self.name(part), field)
            if info.get("pending_index_rows", 0) == 0 and info.get("state", "Finished") == "Finished":
                return
            if time.monotonic() > deadline:
                raise IndexProblem(f"Milvus did not finish indexing {self.name(part)}.{field} in {timeout:.0f} s")
            time.sleep(0.2)

    def reindex(self, part: str, field: str, index_type: str) -> None:
        """Replace the dense index of `field` by one of `index_type` (same COSINE metric) and load it again."""
        name = self.name(part)
        self.client.release_collection(name)
        self.client.drop_index(name, field)
        params = self.client.prepare_index_params()
        ivf = {"nlist": 1024} if index_type.upper().startswith("IVF") else {}
        params.add_index(field, index_type=index_type, metric_type="COSINE", params=ivf)
        self.client.create_index(name, params)
        self.wait_indexed(part, field)
        self.client.load_collection(name)

    def lite_footprint(self) -> dict[str, float | None]:
        """Resident and peak memory (MB) of the embedded Milvus Lite process serving this file, and the file's size
        on disk (MB); None for a server, whose process lives elsewhere."""
        if "://" in self.uri:
            return {"rss_mb": None, "peak_rss_mb": None, "disk_mb": None}
        path = str(Path(self.uri).resolve())
        status = lite_process_status(path)
        disk = Path(path).stat().st_size if Path(path).exists() else 0
        return {
            "rss_mb": status.get("VmRSS"),
            "peak_rss_mb": status.get("VmHWM"),
            "disk_mb": round(disk / 2**20, 1),
        }

    def close(self) -> None:
        self.client.close()

    def release(self) -> None:
        """Close, and stop the embedded Milvus Lite process serving this file (pymilvus keeps it until exit)."""
        self.close()
        if "://" not in self.uri:
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)


def lite_process_status(path: str) -> dict[str, float]:
    """VmRSS and VmHWM in MB of the Milvus Lite process whose command line names the file `path` (empty if none)."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if path.encode() not in (proc / "cmdline").read_bytes().split(b"\0"):
                continue
            lines = (proc / "status").read_text().splitlines()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        return {k: round(int(fields[k].split()[0]) / 1024, 1) for k in ("VmRSS", "VmHWM") if k in fields}
    return {}


def connect(settings: MilvusSettings, uri: str):
    """A `MilvusClient`, or a one-sentence IndexProblem when the server or file cannot be reached."""
    # gRPC's C core logs keep-alive chatter with Milvus Lite ("too_many_pings") straight to stderr, where the CLI's
    # one-line messages go; a user who wants it sets GRPC_VERBOSITY themselves.
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise IndexProblem(
            "RAG_BACKEND=milvus needs the Milvus client; install it with `pip install 'magrag[milvus]'`"
        ) from None
    # Milvus Lite 2.5 returns no session timestamp to a query iterator; pymilvus then warns on every read and falls
    # back to the client's clock, which is correct here (Strong consistency), so the warning is noise. (Set after
    # the import: pymilvus configures its loggers when imported.)
    logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():  # milvus-lite 2.5 imports pkg_resources, deprecated in setuptools 80
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
            return MilvusClient(uri=uri, token=settings.token, db_name=settings.database, timeout=settings.timeout)
    except Exception as exc:  # grpc, file-lock and authentication failures all surface here
        raise IndexProblem(unreachable(uri, exc)) from None


def unreachable(uri: str, exc: Exception) -> str:
    detail = str(getattr(exc, "message", "") or exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if uri.endswith(".db"):
        return (
            f"cannot open the Milvus Lite file {uri} ({detail}): if another process has it open, serve it with "
            "`milvus_lite.server.Server` and set RAG_MILVUS_URI=http://127.0.0.1:PORT in every process"
        )
    return f"cannot reach Milvus at {uri} ({detail}); start the server or fix RAG_MILVUS_URI / RAG_MILVUS_TOKEN"
