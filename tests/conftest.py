"""Shared fixtures: the bundled corpus, a fake-embedder index (fast) and the real model + index (once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from rag.config import Settings
from rag.ingest import bundled_corpus

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach a model hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# the same answers whether or not the [llm] extra is installed; the tests of the model choose it themselves
os.environ.setdefault("RAG_ANSWERER", "extractive")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return bundled_corpus()


@pytest.fixture(scope="session")
def magazine_docs(corpus_dir):
    from rag.ingest import load_corpus

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
    from rag.engine import load_embedder

    return load_embedder(real_settings)


@pytest.fixture(scope="session")
def real_index(real_settings, real_embedder, corpus_dir):
    from rag.index import build_index

    index, _ = build_index([corpus_dir], real_settings.index, real_embedder)
    return index


@pytest.fixture(scope="session")
def real_retriever(real_index, real_embedder):
    from rag.retrieval import Retriever

    return Retriever(real_index, real_embedder)
