"""The one engine per process: model + index loaded once (st.cache_resource), shared by every session.

`EngineHolder` is the cached object; a rebuild on the Index page swaps its engine in place, so every session
sees the new index on its next run and nothing is reloaded otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamlit as st

from rag import Engine, Settings, open_engine
from rag.errors import describe

STAGES = ("parse", "chunk", "embed", "index", "save")


class EngineHolder:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine: Engine | None = None
        self.lock = threading.Lock()

    def get(self, progress: Callable[[str, float], None] | None = None) -> Engine:
        with self.lock:
            if self.engine is None:
                engine = open_engine(self.settings, progress=progress)
                engine.answerer.warm_up()
                self.engine = engine
            return self.engine

    def replace(self, engine: Engine) -> None:
        with self.lock:
            self.engine = engine


@st.cache_resource(show_spinner=False)
def _holder(key: str, _settings: Settings) -> EngineHolder:  # noqa: ARG001  (`key` is the cache key)
    return EngineHolder(_settings)


def settings() -> Settings:
    return Settings.from_env()


def holder() -> EngineHolder:
    s = settings()
    return _holder(repr(s), s)


def friendly(exc: BaseException) -> str:
    """One sentence for a person (never a traceback)."""
    message = describe(exc)[0]
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "。")) else ".")


def stage_fraction(stage: str) -> float:
    """Overall progress after `stage` of `rag.index.build_index` has finished."""
    return (STAGES.index(stage) + 1) / len(STAGES) if stage in STAGES else 0.0


def engine_or_stop() -> Engine:
    """The shared engine; the first call in a process loads it with a progress message. On failure the page shows
    one sentence and stops."""
    h = holder()
    if h.engine is not None:
        return h.engine
    try:
        with st.status("Loading the model and the index (first run only)…", expanded=False) as status:
            bar = st.progress(0.0)
            engine = h.get(lambda stage, _f: bar.progress(stage_fraction(stage), text=f"building the index: {stage}"))
            status.update(label="Model and index loaded", state="complete")
        return engine
    except Exception as exc:
        from ui.render import md

        st.error(md(friendly(exc)))
        st.stop()
        raise  # unreachable: st.stop() raises
