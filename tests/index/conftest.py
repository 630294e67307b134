"""The index backends every contract test runs on: files, embedded Milvus Lite, and a Milvus Lite server process
on loopback (the same client path a cluster uses). Milvus backends skip only where pymilvus is not installed."""

from __future__ import annotations

import socket
import sys
import time
import uuid
from dataclasses import replace

import pytest

from rag.config import Settings
from rag.index import MilvusSettings

BACKENDS = ("file", "milvus-lite", "milvus-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """A Milvus Lite 2.5 server process on a loopback port; yields its http:// URI."""
    pytest.importorskip("pymilvus", reason="the Milvus backend needs the `milvus` extra (pymilvus, milvus-lite)")
    server_module = pytest.importorskip("milvus_lite.server", reason="the Milvus Lite server needs milvus-lite")
    from pymilvus import MilvusClient

    port = free_port()
    server = server_module.Server(str(tmp_path_factory.mktemp("milvus-server") / "server.db"), f"127.0.0.1:{port}")
    assert server.init() and server.start(), "the Milvus Lite server did not start"
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            MilvusClient(uri=uri, timeout=5).close()
            break
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.5)
    yield uri
    server.stop()


def milvus_settings(settings: Settings, uri: str = "") -> Settings:
    """`settings` on the Milvus backend: an embedded Lite file (empty `uri`) or a server, own collections."""
    collection = f"t{uuid.uuid4().hex[:12]}"
    return replace(settings, backend="milvus", milvus=MilvusSettings(uri=uri, collection=collection))


@pytest.fixture(params=BACKENDS)
def backend_settings(request, fake_settings):
    """`fake_settings` on each backend in turn."""
    if request.param == "file":
        return fake_settings
    pytest.importorskip("pymilvus", reason="the Milvus backend needs the `milvus` extra (pymilvus, milvus-lite)")
    if request.param == "milvus-lite":
        return milvus_settings(fake_settings)
    return milvus_settings(fake_settings, request.getfixturevalue("milvus_server"))


@pytest.fixture(autouse=True)
def stop_embedded_milvus():
    """Stop the embedded Milvus Lite processes a test started (pymilvus keeps one per file until exit)."""
    yield
    if "milvus_lite.server_manager" in sys.modules:
        sys.modules["milvus_lite.server_manager"].server_manager_instance.release_all()
