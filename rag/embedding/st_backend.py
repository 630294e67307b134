"""The sentence-transformers embedder (the bundled multilingual-e5-small by default), fp32 or bf16 autocast."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.errors import EmbeddingModelError

from .bundled import DEFAULT_MODEL_ID, materialise_bundled_model
from .cpu import native_bf16
from .protocol import Span

log = logging.getLogger(__name__)


BF16_SUFFIX = "+bf16"


def split_model_spec(model: str) -> tuple[str, str]:
    """(model id or folder, "fp32" | "bf16"): a trailing `+bf16` on the model asks for bf16 autocast."""
    if model.endswith(BF16_SUFFIX) and len(model) > len(BF16_SUFFIX):
        return model[: -len(BF16_SUFFIX)], "bf16"
    return model, "fp32"


def preferred_model_spec(model: str) -> str:
    """`model` with `+bf16` where this CPU computes bf16 natively (faster, same retrieval quality), else as is."""
    base, _ = split_model_spec(model)
    return base + BF16_SUFFIX if native_bf16() else base


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; the default is the bundled multilingual-e5-small.

    E5 models get their `query: ` / `passage: ` prefixes; models that declare prompts use them.
    A model given as `<model>+bf16` runs under CPU bf16 autocast (matmuls in bf16: about 1.7× faster where the
    CPU has AVX512-BF16 or AMX, same retrieval quality; eval/bench_embedding.py). The name keeps the suffix, so
    its vectors are cached and indexed apart from fp32 ones.
    """

    def __init__(self, model: str, cache_dir: Path, batch_size: int = 32, allow_download: bool | None = None):
        self.name = model
        model, self.precision = split_model_spec(model)
        if self.precision == "bf16" and not native_bf16():
            log.warning("%s: this CPU has no native bf16, so bf16 autocast will be slower than fp32", self.name)
        self.batch_size = batch_size
        if allow_download is None:
            allow_download = os.environ.get("RAG_ALLOW_DOWNLOAD", "") not in ("", "0", "false")
        if model == DEFAULT_MODEL_ID and not Path(model).exists():
            path = str(materialise_bundled_model(Path(cache_dir)))
        else:
            path = model
        self._model = _load_sentence_transformer(path, allow_download)
        self._model.eval()  # no dropout in the span path's own forward pass (`encode` sets this itself)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        prompts = getattr(self._model, "prompts", {}) or {}
        is_e5 = "e5" in model.lower()
        self._query_prompt = prompts.get("query") or ("query: " if is_e5 else "")
        self._passage_prompt = prompts.get("passage") or prompts.get("document") or ("passage: " if is_e5 else "")
        self._lock = threading.Lock()  # torch modules are not re-entrant across threads for one model

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)

    @property
    def query_prompt(self) -> str:
        return self._query_prompt

    @property
    def passage_prompt(self) -> str:
        return self._passage_prompt

    def tokenizer(self):
        return self._model.tokenizer

    @property
    def model_config(self) -> dict:
        """The transformer's configuration (layers, hidden size, …) as a dict; empty when there is none."""
        try:
            return self._model[0].auto_model.config.to_dict()
        except (AttributeError, IndexError, KeyError, TypeError):
            return {}

    def _encode(self, texts: Sequence[str], prompt: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock, self._autocast():
            vectors = self._model.encode(
                list(texts),
                prompt=prompt or None,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.precision != "bf16":
            return contextlib.nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt, False)

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self._passage_prompt, show_progress)

    def encode_passages_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and, from the same forward pass, a vector per character span of each passage: the mean
        of the token embeddings whose characters fall in the span (e5 itself mean-pools), L2-normalised. A span
        past the model's token limit has no tokens and is embedded on its own instead."""
        passages = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[np.ndarray] = [np.zeros((len(s), self.dimension), np.float32) for s in spans]
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths share a batch: less padding
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors, span_vectors = self._forward_with_spans([texts[i] for i in batch], [spans[i] for i in batch])
            for row, i in enumerate(batch):
                passages[i], pooled[i] = vectors[row], span_vectors[row]
        self._embed_untokenised(texts, spans, pooled)
        return passages, pooled

    def _forward_with_spans(self, texts: list[str], spans: list[Sequence[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        import torch

        shift = len(self._passage_prompt)
        encoded = self.tokenizer()(
            [self._passage_prompt + t for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").numpy() - shift
        with self._lock, self._autocast(), torch.inference_mode():
            out = self._model(dict(encoded))
        tokens = out["token_embeddings"].float().numpy()
        mask = encoded["attention_mask"].numpy().astype(bool)
        real = mask & (offsets[:, :, 1] > offsets[:, :, 0]) & (offsets[:, :, 0] >= 0)  # no prompt, special, padding
        span_vectors = [_pool_spans(tokens[r], offsets[r], real[r], spans[r]) for r in range(len(texts))]
        return np.ascontiguousarray(out["sentence_embedding"].float().numpy(), dtype=np.float32), span_vectors

    def _embed_untokenised(self, texts: Sequence[str], spans: Sequence[Sequence[Span]], pooled: list[np.ndarray]):
        """Embed on its own each span that had no token in its passage's pass (a zero row)."""
        missing = [(i, j) for i, rows in enumerate(pooled) for j in range(len(rows)) if not rows[j].any()]
        if missing:
            fresh = self.encode_passages([texts[i][slice(*spans[i][j])] for i, j in missing])
            for (i, j), vector in zip(missing, fresh):
                pooled[i][j] = vector


def _pool_spans(tokens: np.ndarray, offsets: np.ndarray, real: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
    """Mean of the token rows overlapping each span, L2-normalised (a zero row for a span with no token).

    Adding the <s>/prompt/</s> rows a sentence embedded alone is pooled with measured worse (README Performance)."""
    out = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    for j, (start, end) in enumerate(spans):
        inside = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
        if inside.any():
            v = tokens[inside].mean(axis=0)
            out[j] = v / (np.linalg.norm(v) or 1.0)
    return out


def _load_sentence_transformer(path: str, allow_download: bool):
    from sentence_transformers import SentenceTransformer

    if Path(path).exists():
        try:
            return SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # a folder that is not a model
            raise EmbeddingModelError(f"{path} is not a usable sentence-transformers model folder ({exc})") from None
    try:
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception:
        if not allow_download:
            raise EmbeddingModelError(
                f"model {path!r} is not in the local cache and downloads are off: "
                "give a local model folder, or set RAG_ALLOW_DOWNLOAD=1 on a machine with network"
            ) from None
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "20")
    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as exc:
        raise EmbeddingModelError(f"could not download model {path!r}: {str(exc).splitlines()[0]}") from None
