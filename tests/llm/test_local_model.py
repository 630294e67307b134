"""The local model's file: written once from its parts, checked, never half-written (fake parts, no model)."""

from __future__ import annotations

import hashlib

import pytest

from rag.errors import LocalModelError
from rag.llm import materialise_model, model_path


def _parts(tmp_path, blobs):
    paths = []
    for i, blob in enumerate(blobs, 1):
        path = tmp_path / f"part{i:02d}.bin"
        path.write_bytes(blob)
        paths.append(path)
    return paths


BLOBS = [b"GGUF" + bytes(range(256)) * 40, b"second part" * 1000, b"tail"]
WHOLE = b"".join(BLOBS)
EXPECTED = (len(WHOLE), hashlib.sha256(WHOLE).hexdigest())


def test_parts_are_joined_in_order_and_checked(tmp_path):
    seen = []
    path = materialise_model(
        tmp_path / "home", lambda d, t: seen.append((d, t)), _parts(tmp_path, BLOBS), expected=EXPECTED
    )
    assert path == model_path(tmp_path / "home")
    assert path.read_bytes() == WHOLE
    assert seen[-1] == (len(WHOLE), len(WHOLE)) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_an_existing_model_is_not_rewritten(tmp_path):
    home = tmp_path / "home"
    materialise_model(home, None, _parts(tmp_path, BLOBS), expected=EXPECTED)
    missing = [tmp_path / "gone.bin"]
    assert materialise_model(home, None, missing, expected=EXPECTED).read_bytes() == WHOLE


def test_a_corrupt_part_leaves_nothing_behind(tmp_path):
    home = tmp_path / "home"
    broken = [BLOBS[0], b"second part" * 999 + b"X" * 11, BLOBS[2]]  # same size, other bytes
    with pytest.raises(LocalModelError) as err:
        materialise_model(home, None, _parts(tmp_path, broken), expected=EXPECTED)
    message = str(err.value)
    assert "reinstall" in message and "\n" not in message
    assert not model_path(home).exists()
    assert list(model_path(home).parent.iterdir()) == []


def test_a_missing_part_is_one_sentence(tmp_path):
    parts = _parts(tmp_path, BLOBS)
    parts[1].unlink()
    with pytest.raises(LocalModelError, match=r"part02\.bin") as err:
        materialise_model(tmp_path / "home", None, parts, expected=EXPECTED)
    assert "\n" not in str(err.value)
    assert not model_path(tmp_path / "home").exists()


def test_a_truncated_model_on_disk_is_rewritten(tmp_path):
    home = tmp_path / "home"
    target = model_path(home)
    target.parent.mkdir(parents=True)
    target.write_bytes(WHOLE[:100])  # an earlier copy cut short (e.g. disk full before the checks existed)
    assert materialise_model(home, None, _parts(tmp_path, BLOBS), expected=EXPECTED).read_bytes() == WHOLE


def test_a_home_that_cannot_hold_the_model_is_one_sentence(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(LocalModelError, match="could not be written") as err:
        materialise_model(tmp_path / "a-file" / "home", None, _parts(tmp_path, BLOBS), expected=EXPECTED)
    assert "\n" not in str(err.value) and "RAG_HOME" in str(err.value)
