"""The chat-model seam (`ChatModel`) and its OpenAI-compatible client (`LLMConfig`): streamed, time-limited.

Only the standard library is used (urllib). `stream_chat` yields text deltas and raises `LLMError` for every
failure (unreachable, HTTP error, timeout, a reply that is not a chat-completion stream); `rag.answer` catches
it and falls back to the extractive answer, so callers of `answer_question` never see these errors. Tests may
pass any object with `label`, `context`, `languages` and `stream(messages, grammar)` as the chat model.

Time limits: `timeout` (RAG_LLM_TIMEOUT, default 30 s) bounds connecting and every wait for more bytes;
`total_timeout` (RAG_LLM_TOTAL_TIMEOUT, default 4 × timeout) bounds the whole request. The total limit is
enforced by a watchdog that shuts the connection down, so an endpoint that trickles bytes cannot outlast it.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rag.errors import LLMError
from rag.text import LANGUAGES

ENV_BASE_URL = "RAG_LLM_BASE_URL"
ENV_MODEL = "RAG_LLM_MODEL"
ENV_API_KEY = "RAG_LLM_API_KEY"
ENV_TIMEOUT = "RAG_LLM_TIMEOUT"
ENV_TOTAL_TIMEOUT = "RAG_LLM_TOTAL_TIMEOUT"

DEFAULT_MODEL = "default"
CONTEXTS = ("passages", "evidence")
DEFAULT_TIMEOUT = 30.0  # seconds to connect, and at most between two received bytes
TOTAL_TIMEOUT_FACTOR = 4  # the whole request may take this many `timeout`s unless `total_timeout` is set
MAX_REPLY_BYTES = 2 * 1024 * 1024


@runtime_checkable
class ChatModel(Protocol):
    """Anything that streams a chat completion: yields text pieces, raises `LLMError` when it cannot answer."""

    @property
    def label(self) -> str: ...

    @property
    def context(self) -> str:
        """What the model reads: "passages" (the retrieved passages, fenced) or "evidence" (sentences chosen by the
        extractive stage, numbered, with a grammar for the reply; `rag.answer.evidence`)."""
        ...

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of the questions it answers ("zh", "en"; `rag.text.language_of`): a question in another
        gets the extractive answer."""
        ...

    def stream(self, messages: Sequence[Mapping[str, str]], grammar: str | None = None) -> Iterator[str]:
        """Text pieces of the reply; `grammar` (GBNF) constrains it where the endpoint supports grammars."""
        ...


@dataclass(frozen=True)
class LLMConfig:
    """Where the chat endpoint is and how long to wait for it.

    `base_url` is the OpenAI-style API root (e.g. `http://127.0.0.1:8080/v1`); requests go to
    `{base_url}/chat/completions`. `timeout` bounds connecting and each wait for more bytes;
    `total_timeout` (default: 4 × timeout) bounds the whole generation.
    """

    base_url: str
    model: str = DEFAULT_MODEL
    api_key: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    total_timeout: float | None = None
    temperature: float = 0.1
    max_tokens: int = 400
    llama_cpp: bool = False  # a llama.cpp server: accepts `grammar`, `repeat_penalty` and `cache_prompt`
    context: str = "passages"  # or "evidence" (see `ChatModel.context`)
    languages: tuple[str, ...] = LANGUAGES  # see `ChatModel.languages`

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.base_url or "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"the LLM base URL must start with http:// or https://, got {self.base_url!r}")
        if not self.model:
            raise ValueError("the LLM model name is empty")
        if self.context not in CONTEXTS:
            raise ValueError(f"the LLM context must be one of {', '.join(CONTEXTS)}, got {self.context!r}")
        if not self.languages or not set(self.languages) <= set(LANGUAGES):
            raise ValueError(f"the LLM languages must be some of {', '.join(LANGUAGES)}, got {self.languages!r}")
        if not (isinstance(self.timeout, int | float) and self.timeout > 0):
            raise ValueError(f"the LLM timeout must be a positive number of seconds, got {self.timeout!r}")
        if self.total_timeout is not None and not (
            isinstance(self.total_timeout, int | float) and self.total_timeout > 0
        ):
            raise ValueError(f"the LLM total timeout must be a positive number of seconds, got {self.total_timeout!r}")

    @property
    def chat_url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @property
    def label(self) -> str:
        """The `answerer` value of answers this endpoint writes."""
        return f"llm:{self.model}"

    def stream(self, messages: Sequence[Mapping[str, str]], grammar: str | None = None) -> Iterator[str]:
        """Stream a chat completion from this endpoint (`stream_chat`)."""
        return stream_chat(self, messages, grammar)

    @property
    def deadline_seconds(self) -> float:
        return float(self.total_timeout) if self.total_timeout else TOTAL_TIMEOUT_FACTOR * float(self.timeout)

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides,
    ) -> LLMConfig:
        """Arguments first, then RAG_LLM_BASE_URL / RAG_LLM_MODEL / RAG_LLM_API_KEY / RAG_LLM_TIMEOUT /
        RAG_LLM_TOTAL_TIMEOUT."""
        env = os.environ if environ is None else environ
        url = base_url or env.get(ENV_BASE_URL, "").strip()
        if not url:
            raise ValueError(f"no LLM endpoint: pass a base URL or set {ENV_BASE_URL}")
        env_timeout, env_total = timeouts_from_env(env)
        timeout = env_timeout if timeout is None else timeout
        overrides.setdefault("total_timeout", env_total)
        return cls(
            base_url=url,
            model=model or env.get(ENV_MODEL, "").strip() or DEFAULT_MODEL,
            api_key=api_key or env.get(ENV_API_KEY) or None,
            timeout=timeout,
            **overrides,
        )


