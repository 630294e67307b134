"""Per-stage wall-clock timing for one call path (search, answer, build), used by the benchmark."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class StageTimer:
    """Accumulates seconds per named stage; one timer per call, so it needs no locking."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


class _NoTimer:
    """Stands in when nobody measures: `stage` costs one attribute lookup and an empty context."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:  # noqa: ARG002  (the StageTimer signature)
        yield


NO_TIMER = _NoTimer()
