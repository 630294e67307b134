"""Shared fixtures: the bundled corpus, a fake-embedder index (fast) and the real model + index (once per session)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEmbedder  # noqa: E402

from rag.config import DEFAULT_CORPUS, Settings  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach a model hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return DEFAULT_CORPUS


@pytest.fixture(scope="session")
def magazine_docs(corpus_dir):
    from rag.corpus import load_corpus

    return load_corpus([corpus_dir]).documents


@pytest.fixture()
def fake_settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", model="fake-bigram")


@pytest.fixture()
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_home(tmp_path_factory) -> Path:
    """Model folder and embedding cache shared by all real-model tests (RAG_TEST_HOME reuses one across runs)."""
    if home := os.environ.get("RAG_TEST_HOME"):
        return Path(home)
    return tmp_path_factory.mktemp("real-home")


@pytest.fixture(scope="session")
def real_settings(real_home) -> Settings:
    return Settings(home=real_home)


@pytest.fixture(scope="session")
def real_embedder(real_settings):
    from rag.service import get_embedder

    return get_embedder(real_settings)


@pytest.fixture(scope="session")
def real_index(real_settings, real_embedder, corpus_dir):
    from rag.index import build_index

    index, _ = build_index([corpus_dir], real_settings, real_embedder)
    return index


@pytest.fixture(scope="session")
def real_retriever(real_index, real_embedder):
    from rag.retrieve import Retriever

    return Retriever(real_index, real_embedder)