def timeouts_from_env(environ: Mapping[str, str] | None = None) -> tuple[float, float | None]:
    """(timeout between bytes, total time limit or None) from RAG_LLM_TIMEOUT / RAG_LLM_TOTAL_TIMEOUT."""
    env = os.environ if environ is None else environ
    return _env_seconds(env, ENV_TIMEOUT) or DEFAULT_TIMEOUT, _env_seconds(env, ENV_TOTAL_TIMEOUT)


def _env_seconds(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name, "").strip()
    try:
        return float(raw) if raw else None
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None


# ---------------------------------------------------------------- transport


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Watchdog:
    """Shuts down the sockets of one request when its total time limit passes: no read (of the headers or of a
    body trickled byte by byte) can outlive the limit. Use as a context manager around the request."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:  # the plain-socket shutdown, also for TLS sockets: a blocked read in another thread returns at once
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Watched:
    """Mixin for urllib's HTTP(S) handlers: every connection they open is registered with the watchdog."""

    watchdog: _Watchdog

    def do_open(self, http_class, req, **kwargs):
        watchdog = self.watchdog

        class WatchedConnection(http_class):
            def connect(self):
                super().connect()
                watchdog.watch(self.sock)

        return super().do_open(WatchedConnection, req, **kwargs)


class _HTTPHandler(_Watched, urllib.request.HTTPHandler):
    pass


class _HTTPSHandler(_Watched, urllib.request.HTTPSHandler):
    pass


def _opener(config: LLMConfig, watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_HTTPHandler(), _HTTPSHandler()]
    for handler in handlers:
        handler.watchdog = watchdog
    host = urllib.parse.urlsplit(config.base_url).hostname
    if _is_loopback(host):  # a local server: never send it through an HTTP proxy from the environment
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def _where(config: LLMConfig) -> str:
    parts = urllib.parse.urlsplit(config.base_url)
    return f"{parts.scheme}://{parts.netloc}"  # no path, query or credentials in messages


def _event_text(payload: str) -> tuple[str, bool]:
    """(content delta, finished) from one SSE `data:` payload; raises LLMError for anything else."""
    try:
        event = json.loads(payload)
    except ValueError:
        raise LLMError("the LLM endpoint sent a stream event that is not JSON") from None
    if not isinstance(event, dict):
        raise LLMError("the LLM endpoint sent a stream event that is not a JSON object")
    if "error" in event:
        err = event["error"]
        message = err.get("message") if isinstance(err, dict) else err
        raise LLMError(f"the LLM endpoint reported an error: {str(message)[:200]}")
    choices = event.get("choices")
    if not isinstance(choices, list):
        raise LLMError("the LLM endpoint sent a stream event without choices")
    if not choices:
        return "", False  # e.g. a usage-only event
    choice = choices[0] if isinstance(choices[0], dict) else {}
    delta = choice.get("delta") or choice.get("message") or {}
    content = delta.get("content") if isinstance(delta, dict) else None
    if content is None and isinstance(choice.get("text"), str):  # completion-style servers
        content = choice["text"]
    if content is not None and not isinstance(content, str):
        raise LLMError("the LLM endpoint sent content that is not text")
    return content or "", bool(choice.get("finish_reason"))


