"""The one engine per process: model + index loaded once (st.cache_resource), shared by every session.

`EngineHolder` is the cached object; a rebuild on the Index page swaps its engine in place, so every session
sees the new index on its next run and nothing is reloaded otherwise. The first load shows a progress bar with the
build's stage, count, rate and time left, and prints the same lines on the terminal that runs `rag ui`.
"""

from __future__ import annotations

import threading

import streamlit as st

from rag import Engine, Settings, open_engine
from rag.cli.output import progress_lines
from rag.errors import describe
from rag.index import BuildProgress, Progress
from ui.i18n import lang, progress_line, t


class EngineHolder:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine: Engine | None = None
        self.lock = threading.Lock()

    def get(self, progress: Progress | None = None) -> Engine:
        with self.lock:
            if self.engine is None:
                engine = open_engine(self.settings, progress=progress)
                engine.answerer.warm_up()
                self.engine = engine
            return self.engine

    def replace(self, engine: Engine) -> None:
        with self.lock:
            if self.engine is not None:
                self.engine.hand_over(engine)  # one local model server per process, kept across rebuilds
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


def progress_text(p: BuildProgress, lead: str = "") -> str:
    """The line under the progress bar: stage, count, rate and time left, in the reader's language."""
    line = progress_line(p)
    return lead + (line[:1].lower() if lead and lang() == "en" else line)


def show_progress(bar, lead: str = "") -> Progress:
    """A build-progress callback that moves `bar` (a `st.progress`) and prints the same lines on the terminal that
    runs the app."""
    terminal = progress_lines(prefix="rag ui: ")

    def update(p: BuildProgress) -> None:
        bar.progress(p.fraction, text=progress_text(p, lead))
        terminal(p)

    return update


def engine_or_stop() -> Engine:
    """The shared engine; the first call in a process loads it under a progress bar. On failure the page shows
    one sentence and stops."""
    h = holder()
    if h.engine is not None:
        return h.engine
    try:
        box = st.empty()
        lead = t("start.first")
        bar = box.progress(0.0, text=lead + t("start.starting"))
        engine = h.get(show_progress(bar, lead))
        if engine.rebuilt is None:  # loaded as is: nothing to report; after a build the full bar says how long
            box.empty()
        return engine
    except Exception as exc:
        from ui.render import md

        st.error(md(friendly(exc)))
        st.stop()
        raise  # unreachable: st.stop() raises
