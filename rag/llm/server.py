"""The local chat model served in-process by llama.cpp (the `xllamacpp` wheel) on a loopback port.

The server speaks the OpenAI chat-completions protocol, so the answerer reaches it through the same client as
any other endpoint. It listens on 127.0.0.1 only, on a free port, and requires a random API key so that no other
program (or web page) on the machine can use it; its web UI is off.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import LocalModelError

from .model import INSTALL_HINT

MODEL_LABEL = "qwen2.5-coder-1.5b-instruct"


@dataclass(frozen=True)
class LocalEndpoint:
    """Where the running local model answers: an OpenAI-style API root, its key and model name."""

    base_url: str
    api_key: str = field(repr=False)
    model: str = MODEL_LABEL


@dataclass(frozen=True)
class ServerSettings:
    """How the local model runs: context length (prompt + answer tokens) and CPU threads (0: all cores)."""

    context_tokens: int = 4096
    threads: int = 0


class LocalModelServer:
    """A llama.cpp server for the model at `path`, started in this process; `close()` (or the end of a `with`
    block) stops it."""

    def __init__(self, path: Path, settings: ServerSettings = ServerSettings()):
        try:
            import xllamacpp
        except ImportError:
            raise LocalModelError(f"the local model runtime (xllamacpp) is not installed; {INSTALL_HINT}") from None
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = settings.context_tokens
        params.n_parallel = 1
        threads = settings.threads or os.cpu_count() or 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # a free port
        params.ui = False
        params.cache_prompt = True  # the fixed system prompt is processed once, then reused
        params.verbosity = -1
        key = secrets.token_urlsafe(24)
        params.api_keys = [key]
        try:
            self._server = xllamacpp.Server(params)
        except Exception as exc:
            raise LocalModelError(
                f"the local language model could not start ({exc}); delete {path} and run the command again"
            ) from None
        self.endpoint = LocalEndpoint(self._server.listening_address.rstrip("/") + "/v1", key)

    def close(self) -> None:
        """Stop the server (idempotent)."""
        self._server = None

    def __enter__(self) -> LocalModelServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