def _json_reply_text(body: bytes) -> str:
    """The content of a non-streamed chat completion (some servers ignore `stream`)."""
    try:
        reply = json.loads(body.decode("utf-8"))
        content = reply["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        raise LLMError("the LLM endpoint's reply is not a chat completion") from None
    if not isinstance(content, str):
        raise LLMError("the LLM endpoint's reply has no text")
    return content


def stream_chat(config: LLMConfig, messages: Sequence[Mapping[str, str]], grammar: str | None = None) -> Iterator[str]:
    """POST a streamed chat completion and yield the text deltas as they arrive (`grammar` is sent only to a
    llama.cpp endpoint, `config.llama_cpp`).

    Raises `LLMError` when the endpoint is unreachable, too slow, answers with an HTTP error or sends
    something that is not a chat-completion stream, and when it produces no text at all.
    """
    fields = {
        "model": config.model,
        "messages": list(messages),
        "stream": True,
        "temperature": config.temperature,
        "max_tokens": config.max_tokens,
    }
    if config.llama_cpp:
        fields |= {"cache_prompt": True, "repeat_penalty": 1.15, "seed": 7} | ({"grammar": grammar} if grammar else {})
    body = json.dumps(fields, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    request = urllib.request.Request(config.chat_url, data=body, headers=headers, method="POST")
    where = _where(config)
    with _Watchdog(config.deadline_seconds) as watchdog:
        try:
            yield from _chat_deltas(config, request, where, watchdog)
        except LLMError:
            if watchdog.expired:  # whatever broke, it broke because the watchdog closed the connection
                raise LLMError(_total_message(config, where)) from None
            raise
        if watchdog.expired:  # the body ended early because the watchdog closed the connection
            raise LLMError(_total_message(config, where))


def _total_message(config: LLMConfig, where: str) -> str:
    return f"the LLM endpoint {where} took longer than {config.deadline_seconds:g} s in total"


def _chat_deltas(  # noqa: C901  (one branch per way a request can fail, each with its own sentence)
    config: LLMConfig, request: urllib.request.Request, where: str, watchdog: _Watchdog
) -> Iterator[str]:
    deadline = time.monotonic() + config.deadline_seconds
    try:
        response = _opener(config, watchdog).open(request, timeout=config.timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise LLMError(f"the LLM endpoint {where} answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            raise LLMError(f"the LLM endpoint {where} did not answer within {config.timeout:g} s") from None
        raise LLMError(f"could not reach the LLM endpoint {where} ({reason})") from None
    except TimeoutError:
        raise LLMError(f"the LLM endpoint {where} did not answer within {config.timeout:g} s") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise LLMError(f"could not talk to the LLM endpoint {where} ({type(exc).__name__})") from None

    produced = False
    try:
        with response:
            if response.headers.get_content_type() == "application/json":
                text = _json_reply_text(response.read(MAX_REPLY_BYTES + 1)[:MAX_REPLY_BYTES])
                if text.strip():
                    produced = True
                    yield text
            else:
                for delta in sse_deltas(response, deadline, config):
                    if delta:
                        produced = True
                        yield delta
    except TimeoutError:
        raise LLMError(f"the LLM endpoint {where} stopped sending for more than {config.timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise LLMError(f"the connection to the LLM endpoint {where} broke ({type(exc).__name__})") from None
    if not produced:
        raise LLMError(f"the LLM endpoint {where} returned no answer text")


def sse_deltas(  # noqa: C901, PLR0912  (the event-stream format's cases, in the spec's order)
    response, deadline: float, config: LLMConfig
) -> Iterator[str]:
    """Parse `text/event-stream` lines: `data: {json}` events until `data: [DONE]` or the end of the body."""
    received = 0
    events = 0
    data: list[str] = []
    stray = 0
    while True:
        if time.monotonic() > deadline:
            raise LLMError(f"the LLM endpoint took longer than {config.deadline_seconds:g} s in total")
        raw = response.readline(65536)
        if not raw:
            break
        received += len(raw)
        if received > MAX_REPLY_BYTES:
            raise LLMError("the LLM endpoint's reply is too long")
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line == "":
            if data:
                payload, data = "\n".join(data), []
                if payload.strip() == "[DONE]":
                    return
                events += 1
                text, _finished = _event_text(payload)
                yield text
            continue
        if line.startswith(":"):
            continue  # comment / keep-alive
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
        elif name in ("event", "id", "retry"):
            continue
        else:
            stray += 1
            if stray > 3 and not events:
                raise LLMError("the LLM endpoint's reply is not an event stream")
    if data:
        payload = "\n".join(data)
        if payload.strip() != "[DONE]":
            events += 1
            yield _event_text(payload)[0]
    if not events:
        raise LLMError("the LLM endpoint's reply is not an event stream")
